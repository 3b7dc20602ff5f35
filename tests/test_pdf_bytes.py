"""The printed PDF's bytes do not depend on the browser run."""


def test_pdf_node_ids_do_not_depend_on_the_browser_run() -> None:
    """Chromium numbers tagged-PDF structure elements by DOM node; the printer renumbers them by rank."""
    from samskab_analysis.run.site_pdf import fix_node_ids

    first = b"<</ID (node00048158)>> <</ID (node00048160)>> /Names [(node00048158) 1 0 R (node00048160) 2 0 R]"
    second = first.replace(b"48158", b"48155").replace(b"48160", b"48157")
    assert fix_node_ids(first) == fix_node_ids(second)
    assert len(fix_node_ids(first)) == len(first)  # the xref offsets stay valid
    assert b"(node00000000)" in fix_node_ids(first) and b"(node00000001)" in fix_node_ids(first)
