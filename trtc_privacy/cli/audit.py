"""``trtc-privacy audit``: predict App Store Connect's privacy emails from the built artifact."""

from __future__ import annotations

from typing import Optional

import typer

from trtc_privacy.cli.options import config_option, format_option


def audit(
    artifact: str = typer.Argument(..., metavar="ARTIFACT",
                                   help="An .ipa, .xcarchive, .app, .framework or .xcframework "
                                   "(nothing is extracted or written)."),
    format: Optional[str] = format_option(),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 1) on warnings too."),
    config: Optional[str] = config_option(),
) -> int:
    """Check a built app's manifests, API use, listed SDKs and signatures (ITMS-91053/61/65)."""
    import sys

    from trtc_privacy import config as cfgmod
    from trtc_privacy.cli.options import EXIT_FINDINGS, EXIT_OK, resolve
    from trtc_privacy.diagnostics import Severity
    from trtc_privacy.formatters import render
    from trtc_privacy.usage.audit import audit as run

    fmt = resolve(format)
    cfg = cfgmod.load(config)
    result = run(artifact, cfg)
    read = result.manifests + sum(v.read_executable for v in result.views)
    text = render(result.diagnostics, fmt, files=read)
    if fmt == "json":  # the same document as lint's, plus the per-bundle picture
        import json

        doc = json.loads(text)
        doc["artifact"] = result.to_json()
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    sys.stdout.write(text)
    worst = {d.severity for d in result.diagnostics}
    if Severity.ERROR in worst or (strict and Severity.WARNING in worst):
        return EXIT_FINDINGS
    return EXIT_OK
