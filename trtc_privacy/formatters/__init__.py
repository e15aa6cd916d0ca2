"""Output formats for diagnostics: text, json, sarif, github, xcode.

Interface (used by lint, versions, merge and report):
    render(diagnostics, fmt, *, files=None, color=None) -> str
    resolve_format(fmt: Optional[str]) -> str   # None -> github / xcode / text from the environment

Each format lives in its own module and is imported only when used, so a run that prints JSON
never imports rich.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Protocol, Sequence

from trtc_privacy.diagnostics import Diagnostic, InputError, Severity, input_error
from trtc_privacy.formatters.summary import add_counts, counts

#: format name -> module under trtc_privacy.formatters providing ``format(diags, files, color)``
FORMATS: Dict[str, str] = {
    "text": "text",
    "json": "jsonfmt",
    "sarif": "sarif",
    "github": "github",
    "xcode": "xcode",
}


def resolve_format(fmt: Optional[str]) -> str:
    """The format to use: the one asked for, else what the environment reads best.

    ``github`` inside GitHub Actions (``GITHUB_ACTIONS=true``), ``xcode`` inside an Xcode build
    phase (``XCODE_VERSION_ACTUAL`` set), otherwise ``text``. An unknown name is an InputError.
    """
    if fmt is None or fmt == "auto":
        if os.environ.get("GITHUB_ACTIONS") == "true":
            return "github"
        if os.environ.get("XCODE_VERSION_ACTUAL"):
            return "xcode"
        return "text"
    if fmt not in FORMATS:
        raise unknown_format(fmt)
    return fmt


def unknown_format(fmt: str) -> InputError:
    return input_error("--format", f"unknown format \"{fmt}\"", rule="usage",
                       hint="expected one of: " + ", ".join(FORMATS))


def render(diagnostics: Sequence[Diagnostic], fmt: str, *, files: Optional[int] = None,
           color: Optional[bool] = None, extra: Optional[Mapping[str, Any]] = None) -> str:
    """Diagnostics as text in ``fmt``; ``files`` is how many files were checked (for summaries).

    ``color`` None means: colour only when stdout is a terminal and NO_COLOR is not set (only
    the text format has colour). ``extra``: top-level fields the JSON document adds (the other
    formats have no place for them).
    """
    fmt = resolve_format(fmt)
    module = import_module(f"trtc_privacy.formatters.{FORMATS[fmt]}")
    ordered = sorted(diagnostics, key=lambda d: d.sort_key())
    if extra is not None and fmt == "json":
        return str(module.format(ordered, files, color, extra))
    return str(module.format(ordered, files, color))


class Out(Protocol):
    """Where ``stream`` writes: the CLI's door out (``cli.console.Sink``) or any text stream."""

    def write(self, text: str, /) -> int: ...


def stream(batches: Iterable[Sequence[Diagnostic]], fmt: str, out: Out, *,
           files: Callable[[], Optional[int]] = lambda: None,
           color: Optional[bool] = None) -> Dict[str, int]:
    """Write diagnostics to ``out`` as they come, batch by batch, and return the counts.

    Each batch is one file's diagnostics, sorted, and batches come in path order, so the
    output is byte for byte what ``render`` gives for all of them at once. Formats that can
    write as they go (text without colour, json, github, xcode) hold one batch at a time;
    the others (sarif, coloured text) collect first. ``files`` is asked for the number of
    files checked once the batches are consumed.
    """
    fmt = resolve_format(fmt)
    module = import_module(f"trtc_privacy.formatters.{FORMATS[fmt]}")
    if getattr(module, "LINE_BY_LINE", False):  # nothing but the lines: format batch by batch
        total = {s.value: 0 for s in Severity}
        for batch in batches:
            add_counts(total, batch)
            out.write(module.format(batch, None, color))
        return total
    writer = getattr(module, "stream", None)
    if writer is None or (fmt == "text" and module.use_color(color)):
        diags = [d for batch in batches for d in batch]
        out.write(module.format(diags, files(), color))
        return counts(diags)
    return writer(batches, out, files, color)  # type: ignore[no-any-return]
