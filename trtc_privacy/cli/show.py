"""``trtc-privacy show PRODUCT[@VERSION]``: print the vendor manifest a merge would fold in."""

from __future__ import annotations

from typing import Optional

import typer

from trtc_privacy.cli.options import format_option


def show(
    product: str = typer.Argument(..., metavar="PRODUCT[@VERSION]",
                                  help="A product id or alias, optionally with a version."),
    format: Optional[str] = format_option(),
) -> None:
    """Print the vendor manifest selected for PRODUCT[@VERSION] (findings about it on stderr).

    json prints the selection, the manifest's text and the findings as one object; sarif only
    the findings.
    """
    import json

    import trtc_privacy.cli.console as console
    from trtc_privacy.cli.options import chosen_format, emit
    from trtc_privacy.formatters.jsonfmt import rows
    from trtc_privacy.knowledge.vendors import select

    with chosen_format(format) as fmt:
        sel = select(product, "PRODUCT")
        # show adds nothing: the hint names the command that would
        w = sel.warning("PRODUCT",
                        adds=f"`trtc-privacy merge APP_MANIFEST --sdk {product}` adds them")
        found = [w] if w is not None else []
        text = sel.path.read_text(encoding="utf-8")
        if fmt == "json":
            console.document(json.dumps({
                "product": sel.product.id, "requested": sel.requested,
                "template": sel.template.version, "below_minimum": sel.below_minimum,
                "manifest": text, "diagnostics": rows(found),
            }, indent=2) + "\n")
            return
        emit(found, fmt, err=fmt == "text", quiet_when_clean=True)
        if fmt != "sarif":
            console.lines(text)
