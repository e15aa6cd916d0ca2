"""The command line: the app factory and ``main(argv) -> int``.

Exit codes (``exits.py``): 0 fine, 1 findings or out of date, 2 bad input or usage, 3 a bug, 130
interrupted. Every command lives in its own module here; an ``InputError`` raised anywhere below
is caught here, once, and printed in the format the command chose (the error carries it). This
module imports nothing at module level, so Ctrl-C during start-up (typer's import included) is
caught too.
"""

# No ``from __future__ import annotations``: typer reads the commands' annotations on every run,
# and each one written as a string costs a compile (typing.get_type_hints).

import sys
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    import typer

#: Every command, in the order ``--help`` lists them: name -> (module, function).
COMMANDS: Dict[str, Tuple[str, str]] = {
    "sdks": ("trtc_privacy.cli.sdks", "sdks"),
    "show": ("trtc_privacy.cli.show", "show"),
    "merge": ("trtc_privacy.cli.merge", "merge"),
    "lint": ("trtc_privacy.cli.lint", "lint"),
    "rules": ("trtc_privacy.cli.rules", "rules"),
    "explain": ("trtc_privacy.cli.explain", "explain"),
    "versions": ("trtc_privacy.cli.versions", "versions"),
    "report": ("trtc_privacy.cli.report", "report"),
    "init": ("trtc_privacy.cli.init", "init"),
    "xcode": ("trtc_privacy.cli.xcode", "xcode"),
    "scan": ("trtc_privacy.cli.scan", "scan"),
    "audit": ("trtc_privacy.cli.audit", "audit"),
}


def _version(value: bool) -> None:
    import typer

    import trtc_privacy.cli.console as console
    from trtc_privacy import __version__
    from trtc_privacy.cli.exits import EXIT_OK

    if value:
        console.line(f"trtc-privacy {__version__}")
        raise typer.Exit(EXIT_OK)


def build_app(only: Optional[str] = None) -> "typer.Typer":
    """The typer application, with every command or only ``only``.

    typer builds every registered command's parameters on each run; registering just the one
    being run keeps start-up close to ``import typer``.
    """
    from importlib import import_module

    import typer

    from trtc_privacy.cli.fastargs import install

    install()  # typer 0.2x: plain str/bool options skip pydantic (see fastargs.py)

    def root(
        version: bool = typer.Option(False, "--version", "-V", callback=_version,
                                     is_eager=True, help="Print the version and exit."),
    ) -> None:
        """Merge and lint Apple privacy manifests for apps that embed Tencent's TRTC SDKs."""

    app = typer.Typer(
        name="trtc-privacy",
        help="Merge and lint Apple privacy manifests (PrivacyInfo.xcprivacy) for apps that embed "
        "Tencent's TRTC SDKs.",
        add_completion=True,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    for name, (module, attr) in COMMANDS.items():
        if only is None or name == only:
            app.command(name)(getattr(import_module(module), attr))
    return app


def report_error(exc: Exception) -> int:
    """Print an InputError in the format the command chose (else ``PATH:LINE:COL: error:``);
    return 2."""
    import trtc_privacy.cli.console as console
    from trtc_privacy.cli.exits import EXIT_USAGE
    from trtc_privacy.diagnostics import InputError

    if not isinstance(exc, InputError):
        raise exc
    fmt = exc.format
    if fmt in ("github", "xcode"):
        from trtc_privacy.formatters import render

        console.findings(render(exc.diagnostics, fmt), fmt)
    for d in exc.diagnostics:
        where, message = d.location(), d.message
        if console.xcode_mode(fmt):  # the line is an issue there: no field may make another
            from trtc_privacy.diagnostics import place
            from trtc_privacy.formatters.inert import not_an_issue, value, xcode_path

            where = place(xcode_path(d.path), d.line, d.column)
            message = not_an_issue(value(message))
        console.issue(f"{where}: error: {message}", err=True, fmt=fmt)
        if d.hint:
            console.line(f"  hint: {d.hint}", err=True, fmt=fmt)
    return EXIT_USAGE


def main(argv: Optional[List[str]] = None) -> int:
    """Run the CLI and return its exit code (usable from tests and other Python code).

    Usage errors exit 2, as click does; an unexpected exception is a bug and exits 3 with a
    one-line message instead of a traceback (TRTC_PRIVACY_DEBUG=1 shows it); Ctrl-C exits 130
    without a word, as shells expect; a closed pipe (``| head``) exits 141 without a word.
    """
    import os

    from trtc_privacy.cli.exits import EXIT_BUG, EXIT_INTERRUPTED

    try:
        code = _main(argv)
        import trtc_privacy.cli.console as console

        return code if console.flush() else _pipe_closed()
    except BrokenPipeError:
        return _pipe_closed()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so plainly
        if os.environ.get("TRTC_PRIVACY_DEBUG"):
            raise
        import trtc_privacy.cli.console as console

        console.line(f"trtc-privacy: internal error: {type(exc).__name__}: {exc}; please report "
                     "it with the command and input files (TRTC_PRIVACY_DEBUG=1 shows details)",
                     err=True)
        return EXIT_BUG


def _pipe_closed() -> int:
    """Stdout's reader went away (``merge --diff | head -8``): stop without a word, with the
    code a shell reports for a program SIGPIPE ended, and point stdout at /dev/null so that the
    interpreter's last flush does not fail too (which exits 120, a code no page lists)."""
    import os

    from trtc_privacy.cli.exits import EXIT_PIPE_CLOSED

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)  # stdout's descriptor
        os.close(devnull)
    except OSError:  # pragma: no cover - no descriptor 1 to replace
        pass
    return EXIT_PIPE_CLOSED


def _main(argv: Optional[List[str]]) -> int:
    """``main`` without its guards: parse, run the command, turn how it ended into a code."""
    import trtc_privacy.cli.console as console
    from trtc_privacy.cli.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
    from trtc_privacy.diagnostics import InputError

    console.use_format(None)  # a new run: no format chosen yet (main may run many times)
    args = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in args if not a.startswith("-")), None)
    app = build_app(first if first in COMMANDS else None)
    from importlib import import_module

    import typer

    try:  # typer 0.2x vendors click; older typers run on click itself
        click_exceptions = import_module("typer._click.exceptions")
    except ImportError:  # pragma: no cover
        click_exceptions = import_module("click.exceptions")
    click_error = click_exceptions.ClickException
    try:
        rv = app(args=args, prog_name="trtc-privacy", standalone_mode=False)
    except typer.Abort:  # older typers turn Ctrl-C into Abort
        return EXIT_INTERRUPTED
    except click_error as exc:  # usage errors: click's text, through the door
        import io

        shown = io.StringIO()
        exc.show(file=shown)
        console.lines(shown.getvalue(), err=True)
        return int(exc.exit_code)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return EXIT_OK
        if isinstance(code, int):
            return code
        console.line(str(code), err=True)
        return EXIT_USAGE
    except InputError as exc:
        return report_error(exc)
    return rv if isinstance(rv, int) else EXIT_OK


def run() -> None:
    """Console-script entry point."""
    from trtc_privacy.cli.exits import EXIT_INTERRUPTED

    try:
        code = main()
    except KeyboardInterrupt:  # between main's return and exit
        code = EXIT_INTERRUPTED
    sys.exit(code)
