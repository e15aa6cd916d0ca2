"""JSON: ``{"version": 1, "tool": ..., "diagnostics": [...], "summary": {...}}`` (see docs/formats.md)."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, TextIO

from trtc_privacy import __version__
from trtc_privacy.diagnostics import Diagnostic
from trtc_privacy.formatters.summary import add_counts, counted, summary, summary_of


def envelope(**fields: Any) -> Dict[str, Any]:
    """Every JSON document the tool prints: ``version`` (of the document's shape) and ``tool``
    first, then the command's own fields, so a reader checks one key everywhere."""
    doc: Dict[str, Any] = {"version": 1, "tool": {"name": "trtc-privacy", "version": __version__}}
    doc.update(fields)
    return doc


def stream(batches: Iterable[Sequence[Diagnostic]], out: TextIO,
           files: Callable[[], Optional[int]], color: Optional[bool] = None) -> Dict[str, int]:
    """The same document as ``format``, written one diagnostic at a time: no second copy of
    the whole output is ever held."""
    head = json.dumps(envelope(), indent=2, ensure_ascii=False)
    out.write(head[:-2] + ',\n  "diagnostics": [')
    total = {"error": 0, "warning": 0, "note": 0}
    paths: Set[str] = set()
    first = True
    for batch in batches:
        add_counts(total, batch)
        for d in batch:
            if counted(d.path):
                paths.add(d.path)
            item = json.dumps(d.as_dict(), indent=2, ensure_ascii=False)
            out.write(("\n" if first else ",\n") + "    " + item.replace("\n", "\n    "))
            first = False
    n = files()
    tail = json.dumps(summary_of(total, len(paths) if n is None else n), indent=2,
                      ensure_ascii=False)
    out.write(("]" if first else "\n  ]") + ',\n  "summary": ' + tail.replace("\n", "\n  ")
              + "\n}\n")
    return total


def format(diagnostics: Sequence[Diagnostic], files: Optional[int] = None,
           color: Optional[bool] = None, extra: Optional[Mapping[str, Any]] = None) -> str:
    """The document; ``extra`` adds top-level fields after the summary (``scan``'s bundles,
    ``audit``'s artifact), so a command's JSON is built once."""
    doc = envelope(diagnostics=rows(diagnostics), summary=summary(diagnostics, files))
    doc.update(extra or {})
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def rows(diagnostics: Iterable[Diagnostic]) -> List[Dict[str, Any]]:
    """The diagnostics as this format lists them (by place), for a command whose JSON document
    is its own (merge, versions, show) but whose findings read as everywhere else."""
    return [d.as_dict() for d in sorted(diagnostics, key=lambda d: d.sort_key())]
