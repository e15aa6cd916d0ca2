"""``trtc-privacy versions``: which TRTC-family SDKs the lockfiles resolve, and where they stand."""

from __future__ import annotations

from typing import List, Optional

import typer

FORMATS = ("text", "json", "github", "xcode", "sarif")


def versions(
    paths: Optional[List[str]] = typer.Argument(
        None, metavar="[PATH]...",
        help="A Podfile.lock or Package.resolved, or a directory searched for them; default: "
        "lockfiles from the configuration, else the current directory."),
    format: Optional[str] = typer.Option(
        None, "--format", metavar="text|json|github|xcode",
        help="Output format; default: github in GitHub Actions, xcode in an Xcode build phase, "
        "else text."),
    config: Optional[str] = typer.Option(None, "--config", metavar="FILE",
                                         help="Configuration file (default: found upwards)."),
) -> None:
    """Per product: the pod or package, resolved version, minimum, whether that version ships its
    own privacy manifest, and known packaging pitfalls. Exit 1 when any SDK is below its minimum."""
    import json

    from trtc_privacy.cli import report_error
    from trtc_privacy.diagnostics import InputError
    from trtc_privacy.formatters import render, resolve_format

    try:
        fmt = resolve_format(format)
    except InputError as exc:
        raise typer.Exit(report_error(exc))
    if fmt not in FORMATS:
        typer.echo(f"--format: unknown format \"{format}\" (expected {', '.join(FORMATS)})",
                   err=True)
        raise typer.Exit(2)
    try:
        from trtc_privacy.versions import check

        targets = list(paths or [])
        if not targets:
            from trtc_privacy import config as cfgmod

            cfg = cfgmod.load(config)
            targets = [_shown(cfg.resolve(p)) for p in cfg.lockfiles]
        report = check(targets)
    except InputError as exc:
        raise typer.Exit(report_error(exc))
    if fmt == "json":
        typer.echo(json.dumps(report.as_dict(), indent=2))
    elif fmt == "sarif":
        typer.echo(render(report.diagnostics, fmt, files=len(report.files)))
    else:
        from trtc_privacy.versions import render_table

        typer.echo(render_table(report), nl=False)
        out = render(report.diagnostics, fmt, files=len(report.files))
        if out:
            typer.echo(out, nl=not out.endswith("\n"))
    raise typer.Exit(1 if report.below_minimum else 0)


def _shown(path: str) -> str:
    """A configured path as the user would type it: relative when under the current directory."""
    import os

    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel
