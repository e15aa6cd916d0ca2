"""What code was found to do: required-reason API uses, with the evidence for each.

The source scanner and the Mach-O reader (through the API catalogue) both yield ``Use``; ``scan``
and ``audit`` group them by the bundle that carries them and compare them with the manifests that
cover that bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Evidence:
    """Where a use was seen: a source position, or a binary with its slice, member and symbol."""

    path: str
    line: Optional[int] = None
    column: Optional[int] = None
    arch: str = ""  # binary slice, e.g. "arm64"
    member: str = ""  # static-archive member, e.g. "stat.o"
    symbol: str = ""  # the symbol, selector or source spelling that matched

    def describe(self) -> str:
        """One line for a diagnostic's evidence: ``path:line:col: symbol`` or
        ``path (arm64, member.o): _fstat``."""
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        extra = ", ".join(p for p in (self.arch, self.member) if p)
        if extra:
            where += f" ({extra})"
        return f"{where}: {self.symbol}" if self.symbol else where


@dataclass(frozen=True)
class Use:
    """One use of a required-reason API category (``NSPrivacyAccessedAPICategory...``)."""

    category: str
    evidence: Evidence
