"""``trtc-privacy sdks``: the products and every pod of the catalogue, with how far it was checked."""

from __future__ import annotations

from typing import Optional

from trtc_privacy.cli.options import document_format_option

#: What ``sdks`` prints: a list, so the CI and Xcode formats of diagnostics do not apply.
SDKS_FORMATS = ("text", "json", "markdown")


def sdks(format: Optional[str] = document_format_option(
        SDKS_FORMATS, " (markdown: the tables in docs/commands.md)")) -> None:
    """List the products (named sets of pods) and every pod of the catalogue: its kind, the
    first version that ships a manifest, and the newest version checked (a newer one gets a
    note wherever it is met)."""
    import json

    from trtc_privacy.cli.console import document, line, lines
    from trtc_privacy.cli.options import document_format
    from trtc_privacy.formatters.jsonfmt import envelope
    from trtc_privacy.knowledge.vendors import catalogue
    from trtc_privacy.merge.catalogue_view import markdown_tables, pod_row

    fmt = document_format(format, SDKS_FORMATS)
    if fmt == "markdown":
        for name, table in markdown_tables().items():
            lines(f"<!-- catalogue-{name} -->\n{table}\n")
        return
    cat = catalogue()
    products = [{"id": p.id, "name": p.name, "root": p.root} for p in cat.products]
    pods = [pod_row(p) for p in cat.pods]
    if fmt == "json":
        document(json.dumps(envelope(products=products, pods=pods), indent=2) + "\n")
        return
    width = max(len(p["id"]) for p in products)
    line("PRODUCTS (what `--sdk ID[@VERSION]` resolves: the root pod and what it depends on)")
    for p in products:
        line(f"  {p['id']:<{width}}  {p['name']}: {p['root']}")
    line("")
    head = ("POD", "KIND", "FIRST MANIFEST", "NEWEST CHECKED")
    rows = [head] + [(r["pod"], r["kind"], r["first_manifest"],
                      (r["newest_checked"] or "not checked") +
                      (" (last)" if r["last_version"] else "")) for r in pods]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    line("  ".join(c.ljust(w) for c, w in zip(head, widths)).rstrip())
    for row, r in zip(rows[1:], pods):
        line("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        also = []
        if r["former_names"]:
            also.append("formerly " + ", ".join(r["former_names"]))
        if r["subspecs"]:
            also.append("subspecs " + ", ".join(r["subspecs"]))
        if r["swiftpm"]:
            also.append("SwiftPM " + ", ".join(u.split("github.com/")[-1] for u in r["swiftpm"]))
        if also:
            line("    " + "; ".join(also))
