"""GitHub Actions workflow commands: ``::error file=...,line=...,col=...,title=...::message``.

Escaping follows @actions/core: data escapes ``%``, CR and LF; properties also ``:`` and ``,``.
Notes become ``::notice``, which is GitHub's name for the lowest level.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from trtc_privacy.diagnostics import Diagnostic
from trtc_privacy.formatters.inert import but_breaks, value

_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _part(s: str) -> str:
    """A message or hint: its own CR and LF stay (escape_data writes them %0D, %0A: line breaks
    of the annotation, as before), other control characters are shown as escapes."""
    return but_breaks(s)


def format(diagnostics: Sequence[Diagnostic], files: Optional[int] = None,
           color: Optional[bool] = None) -> str:
    out: List[str] = []
    for d in diagnostics:
        props = [f"file={escape_property(value(d.path))}"]
        if d.line:
            props.append(f"line={d.line}")
            if d.column:
                props.append(f"col={d.column}")
        title = value(d.rule + (f" ({d.itms})" if d.itms else ""))
        props.append(f"title={escape_property(title)}")
        # each part one line (its own line breaks shown as \n); the parts joined by the
        # annotation's line breaks (%0A)
        message = _part(d.message) + "".join(f"\nat {value(e)}" for e in d.evidence)
        message += f"\nhint: {_part(d.hint)}" if d.hint else ""
        line = f"::{_LEVEL[d.severity.value]} {','.join(props)}::{escape_data(message)}"
        # the runner obeys the legacy ``##[command]`` anywhere in a line, its own lines included
        out.append(line.replace("##[", "#\\#[") if "##[" in line else line)
    return "".join(line + "\n" for line in out)


#: each diagnostic is one line of its own, so ``formatters.stream`` writes batches as they come
LINE_BY_LINE = True
