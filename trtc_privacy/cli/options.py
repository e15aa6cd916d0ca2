"""What every command shares: the ``--format`` and ``--config`` options, the chosen format (errors
included), and the one way diagnostics are printed (through the formatters, after the
configuration's selection). The exit codes and their policy are ``exits.py``'s.

Each command lives in its own module here, imports only typer at module level, and imports the
core it needs inside its body, so start-up stays close to ``import typer``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Sequence

import typer

if TYPE_CHECKING:
    from trtc_privacy.config import Config
    from trtc_privacy.diagnostics import Diagnostic

#: The formats every command that prints diagnostics accepts (formatters.FORMATS, spelled out
#: here so that building ``--help`` imports nothing).
FORMATS = ("text", "json", "sarif", "github", "xcode")
FORMAT_HELP = ("text, json, sarif, github or xcode (default: github in GitHub Actions, xcode in "
               "an Xcode build phase, else text).")


def format_option() -> Any:
    """``-f/--format FORMAT``: the same option, with the same choices, on every command."""
    return typer.Option(None, "--format", "-f", metavar="FORMAT", help=FORMAT_HELP)


def spelled(formats: Sequence[str]) -> str:
    """``text, json or markdown``: a list of formats as help and hints name them."""
    return ", ".join(formats[:-1]) + " or " + formats[-1] if len(formats) > 1 else formats[0]


def document_format_option(formats: Sequence[str], what: str = "",
                           default: str = " (default: text)") -> Any:
    """``-f/--format FORMAT`` of a command that prints a document of its own (a list, a rule, a
    report), not diagnostics: only the formats it can render, text by default everywhere."""
    return typer.Option(None, "--format", "-f", metavar="FORMAT",
                        help=f"{spelled(formats)}{what}{default}.")


def document_format(fmt: Optional[str], formats: Sequence[str]) -> str:
    """The format of such a command: the one asked for when it is one of ``formats`` (else a
    usage error, exit 2, naming those); with none asked for, text. The GitHub Actions and Xcode
    defaults are formats of diagnostics, so a list printed in CI or a build phase is text, and
    never an error (issue 21)."""
    if fmt is None or fmt == "auto":
        return "text"
    if fmt not in formats:
        from trtc_privacy.diagnostics import input_error

        raise input_error("--format", f"format \"{fmt}\" does not apply here", rule="usage",
                          hint=f"this command prints {spelled(formats)}")
    return fmt


def config_option() -> Any:
    return typer.Option(None, "--config", "-c", metavar="FILE",
                        help="Configuration file (default: found upwards).")


def select_option() -> Any:
    return typer.Option([], "--select", metavar="NAMES",
                        help="Run only these rules (comma-separated, repeatable).")


def ignore_option() -> Any:
    return typer.Option([], "--ignore", metavar="NAMES",
                        help="Skip these rules (comma-separated, repeatable).")


def apply_rule_options(cfg: "Config", select: Sequence[str], ignore: Sequence[str]) -> None:
    """``--select``/``--ignore`` over the configuration's: an unknown name is a usage error."""
    def names(values: Sequence[str]) -> List[str]:
        return [n.strip() for v in values for n in v.split(",") if n.strip()]

    chosen, dropped = names(select), names(ignore)
    if chosen or dropped:
        from trtc_privacy.lint.rules import check_names

        check_names(chosen, "--select")
        check_names(dropped, "--ignore")
    if chosen:
        cfg.select = chosen
    cfg.ignore = list(cfg.ignore) + dropped


@contextmanager
def chosen_format(fmt: Optional[str]) -> Iterator[str]:
    """The format to print in (an unknown one is a usage error, exit 2). An InputError raised
    inside carries it out, so ``main`` prints the error where that format's reader looks too."""
    import trtc_privacy.cli.console as console
    from trtc_privacy.diagnostics import InputError
    from trtc_privacy.formatters import resolve_format

    chosen = resolve_format(fmt)
    console.use_format(chosen)
    try:
        yield chosen
    except InputError as exc:
        if exc.format is None:
            exc.format = chosen
        raise


def emit(diagnostics: Sequence["Diagnostic"], fmt: str, cfg: Optional["Config"] = None,
         files: Optional[int] = None, err: bool = False,
         quiet_when_clean: bool = False) -> List["Diagnostic"]:
    """Print diagnostics in ``fmt`` (on stderr with ``err``) after the configuration's
    ``ignore``/``[severity]``; return those shown. ``quiet_when_clean``: print nothing at all
    when there is nothing to say in the text format (merge and friends print their own
    summary)."""
    import trtc_privacy.cli.console as console
    from trtc_privacy.formatters import render
    from trtc_privacy.selection import Selection

    shown = Selection.from_config(cfg).apply(diagnostics)
    if not (quiet_when_clean and not shown and fmt in ("text", "github", "xcode")):
        console.findings(render(shown, fmt, files=files), fmt, err=err)
    return shown


def note(text: str) -> None:
    """A line for the person at the terminal (stderr): what was chosen, what happened."""
    import trtc_privacy.cli.console as console

    console.note(text)
