"""The numbers of the results chapter: per item the top-2-box percentage, its interval and its basis.

The site's results pages (one per report level) write these numbers into sentences with MyST-NB's
``{glue:text}`` role; the results notebook computes and glues them (:func:`glue_results`), so a changed
assumption or a new cohort changes the sentences on the next run -- no number is typed into the text.
"""

from __future__ import annotations

import pandas as pd

from samskab_analysis.data.strings import Strings, load_strings
from samskab_analysis.paths import LANGS
from samskab_analysis.stats.intervals import proportion_interval
from samskab_analysis.stats.sensitivity import item_completions, item_statistics
from samskab_analysis.stats.wording import percent
from samskab_analysis.study import Study


def _whole_percent(share: float) -> int | str:
    """A share as a whole percentage; a positive share below 0.5 % is '< 1', never 0 (and never 100 below 1)."""
    text = percent(share)
    return int(text) if text.isdigit() else text


def item_result(study: Study, item_id: str, min_count: int = 0) -> dict[str, object]:
    """The results chapter's numbers of one item (one row of :func:`item_results`)."""
    counts = study.item_counts(item_id)
    n = int(counts["count"].sum())
    top = int(counts.loc[counts["top_box"].astype(bool), "count"].sum())
    lo, hi = proportion_interval(top, n, "clopper-pearson")  # exact: coverage at least 95 % for every true share
    _, every = item_statistics(study, item_id)
    share_min, share_max = float(every["top2_share"].min()), float(every["top2_share"].max())
    if not study.is_published:
        basis = "observed"
    else:
        basis = "fixed" if len(item_completions(study, item_id)) and share_min == share_max else "assumed"
    suppressed = 0 < top < min_count
    return {
        "item_id": item_id,
        "level_id": study.instrument.items.at[item_id, "level_id"],
        "n": n,
        "top2": f"<{min_count}" if suppressed else top,
        "pct": "" if suppressed else _whole_percent(top / n),
        "lo": "" if suppressed else round(100 * lo),
        "hi": "" if suppressed else round(100 * hi),
        "min_pct": _whole_percent(share_min),
        "max_pct": _whole_percent(share_max),
        "basis": "suppressed" if suppressed else basis,
    }


def item_results(study: Study, min_count: int = 0) -> pd.DataFrame:
    """One row per item: level, N, top-2 count and %, exact 95 % interval, min/max % over consistent tables.

    The interval is Clopper–Pearson's (exact; coverage at least 95 % whatever the true share) for the share of
    the N respondents.

    ``basis`` is ``observed`` (respondent-level data), ``fixed`` (the report's statements alone determine
    the percentage) or ``assumed`` (it depends on the reconstruction's assumptions). With *min_count* > 0 a
    top-2 count below it is ``suppressed`` (percent and interval left empty).
    """
    rows = [
        item_result(study, item_id, min_count)
        for item_id in study.instrument.item_ids
        if not study.item_counts(item_id).empty
    ]
    return pd.DataFrame(rows)


def results_sentence(study: Study, item_id: str, lang: str, strings: dict[str, dict[str, str]]) -> str:
    """The results chapter's sentence about *item_id* in *lang*, numbers filled in (the site glues the same ones).

    Same template (``sentence_item``) and numbers (:func:`item_result`) as the site's results pages.
    """
    inst = study.instrument
    row = item_result(study, item_id)
    say = Strings(strings, lang)
    return say(
        "sentence_item",
        exhibit=inst.exhibit_name(item_id, lang),
        title=inst.title(item_id, lang),
        top=say(f"top_{inst.items.at[item_id, 'scale_id']}"),
        pct=row["pct"],
        lo=row["lo"],
        hi=row["hi"],
        n=row["n"],
        basis=basis_text(row, lang, strings),
    )


def basis_text(row: pd.Series | dict, lang: str, strings: dict[str, dict[str, str]]) -> str:
    """Whether the percentage rests on assumptions, as a phrase in *lang* (from the strings table)."""
    say = Strings(strings, lang)
    return say(f"basis_{row['basis']}", min=row["min_pct"], max=row["max_pct"])


class Plain:
    """A value glued as plain text (``{glue:text}`` shows ``repr``: no quotes around strings)."""

    def __init__(self, text: object) -> None:
        self.text = str(text)

    def __repr__(self) -> str:
        return self.text


def glue_keys(row: pd.Series | dict, strings: dict[str, dict[str, str]], langs=LANGS) -> dict[str, str]:
    """The glue variables of one item: ``<item>_pct``, ``_lo``, ``_hi``, ``_n`` and ``_basis_<lang>``."""
    item = row["item_id"]
    keys = {f"{item}_{name}": str(row[name]) for name in ("pct", "lo", "hi", "n")}
    keys.update({f"{item}_basis_{lang}": basis_text(row, lang, strings) for lang in langs})
    return keys


def glue_results(table: pd.DataFrame, data_dir=None) -> list[str]:
    """Glue every item's numbers and basis phrases (MyST-NB ``glue``, not displayed); returns the keys."""
    from myst_nb import glue

    strings = load_strings(data_dir) if data_dir is not None else load_strings()
    names = []
    for row in table.to_dict("records"):
        for key, value in glue_keys(row, strings).items():
            glue(key, Plain(value), display=False)
            names.append(key)
    return names
