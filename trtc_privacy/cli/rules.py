"""``trtc-privacy rules``: list every rule (lint's and the other commands') with severity and
App Store code. Its formats are lists, not diagnostics, so it has its own ``--format``."""

from __future__ import annotations

import typer


def rules(
    format: str = typer.Option("text", "--format", "-f", metavar="FORMAT",
                               help="text, json or markdown (docs/rules.md's table)."),
) -> None:
    """List every lint rule: name, default severity, App Store code, what it finds."""
    import json

    from trtc_privacy.cli.console import document, lines
    from trtc_privacy.cli.console import line as say
    from trtc_privacy.cli.exits import EXIT_USAGE
    from trtc_privacy.lint.rules import all_rules, markdown_table

    rs = all_rules()
    if format == "json":
        document(json.dumps([{
            "name": r.name, "severity": r.severity.value, "itms": list(r.itms),
            "summary": r.summary, "explanation": r.explanation, "hint": r.hint,
            "fixable": r.fixable, "scope": r.scope,
        } for r in rs], indent=2) + "\n")
    elif format == "markdown":
        lines(markdown_table())
    elif format == "text":
        w = max(len(r.name) for r in rs)
        for r in rs:
            itms = ",".join(c.replace("ITMS-", "") for c in r.itms) or "-"
            say(f"{r.name:<{w}}  {r.severity.value:<7}  {itms:<11}  {r.summary}")
    else:
        say(f"--format: unknown format \"{format}\" (expected text, json or markdown)",
            err=True)
        raise typer.Exit(EXIT_USAGE)
