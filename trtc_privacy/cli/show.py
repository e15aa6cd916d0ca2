"""``trtc-privacy show NAME[@VERSION]``: what a product or pod ships, as a merge would fold it."""

from __future__ import annotations

from typing import Optional

import typer

from trtc_privacy.cli.options import format_option


def show(
    product: str = typer.Argument(..., metavar="NAME[@VERSION]",
                                  help="A product id or any pod of the catalogue, optionally "
                                  "with a subspec (/Professional) and a version."),
    no_deps: bool = typer.Option(False, "--no-deps",
                                 help="Only the pod named, not what it depends on."),
    format: Optional[str] = format_option(),
) -> None:
    """Print the manifest a merge folds for NAME[@VERSION]: the pod's own and those of the pods
    a Podfile naming it resolves (what each ships, and the findings, on stderr).

    json prints the pods, the manifest's text and the findings as one object; sarif only the
    findings.
    """
    import json

    import trtc_privacy.cli.console as console
    from trtc_privacy.cli.options import chosen_format, emit
    from trtc_privacy.formatters.jsonfmt import envelope, rows
    from trtc_privacy.knowledge.resolve import findings
    from trtc_privacy.knowledge.resolve import resolve as resolve_spec
    from trtc_privacy.merge.catalogue_view import pod_dict, pod_lines, union_text

    with chosen_format(format) as fmt:
        res = resolve_spec(product, "NAME", follow=not no_deps)
        found = []
        for p in res.pods:
            written = res.name if p is res.root else p.name
            found += findings(p, "NAME", None, written, merging=True,
                              adds=f"`trtc-privacy merge APP_MANIFEST --sdk {product}` adds")
        text = union_text(res.pods)
        if fmt == "json":
            console.document(json.dumps(envelope(
                spec=product, product=res.product.id if res.product else None,
                requested=res.requested, pods=[pod_dict(p) for p in res.pods],
                manifest=text, diagnostics=rows(found)), indent=2) + "\n")
            return
        emit(found, fmt, err=fmt == "text", quiet_when_clean=True)
        if fmt == "text":
            for line in pod_lines(res.pods):
                console.note(line)
        if fmt != "sarif" and text:
            console.lines(text)
