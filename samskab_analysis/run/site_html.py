"""The HTML pieces of the site's generated pages, rendered by Jinja2 with autoescaping.

Every value put into a page (file names, labels, wave names, strings, table cells) passes through a template
that escapes it; a piece rendered here is :class:`markupsafe.Markup` and is not escaped twice when it is put
into another. Markdown text goes through :func:`samskab_analysis.run.site.md_escape` instead.
"""

from __future__ import annotations

from functools import cache

from markupsafe import Markup

TEMPLATES = {
    "badge": '<span class="badge {{ kind }}">{{ text }}</span>',
    "data_label": "{{ text }}{% if synthetic %} <span class=\"badge synthetic\">{{ synthetic }}</span>{% endif %}",
    "meta": (
        '<p class="samskab-meta">N = {{ n }} · {{ data }}{% if with_badge %} · {{ scope }}{{ badge }}{% endif %}</p>'
    ),
    "links": (
        '<p class="samskab-links">{% for href, text in links %}<a href="{{ href }}">{{ text }}</a> {% endfor %}'
        "<span>{{ produced }}</span></p>"
    ),
    "link": '<p class="samskab-links"><a href="{{ href }}">{{ text }}</a></p>',
    "failed": '- <span class="badge bad">{{ badge }}</span> <code>{{ name }}</code>',
    "paragraph": "<p>{{ text }}</p>",
    "table": (
        '<div class="samskab-table"><table class="samskab"><thead><tr>'
        '{% for text, numeric in head %}<th{% if numeric is not none %} class="{{ "num" if numeric else "" }}"'
        "{% endif %}>{{ text }}</th>{% endfor %}"
        "</tr></thead><tbody>"
        '{% for kind, cells in rows %}<tr{% if kind %} class="prov-{{ kind }}"{% endif %}>'
        '{% for text, numeric, code in cells %}<td{% if numeric is not none %} class="{{ "num" if numeric else "" }}"'
        "{% endif %}>{% if code %}<code>{{ text }}</code>{% else %}{{ text }}{% endif %}</td>{% endfor %}"
        "</tr>{% endfor %}</tbody></table></div>"
    ),
    "hashes": (  # a cell class of its own: the PDF prints every sha256 whole, on one line
        '<div class="samskab-table"><table class="samskab"><thead><tr><th>{{ file }}</th><th>sha256</th></tr></thead>'
        '<tbody>{% for path, digest in hashes %}<tr><td>{{ path }}</td><td class="sha256"><code>{{ digest }}</code>'
        "</td></tr>{% endfor %}</tbody></table></div>"
    ),
    "redirect": (
        '<!doctype html>\n<html lang="{{ lang }}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="refresh" content="0; url={{ target }}">\n<title>samskab</title>\n</head>\n'
        '<body><p><a href="{{ target }}">{{ target }}</a></p></body>\n</html>\n'
    ),
}


@cache
def _environment():
    import jinja2

    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def html(piece: str, /, **values: object) -> Markup:
    """Render the piece *piece* of :data:`TEMPLATES` with *values* escaped (pieces rendered before stay as they are)."""
    return Markup(_environment().from_string(TEMPLATES[piece]).render(**values))
