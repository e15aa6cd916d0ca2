"""Which findings are shown, and at which severity: the configuration's ``select``, ``ignore``
and ``[severity]``, applied in this one place to every command's findings (lint's, merge's,
the Xcode phase's, versions')."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Set

from trtc_privacy.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:  # configuration is loaded by the caller; only its type is named here
    from trtc_privacy.config import Config


@dataclass
class Selection:
    """The rules to run and their severities, from configuration and command-line options."""

    select: Set[str] = field(default_factory=set)  # empty: all rules
    ignore: Set[str] = field(default_factory=set)
    severity: Dict[str, str] = field(default_factory=dict)  # rule -> error|warning|note|off

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
    from trtc_privacy.rules import get

    r = get(rule)
    return r is not None and r.scope != "lint"
