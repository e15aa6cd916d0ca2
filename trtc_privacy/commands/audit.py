"""``trtc-privacy audit``: predict App Store Connect's privacy emails from the built artifact."""

from __future__ import annotations

from typing import Optional

import typer


def audit(
    artifact: str = typer.Argument(..., metavar="ARTIFACT",
                                   help="An .ipa, .xcarchive, .app, .framework or .xcframework "
                                   "(nothing is extracted or written)."),
    format: Optional[str] = typer.Option(
        None, "--format", "-f", metavar="FORMAT",
        help="text, json, sarif, github or xcode (default: github in GitHub Actions, xcode in an "
        "Xcode build phase, else text). json adds the per-bundle picture under \"artifact\"."),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 1) on warnings too."),
    config: Optional[str] = typer.Option(None, "--config", metavar="FILE",
                                         help="Configuration file (default: found upwards)."),
) -> None:
    """Check a built app's manifests, API use, listed SDKs and signatures (ITMS-91053/61/65)."""
    import sys

    from trtc_privacy.cli import EXIT_FINDINGS, EXIT_OK, report_error
    from trtc_privacy.diagnostics import InputError, Severity

    try:
        from trtc_privacy import config as cfgmod
        from trtc_privacy.audit import audit as run
        from trtc_privacy.formatters import render, resolve_format
        from trtc_privacy.linter import check_rule_names

        cfg = cfgmod.load(config)
        fmt = resolve_format(format)
        if cfg.path:
            check_rule_names(cfg.select + cfg.ignore, cfg.path)
        result = run(artifact, cfg)
    except InputError as exc:
        raise typer.Exit(report_error(exc)) from None
    read = result.manifests + sum(v.read_executable for v in result.views)
    text = render(result.diagnostics, fmt, files=read)
    if fmt == "json":
        import json

        doc = json.loads(text)
        doc["artifact"] = result.picture()
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    sys.stdout.write(text)
    worst = {d.severity for d in result.diagnostics}
    if Severity.ERROR in worst or (strict and Severity.WARNING in worst):
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_OK)
