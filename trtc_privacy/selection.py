"""Which findings are shown, and at which severity: the configuration's ``select``, ``ignore``
and ``[severity]``, applied in this one place to every command's findings (lint's, merge's,
the Xcode phase's, versions')."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Set

from trtc_privacy.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:  # configuration is loaded by the caller; only its type is named here
    from trtc_privacy.config import Config


class Selection:
    """The rules to run and their severities, from configuration and command-line options."""

    def __init__(self, select: Optional[Set[str]] = None, ignore: Optional[Set[str]] = None,
                 severity: Optional[Dict[str, str]] = None) -> None:
        self.select: Set[str] = set() if select is None else select  # empty: all rules
        self.ignore: Set[str] = set() if ignore is None else ignore
        #: rule -> error|warning|note|off
        self.severity: Dict[str, str] = {} if severity is None else severity

    @classmethod
    def from_config(cls, cfg: Optional["Config"]) -> "Selection":
        if cfg is None:
            return cls()
        return cls(set(cfg.select), set(cfg.ignore), dict(cfg.severity))

    def enabled(self, rule: str) -> bool:
        if self.select and rule not in self.select and not _always(rule):
            return False
        return rule not in self.ignore and self.severity.get(rule) != "off"

    def stamp(self, d: Diagnostic) -> Optional[Diagnostic]:
        """The diagnostic at its configured severity, or None when its rule is turned off."""
        if not self.enabled(d.rule):
            return None
        sev = self.severity.get(d.rule)
        return d.with_severity(Severity(sev)) if sev else d

    def apply(self, diags: Iterable[Diagnostic]) -> List[Diagnostic]:
        """Every diagnostic that is enabled, at its configured severity, in order."""
        out = []
        for d in diags:
            s = self.stamp(d)
            if s is not None:
                out.append(s)
        return out


def _always(rule: str) -> bool:
    """``select`` narrows the lint rules; findings of other commands are not lint rules to pick."""
    from trtc_privacy.lint.rules import get

    r = get(rule)
    return r is not None and r.scope != "lint"
