"""Sphinx configuration of the report's site (one build per language).

The build-source folder (written by ``samskab_analysis.site``) holds a copy of this file, the executed
notebooks and the generated pages, plus ``site.json`` with what differs per language and run.
MyST-NB renders the executed notebooks as they are: it never executes them again.
"""

import json
from pathlib import Path

SITE = json.loads((Path(__file__).parent / "site.json").read_text(encoding="utf-8"))

project = SITE["title"]
author = SITE["author"]
copyright = SITE["copyright"]  # noqa: A001 - Sphinx setting
version = release = SITE["version"]
language = SITE["sphinx_language"]
root_doc = "index"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "site.json", "locale"]
templates_path = ["_templates"]
# sphinx.po (the theme's strings) and sphinx.js (the search page's), written from data/raw/site/strings.csv; absolute:
# Sphinx looks for sphinx.js relative to the working directory
locale_dirs = [str(Path(__file__).parent / "locale")]
html_static_path = ["_static"]
html_css_files = ["samskab.css"]
html_title = SITE["title"]
html_theme = "sphinx_book_theme"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_show_sphinx = False
html_show_search_summary = False  # summaries are fetched per hit: browsers refuse that from file:// (offline)
html_context = {"samskab": SITE, "default_mode": "light"}  # a mode: the theme logs an error without one
html_sidebars = {"**": ["navbar-logo.html", "sbt-sidebar-nav.html"]}
html_theme_options = {
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "article_header_start": ["toggle-primary-sidebar.html", "lang-switch.html"],
    "footer_content_items": ["samskab-footer.html"],
    "search_bar_text": SITE["search_placeholder"],
}
nb_execution_mode = "off"  # notebooks were executed by `samskab reproduce`
nb_output_stderr = "remove"
nb_merge_streams = True
nb_ipywidgets_js = {}
nb_code_prompt_show = SITE["code_show"]
nb_code_prompt_hide = SITE["code_hide"]
myst_enable_extensions = ["colon_fence", "html_image"]
mathjax_path = "no-mathjax.js"  # no formulas; nothing is loaded from a CDN
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]


def _page_context(app, pagename, templatename, context, doctree):
    """``samskab_up``: the relative path from a page to the folder that holds every language's build."""
    context["samskab_up"] = "../" * (pagename.count("/") + 1)


def setup(app):
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
