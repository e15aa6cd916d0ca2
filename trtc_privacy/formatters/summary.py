"""The numbers every format reports (errors, warnings, notes, files checked) and the text
format's summary line. Apart from the package's ``__init__`` so the formats, which it loads by
name, import these without importing their loader back."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from trtc_privacy.diagnostics import Diagnostic, Severity


def add_counts(total: Dict[str, int], diagnostics: Sequence[Diagnostic]) -> None:
    for d in diagnostics:
        total[d.severity.value] += 1


def counts(diagnostics: Sequence[Diagnostic]) -> Dict[str, int]:
    out = {s.value: 0 for s in Severity}
    for d in diagnostics:
        out[d.severity.value] += 1
    return out


def counted(path: str) -> bool:
    """Whether a diagnostic's path is a file the summary counts: a finding placed at an option
    (``--sdk``, ``--format``) is about the command line, not a file ("3 warnings in 2 files"
    for one file written was issue 21's)."""
    return not path.startswith("-")


def summary(diagnostics: Sequence[Diagnostic], files: Optional[int] = None) -> Dict[str, object]:
    """The numbers every format reports: errors, warnings, notes and files checked."""
    return summary_of(counts(diagnostics),
                      files if files is not None else len({d.path for d in diagnostics
                                                           if counted(d.path)}))


def summary_of(c: Dict[str, int], files: int) -> Dict[str, object]:
    return {"files": files, "errors": c["error"], "warnings": c["warning"], "notes": c["note"]}


def summary_line(diagnostics: Sequence[Diagnostic], files: Optional[int] = None) -> str:
    return summary_text(summary(diagnostics, files))


def summary_text(s: Dict[str, object]) -> str:
    n = s["files"]
    where = f"in {n} file{'' if n == 1 else 's'}"
    parts: List[str] = []
    for key, word in (("errors", "error"), ("warnings", "warning"), ("notes", "note")):
        k = int(s[key])  # type: ignore[call-overload]
        if k:
            parts.append(f"{k} {word}{'' if k == 1 else 's'}")
    return (", ".join(parts) + " " + where) if parts else f"no problems {where}"
