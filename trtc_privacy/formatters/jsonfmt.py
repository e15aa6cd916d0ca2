"""JSON: ``{"version": 1, "tool": ..., "diagnostics": [...], "summary": {...}}`` (see docs/formats.md)."""

from __future__ import annotations

import json
from typing import Optional, Sequence

from trtc_privacy import __version__
from trtc_privacy.diagnostics import Diagnostic
from trtc_privacy.formatters import summary


def format(diagnostics: Sequence[Diagnostic], files: Optional[int] = None,
           color: Optional[bool] = None) -> str:
    doc = {
        "version": 1,
        "tool": {"name": "trtc-privacy", "version": __version__},
        "diagnostics": [d.as_dict() for d in diagnostics],
        "summary": summary(diagnostics, files),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
