"""``trtc-privacy sdks``: the TRTC-family products, their aliases, minimums and templates."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from trtc_privacy.cli.options import format_option


def sdks(format: Optional[str] = format_option()) -> None:
    """List the TRTC-family products, their aliases, minimum versions and template versions."""
    import json

    from trtc_privacy.cli.console import document, line
    from trtc_privacy.cli.options import chosen_format
    from trtc_privacy.knowledge.vendors import products

    with chosen_format(format) as fmt:
        rows: List[Dict[str, Any]] = [{
            "id": p.id, "name": p.name, "aliases": list(p.aliases),
            "minimum_version": p.minimum_version,
            "versions": [t.version for t in p.sorted_templates()],
        } for p in products()]
        if fmt == "json":
            document(json.dumps(rows, indent=2) + "\n")
            return
        if fmt != "text":
            from trtc_privacy.diagnostics import input_error

            raise input_error("--format", f"sdks prints a list, not diagnostics: \"{fmt}\" does "
                              "not apply", rule="usage", hint="use text or json")
        width = max(len(str(r["id"])) for r in rows)
        for r in rows:
            line(f"{r['id']:<{width}}  {r['name']}")
            line(f"{'':<{width}}  aliases: {', '.join(r['aliases'])}")
            line(f"{'':<{width}}  ships its own manifest from {r['minimum_version']}; "
                 f"templates: {', '.join(r['versions'])}")
