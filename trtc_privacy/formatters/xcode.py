"""``PATH:LINE:COL: error: MESSAGE [rule]``: what Xcode's issue navigator reads from a build phase.

Xcode resolves the path against nothing, so existing files are given as absolute paths. The
column (and line) are left out when unknown, as clang does.
"""

from __future__ import annotations

import os
from typing import List, Optional, Sequence

from trtc_privacy.diagnostics import Diagnostic, place
from trtc_privacy.formatters.inert import not_an_issue, value, xcode_path


def location(d: Diagnostic) -> str:
    """The place, which Xcode cannot read as another issue (``inert.xcode_path``)."""
    path = os.path.abspath(d.path) if os.path.exists(d.path) else d.path
    return place(xcode_path(path), d.line, d.column)


def format(diagnostics: Sequence[Diagnostic], files: Optional[int] = None,
           color: Optional[bool] = None) -> str:
    out: List[str] = []
    for d in diagnostics:
        message = " ".join(d.message.split())
        if d.evidence:  # one line per issue in Xcode: the evidence joins the message
            message += " (at " + "; ".join(d.evidence) + ")"
        if d.hint:
            message += f" ({' '.join(d.hint.split())})"
        # one line whatever the fields hold: a line break would start an issue of its own
        # nor can a field make Xcode read a second place in the line (": error: " escaped)
        out.append(f"{location(d)}: {d.severity.value}: {not_an_issue(value(message))} "
                   f"[{value(d.rule)}]")
    return "".join(line + "\n" for line in out)


#: each diagnostic is one line of its own, so ``formatters.stream`` writes batches as they come
LINE_BY_LINE = True
