"""``trtc-privacy show PRODUCT[@VERSION]``: print the vendor manifest a merge would fold in."""

from __future__ import annotations

from typing import Optional

import typer

from trtc_privacy.commands import format_option


def show(
    product: str = typer.Argument(..., metavar="PRODUCT[@VERSION]",
                                  help="A product id or alias, optionally with a version."),
    format: Optional[str] = format_option(),
) -> None:
    """Print the vendor manifest selected for PRODUCT[@VERSION] (findings about it on stderr)."""
    import sys

    from trtc_privacy.commands import emit, resolve
    from trtc_privacy.vendors import select

    fmt = resolve(format)
    sel = select(product, "PRODUCT")
    w = sel.warning("PRODUCT")
    if w is not None:
        emit([w], fmt, stream=sys.stderr if fmt == "text" else sys.stdout, quiet_when_clean=True)
    if fmt in ("text", "github", "xcode"):
        sys.stdout.write(sel.path.read_text(encoding="utf-8"))
