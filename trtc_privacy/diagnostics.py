"""The one diagnostic type that lint, versions and merge all report through."""

from __future__ import annotations

import enum
from typing import Any, Dict, Final, List, Optional, Sequence, Tuple


class Severity(str, enum.Enum):
    """How bad a finding is; ``error`` fails a run, ``warning`` only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "note": 0}[self.value]


class Diagnostic:
    """A finding at a place in a file, in the user's terms, with what to do about it.

    A value: equal and hashed by its fields (repeated findings are dropped that way), changed
    only by making another (``replace``); mypy holds the fields final.
    """

    __slots__ = ("path", "line", "column", "rule", "severity", "message", "hint", "itms",
                 "evidence")

    def __init__(self, path: str, line: Optional[int], column: Optional[int], rule: str,
                 severity: Severity, message: str, hint: str = "", itms: str = "",
                 evidence: Tuple[str, ...] = ()) -> None:
        self.path: Final = path
        self.line: Final = line
        self.column: Final = column
        self.rule: Final = rule
        self.severity: Final = severity
        self.message: Final = message
        self.hint: Final = hint
        self.itms: Final = itms
        #: what the finding rests on, one line each (a symbol in a binary, a source line), if any
        self.evidence: Final = evidence

    def _fields(self) -> Tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self.__slots__])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Diagnostic) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(self.__slots__, self._fields()))
        return f"Diagnostic({shown})"

    def replace(self, **changes: Any) -> "Diagnostic":
        """This finding with some fields changed (as ``dataclasses.replace``)."""
        fields = dict(zip(self.__slots__, self._fields()))
        fields.update(changes)
        return Diagnostic(**fields)

    def with_severity(self, severity: Severity) -> "Diagnostic":
        return self.replace(severity=severity)

    def sort_key(self) -> Tuple[str, int, int, str, str]:
        return (self.path, self.line or 0, self.column or 0, self.rule, self.message)

    def location(self) -> str:
        """``PATH:LINE:COL`` with the parts that are known."""
        return place(self.path, self.line, self.column)

    def as_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "itms": self.itms or None,
        }
        if self.evidence:  # only findings about what code does carry evidence
            out["evidence"] = list(self.evidence)
        return out


def place(path: str, line: Optional[int] = None, column: Optional[int] = None) -> str:
    """``PATH:LINE:COL`` with the parts that are known (a column only with its line): the one
    way a place is written as text, so every command and format names a place alike."""
    if not line:
        return path
    return f"{path}:{line}:{column}" if column else f"{path}:{line}"


class InputError(Exception):
    """Bad input: the run stops with exit code 2 and writes nothing."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        #: the output format of the command it stopped, when it chose one: the error is printed
        #: there too (github and xcode read only stdout)
        self.format: Optional[str] = None
        #: further problems found in the same pass (every configuration error at once)
        self.more: List[Diagnostic] = []

    @property
    def diagnostics(self) -> List[Diagnostic]:
        """Every problem this error reports, the first one first."""
        return [self.diagnostic] + self.more

    @classmethod
    def of(cls, errors: Sequence["InputError"]) -> "InputError":
        """One error reporting all of ``errors`` (at least one), so a person fixes them in one go."""
        first = errors[0]
        first.more = [d for e in errors[1:] for d in e.diagnostics]
        return first


def input_error(path: str, message: str, line: Optional[int] = None, column: Optional[int] = None,
                rule: str = "bad-input", hint: str = "") -> InputError:
    return InputError(Diagnostic(path, line, column, rule, Severity.ERROR, message, hint))
