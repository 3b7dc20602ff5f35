"""The interactive explorer (``notebooks/explore.ipynb``, ``samskab explore``): what-if over the reconstruction.

* :mod:`.cells` -- per item, the consistent count tables and which cells may move; moving one assumed cell picks
  the nearest consistent table (so the cells it constrains move with it);
* :mod:`.views` -- everything shown for one item of a :class:`~samskab_analysis.study.Study`: the figure as SVG,
  Clopper-Pearson intervals, claims-ledger rows, the comparisons involving the item, the results sentence;
* :mod:`.published` -- the what-if state over the published study: cells, reset, the assumptions file it saves;
* :mod:`.cohort` -- a cohort's respondent-level data: subgroups by a metadata column or an item's answer,
  ``min_count`` on every shown number;
* :mod:`.texts` -- the explorer's strings (``data/raw/explore/strings.csv``, da/no/en);
* :mod:`.app` -- the ipywidgets wiring (the only module importing ipywidgets);
* :mod:`.serve` -- ``samskab explore``: the notebook as a Voilà app on 127.0.0.1.
"""
