"""Human-readable text: diagnostics grouped by file, aligned, with a summary line.

Colour comes from rich, imported only when colour is on (a terminal, and NO_COLOR unset), so a
plain run never pays for it.
"""

from __future__ import annotations

import os
import sys
from itertools import groupby
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, TextIO, Tuple

from trtc_privacy.diagnostics import Diagnostic
from trtc_privacy.formatters.inert import value
from trtc_privacy.formatters.summary import add_counts, counted, summary_line, summary_of, summary_text

_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}

Row = Tuple[str, str, str, str, str, Tuple[str, ...]]  # where, severity, message, rule, hint, evidence


def _rows(diags: Sequence[Diagnostic]) -> List[Row]:
    rows = []
    for d in diags:
        where = f"{d.line}:{d.column}" if d.line and d.column else (str(d.line) if d.line else "-")
        rows.append((where, d.severity.value, value(" ".join(d.message.split())), value(d.rule),
                     value(" ".join(d.hint.split())), tuple(value(e) for e in d.evidence)))
    return rows


def _block(rows: List[Row]) -> List[str]:
    out: List[str] = []
    w = max(len(r[0]) for r in rows)
    for where, sev, msg, rule, hint, evidence in rows:
        out.append(f"  {where:<{w}}  {sev:<7}  {msg} [{rule}]")
        for e in evidence:
            out.append(f"  {'':<{w}}  {'':<7}  at {e}")
        if hint:
            out.append(f"  {'':<{w}}  {'':<7}  hint: {hint}")
    return out


def stream(batches: Iterable[Sequence[Diagnostic]], out: TextIO,
           files: Callable[[], Optional[int]], color: Optional[bool] = None) -> Dict[str, int]:
    """Plain text, one file's block at a time (colour goes through ``format``)."""
    total = {"error": 0, "warning": 0, "note": 0}
    paths: Set[str] = set()
    for batch in batches:
        add_counts(total, batch)
        for path, group in groupby(batch, key=lambda d: d.path):
            if counted(path):
                paths.add(path)
            out.write("\n".join([value(path)] + _block(_rows(list(group))) + [""]) + "\n")
    n = files()
    out.write(summary_text(summary_of(total, len(paths) if n is None else n)) + "\n")
    return total


def format(diagnostics: Sequence[Diagnostic], files: Optional[int] = None,
           color: Optional[bool] = None) -> str:
    colored = use_color(color)
    blocks: List[Tuple[str, List[Row]]] = [
        (value(path), _rows(list(group)))
        for path, group in groupby(diagnostics, key=lambda d: d.path)]
    total = summary_line(diagnostics, files)
    if colored:
        return _rich(blocks, total, bool(diagnostics))
    out: List[str] = []
    for path, rows in blocks:
        out.append(path)
        out += _block(rows)
        out.append("")
    out.append(total)
    return "\n".join(out) + "\n"


def _rich(blocks: List[Tuple[str, List[Row]]], total: str, problems: bool) -> str:
    import io

    from rich.console import Console
    from rich.markup import escape

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=10_000,
                      soft_wrap=True, highlight=False, emoji=False)
    for path, rows in blocks:
        console.print(f"[bold underline]{escape(path)}[/]")
        w = max(len(r[0]) for r in rows)
        for where, sev, msg, rule, hint, evidence in rows:
            console.print(f"  [dim]{where:<{w}}[/]  [{_STYLE[sev]}]{sev:<7}[/]  {escape(msg)} "
                          f"[dim]\\[{escape(rule)}][/]")
            for e in evidence:
                console.print(f"  {'':<{w}}  {'':<7}  [dim]at {escape(e)}[/]")
            if hint:
                console.print(f"  {'':<{w}}  {'':<7}  [green]hint:[/] {escape(hint)}")
        console.print("")
    console.print(f"[bold]{escape(total)}[/]" if problems else f"[bold green]{escape(total)}[/]")
    return buf.getvalue()


def use_color(color: Optional[bool]) -> bool:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org), unless forced."""
    if color is not None:
        return color
    if "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != "":
        return False
    return sys.stdout.isatty()
