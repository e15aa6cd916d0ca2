"""The registry of every id the tool prints, built from explicit imports, in a stable order.

Each module owns one family; each rule carries its name, default severity, App Store codes,
explanation and hint beside its check (see ``base.Rule``). Lint rules have a check; the others
(``scope`` scan, audit, versions, xcode, cli) are made by the command that finds them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from trtc_privacy.diagnostics import input_error
from trtc_privacy.lint.rules.base import Context, Finding, Rule

__all__ = ["Context", "Finding", "Rule", "RULES_BY_NAME", "all_rules", "lint_rules", "get",
           "by_itms", "itms_codes", "suggest", "check_names", "markdown_table"]

#: The families in registry order: lint's own first, then those other commands report. The
#: registry loads lazily: lint imports only the first five (``versions`` builds its rules from
#: the vendor index, which lint never needs).
LINT_MODULES = ("syntax", "structure", "api", "data", "tracking")
OTHER_MODULES = ("usage", "versions", "xcode", "inputs")

_LINT: Dict[str, Rule] = {}
_ALL: Dict[str, Rule] = {}


def _load(modules: Tuple[str, ...], into: Dict[str, Rule]) -> None:
    for name in modules:
        for r in import_module(f"trtc_privacy.lint.rules.{name}").RULES:
            assert r.name not in into, r.name
            into[r.name] = r


def _lint_registry() -> Dict[str, Rule]:
    if not _LINT:
        _load(LINT_MODULES, _LINT)
    return _LINT


def _registry() -> Dict[str, Rule]:
    """Every rule, in registry order (lint's, then the other commands')."""
    if not _ALL:
        everything = dict(_lint_registry())
        _load(OTHER_MODULES, everything)
        _ALL.update(everything)
    return _ALL


def __getattr__(name: str) -> Any:  # RULES_BY_NAME, built on first use
    if name == "RULES_BY_NAME":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def all_rules() -> List[Rule]:
    return list(_registry().values())


def lint_rules() -> List[Rule]:
    """The rules of lint's families (syntax, structure, api, data, tracking), in registry
    order, without loading the others."""
    return list(_lint_registry().values())


def get(name: str) -> Optional[Rule]:
    got = _lint_registry().get(name)
    return got if got is not None else _registry().get(name)


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

    close = difflib.get_close_matches(name, list(_registry()), n=1, cutoff=0.6)
    if close:
        return f"did you mean \"{close[0]}\"? (`trtc-privacy rules` lists them all)"
    return "`trtc-privacy rules` lists them all"


def check_names(names: Iterable[str], path: str, rule: str = "usage",
                context: Optional[Callable[[str], Tuple[str, Optional[int]]]] = None) -> None:
    """Refuse a name no rule has, since a typo would silently turn a rule off: InputError (exit
    2) at ``path`` with a did-you-mean hint. The one check for ``--select``/``--ignore`` and the
    configuration's ``select``/``ignore``/``[severity]``; ``context`` gives, for the name
    refused, what to say before the message and its line (the configuration key that holds it).
    """
    for name in names:
        if get(name) is None:
            before, line = context(name) if context is not None else ("", None)
            raise input_error(path, f"{before}unknown rule \"{name}\"", line=line, rule=rule,
                              hint=suggest(name))


def markdown_table() -> str:
    """docs/rules.md's rules table, generated from the rule data (a test keeps them in step)."""
    import re

    lines = ["| rule | severity | App Store code | what it finds | `--fix` |",
             "|---|---|---|---|---|"]
    for r in all_rules():
        itms = ", ".join(r.itms) if r.itms else "\u2014"
        summary = re.sub(r"(<[^>]+>)", r"`\1`", r.summary)  # tags would be read as HTML
        lines.append(f"| `{r.name}` | {r.severity.value} | {itms} | {summary} | "
                     f"{'yes' if r.fixable else ''} |")
    return "\n".join(lines) + "\n"
