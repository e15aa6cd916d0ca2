"""``trtc-privacy rules``: list every rule (lint's and the other commands') with severity and
App Store code. Its formats are a list's, not diagnostics', so the CI default does not apply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from trtc_privacy.cli.options import document_format_option

if TYPE_CHECKING:
    from trtc_privacy.lint.rules import Rule

RULES_FORMATS = ("text", "json", "markdown")


def rules(
    format: Optional[str] = document_format_option(
        RULES_FORMATS, " (markdown: docs/rules.md's table)"),
) -> None:
    """List every lint rule: name, default severity, App Store code, what it finds."""
    import json

    from trtc_privacy.cli.console import document, lines
    from trtc_privacy.cli.console import line as say
    from trtc_privacy.cli.options import document_format
    from trtc_privacy.formatters.jsonfmt import envelope
    from trtc_privacy.lint.rules import all_rules, markdown_table

    fmt = document_format(format, RULES_FORMATS)
    rs = all_rules()
    if fmt == "json":
        document(json.dumps(envelope(rules=[rule_row(r) for r in rs]), indent=2) + "\n")
    elif fmt == "markdown":
        lines(markdown_table())
    else:
        w = max(len(r.name) for r in rs)
        for r in rs:
            itms = ",".join(c.replace("ITMS-", "") for c in r.itms) or "-"
            say(f"{r.name:<{w}}  {r.severity.value:<7}  {itms:<11}  {r.summary}")


def rule_row(r: "Rule") -> Dict[str, Any]:
    """A rule as ``rules -f json`` and ``explain -f json`` print it."""
    return {"name": r.name, "severity": r.severity.value, "itms": list(r.itms),
            "summary": r.summary, "explanation": r.explanation, "hint": r.hint,
            "fixable": r.fixable, "scope": r.scope}
