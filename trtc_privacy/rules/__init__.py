"""The registry of every id the tool prints, built from explicit imports, in a stable order.

Each module owns one family; each rule carries its name, default severity, App Store codes,
explanation and hint beside its check (see ``base.Rule``). Lint rules have a check; the others
(``scope`` scan, audit, versions, xcode, cli) are made by the command that finds them.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional

from trtc_privacy.rules import api, data, inputs, structure, syntax, tracking, usage, versions, xcode
from trtc_privacy.rules.base import Context, Finding, Rule

__all__ = ["Context", "Finding", "Rule", "RULES_BY_NAME", "all_rules", "get", "by_itms",
           "itms_codes", "suggest", "markdown_table"]

RULES_BY_NAME: Dict[str, Rule] = {}
for _module in (syntax, structure, api, data, tracking, usage, versions, xcode, inputs):
    for _rule in _module.RULES:
        assert _rule.name not in RULES_BY_NAME, _rule.name
        RULES_BY_NAME[_rule.name] = _rule


def all_rules() -> List[Rule]:
    return list(RULES_BY_NAME.values())


def get(name: str) -> Optional[Rule]:
    return RULES_BY_NAME.get(name)


def by_itms(code: str) -> List[Rule]:
    """Rules that predict an App Store Connect code (``ITMS-91055`` or ``91055``)."""
    code = code.upper()
    if not code.startswith("ITMS-"):
        code = "ITMS-" + code
    return [r for r in all_rules() if code in r.itms]


def itms_codes() -> List[str]:
    """Every App Store Connect code some rule predicts, in numeric order."""
    return sorted({c for r in all_rules() for c in r.itms})


def suggest(name: str) -> str:
    """A did-you-mean hint for a mistyped rule name."""
    import difflib

    close = difflib.get_close_matches(name, list(RULES_BY_NAME), n=1, cutoff=0.6)
    if close:
        return f"did you mean \"{close[0]}\"? (`trtc-privacy rules` lists them all)"
    return "`trtc-privacy rules` lists them all"


def markdown_table() -> str:
    """docs/rules.md's rules table, generated from the rule data (a test keeps them in step)."""
    lines = ["| rule | severity | App Store code | what it finds | `--fix` |",
             "|---|---|---|---|---|"]
    for r in all_rules():
        itms = ", ".join(r.itms) if r.itms else "\u2014"
        summary = re.sub(r"(<[^>]+>)", r"`\1`", r.summary)  # tags would be read as HTML
        lines.append(f"| `{r.name}` | {r.severity.value} | {itms} | {summary} | "
                     f"{'yes' if r.fixable else ''} |")
    return "\n".join(lines) + "\n"
