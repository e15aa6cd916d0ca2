"""The command line: parse options, call the core, print, return an exit code.

Exit codes: 0 fine, 1 findings or out of date, 2 bad input or usage. Each command imports the
core it needs inside its body, so start-up stays close to ``import typer``.
"""

from __future__ import annotations

import sys
from typing import Dict, List, Optional, Tuple

import typer

from trtc_privacy import __version__
from trtc_privacy.fastargs import install as _fast_params

_fast_params()  # typer 0.2x: plain str/bool options skip pydantic (~0.2 s of start-up)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trtc-privacy {__version__}")
        raise typer.Exit(EXIT_OK)


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Merge and lint Apple privacy manifests for apps that embed Tencent's TRTC SDKs."""


#: Every command, in the order ``--help`` lists them: name -> (module, function). Commands other
#: than the first three live in trtc_privacy/commands/, one module each, importing only typer
#: at module level (the core is imported inside the command).
COMMANDS: Dict[str, Tuple[str, str]] = {
    "sdks": ("trtc_privacy.cli", "sdks"),
    "show": ("trtc_privacy.cli", "show"),
    "merge": ("trtc_privacy.cli", "merge"),
    "lint": ("trtc_privacy.commands.lint", "lint"),
    "rules": ("trtc_privacy.commands.rules", "rules"),
    "explain": ("trtc_privacy.commands.explain", "explain"),
    "versions": ("trtc_privacy.commands.versions", "versions"),
    "report": ("trtc_privacy.commands.report", "report"),
    "init": ("trtc_privacy.commands.init", "init"),
    "xcode": ("trtc_privacy.commands.xcode", "xcode"),
}


def build_app(only: Optional[str] = None) -> typer.Typer:
    """The typer application, with every command or only ``only``.

    typer builds every registered command's parameters on each run; registering just the one
    being run keeps start-up close to ``import typer``.
    """
    from importlib import import_module

    app = typer.Typer(
        name="trtc-privacy",
        help="Merge and lint Apple privacy manifests (PrivacyInfo.xcprivacy) for apps that embed "
        "Tencent's TRTC SDKs.",
        add_completion=True,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    for name, (module, attr) in COMMANDS.items():
        if only is None or name == only:
            app.command(name)(getattr(import_module(module), attr))
    return app


def report_error(exc: Exception) -> int:
    """Print an InputError as ``PATH:LINE:COL: error: MESSAGE`` (+ hint) and return 2."""
    from trtc_privacy.diagnostics import InputError

    if isinstance(exc, InputError):
        d = exc.diagnostic
        typer.echo(f"{d.location()}: error: {d.message}", err=True)
        if d.hint:
            typer.echo(f"  hint: {d.hint}", err=True)
        return EXIT_USAGE
    raise exc


def print_diagnostics(diagnostics) -> None:
    """Merge's and show's findings on stderr, ``PATH:LINE:COL: severity: message [rule]``."""
    for d in sorted(diagnostics, key=lambda d: d.sort_key()):
        typer.echo(f"{d.location()}: {d.severity.value}: {d.message} [{d.rule}]", err=True)
        if d.hint:
            typer.echo(f"  hint: {d.hint}", err=True)


def sdks(
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """List the TRTC-family products, their aliases, minimum versions and template versions."""
    import json

    from trtc_privacy.vendors import products

    rows = [{
        "id": p.id, "name": p.name, "aliases": list(p.aliases),
        "minimum_version": p.minimum_version,
        "versions": [t.version for t in p.sorted_templates()],
    } for p in products()]
    if format == "json":
        typer.echo(json.dumps(rows, indent=2))
    elif format == "text":
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            typer.echo(f"{r['id']:<{width}}  {r['name']}")
            typer.echo(f"{'':<{width}}  aliases: {', '.join(r['aliases'])}")
            typer.echo(f"{'':<{width}}  ships its own manifest from {r['minimum_version']}; "
                       f"templates: {', '.join(r['versions'])}")
    else:
        typer.echo(f"--format: unknown format \"{format}\" (expected text or json)", err=True)
        raise typer.Exit(EXIT_USAGE)


def show(
    product: str = typer.Argument(..., metavar="PRODUCT[@VERSION]",
                                  help="A product id or alias, optionally with a version."),
) -> None:
    """Print the vendor manifest selected for PRODUCT[@VERSION]."""
    from trtc_privacy.diagnostics import InputError
    from trtc_privacy.vendors import select

    try:
        sel = select(product, "PRODUCT")
    except InputError as exc:
        raise typer.Exit(report_error(exc))
    w = sel.warning("PRODUCT", adds=f"`trtc-privacy merge APP_MANIFEST --sdk {product}` adds them")
    if w is not None:
        print_diagnostics([w])
    sys.stdout.write(sel.path.read_text(encoding="utf-8"))


def merge(
    app_manifest: Optional[str] = typer.Argument(
        None, metavar="APP_MANIFEST",
        help="The app's PrivacyInfo.xcprivacy (created if missing); default: app-manifest "
        "from the configuration."),
    sdk: List[str] = typer.Option([], "--sdk", metavar="PRODUCT[@VERSION]",
                                  help="A TRTC-family product to fold in; repeatable."),
    lockfile: List[str] = typer.Option([], "--lockfile", metavar="PATH",
                                       help="Podfile.lock or Package.resolved to take products "
                                       "and versions from; repeatable."),
    manifest: List[str] = typer.Option([], "--manifest", metavar="PATH",
                                       help="Another PrivacyInfo.xcprivacy to fold in; repeatable."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="PATH",
                                         help="Write here instead of APP_MANIFEST."),
    check: bool = typer.Option(False, "--check",
                               help="Write nothing; exit 1 and print the diff if out of date."),
    diff: bool = typer.Option(False, "--diff", help="Print the unified diff of the change."),
    allow_invalid: bool = typer.Option(False, "--allow-invalid",
                                       help="Write even when an input has a lint error."),
    config: Optional[str] = typer.Option(None, "--config", metavar="FILE",
                                         help="Configuration file (default: found upwards)."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Fold TRTC-family manifests (and other manifests) into the app's, without duplicates."""
    from trtc_privacy.diagnostics import InputError

    if format not in ("text", "json"):
        typer.echo(f"--format: unknown format \"{format}\" (expected text or json)", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        from trtc_privacy.update import run_merge

        outcome = run_merge(app_manifest, sdk, lockfile, manifest, output, check, allow_invalid,
                            config)
    except InputError as exc:
        raise typer.Exit(report_error(exc))
    _print_merge(outcome, format, show_diff=diff or check, check=check)
    if outcome.blocked:
        raise typer.Exit(EXIT_FINDINGS)
    if check and outcome.changed:
        raise typer.Exit(EXIT_FINDINGS)


def _print_merge(outcome, format: str, show_diff: bool, check: bool) -> None:
    import json

    from trtc_privacy.merge import describe

    print_diagnostics(outcome.diagnostics)
    for note in outcome.notes:
        typer.echo(f"note: {note}", err=True)
    if format == "json":
        typer.echo(json.dumps({
            "path": outcome.path,
            "changed": outcome.changed,
            "written": outcome.written,
            "sources": [{
                "source": c.label,
                "template": (i.selection.template.version if i.selection else None),
                "added": [list(d) for d in c.added],
                "already_declared": [list(d) for d in c.already],
            } for c, i in zip(outcome.result.contributions[1:], outcome.inputs)],
            "diagnostics": [d.as_dict() for d in outcome.diagnostics],
            "diff": outcome.diff() if show_diff else None,
        }, indent=2))
        return
    if show_diff and outcome.changed:
        typer.echo(outcome.diff(), nl=False)
    for c, i in zip(outcome.result.contributions[1:], outcome.inputs):
        origin = f" (template {i.selection.template.version})" if i.selection else ""
        typer.echo(f"{c.label}{origin}: {len(c.added)} added, {len(c.already)} already declared")
        for d in c.added:
            typer.echo(f"  + {describe(d)}")
    if not outcome.changed:
        typer.echo(f"{outcome.path}: up to date")
    elif check:
        typer.echo(f"{outcome.path}: out of date; run the same command without --check")
    elif outcome.blocked:
        typer.echo(f"{outcome.path}: not written: an input or the result has a lint error "
                   "(--allow-invalid writes anyway)")
    else:
        typer.echo(f"{outcome.path}: written")


def main(argv: Optional[List[str]] = None) -> int:
    """Run the CLI and return its exit code (usable from tests and other Python code).

    Usage errors exit 2, as click does; an unexpected exception is a bug and exits 3 with a
    one-line message instead of a traceback (TRTC_PRIVACY_DEBUG=1 shows it).
    """
    import os

    args = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in args if not a.startswith("-")), None)
    app = build_app(first if first in COMMANDS else None)
    try:
        app(args=args, prog_name="trtc-privacy", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return EXIT_OK
        if isinstance(code, int):
            return code
        typer.echo(str(code), err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so plainly
        if os.environ.get("TRTC_PRIVACY_DEBUG"):
            raise
        typer.echo(f"trtc-privacy: internal error: {type(exc).__name__}: {exc}; please report "
                   "it with the command and input files (TRTC_PRIVACY_DEBUG=1 shows details)",
                   err=True)
        return 3
    return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
