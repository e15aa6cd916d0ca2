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
    import trtc_privacy.cli.console as console
    from trtc_privacy import config as cfgmod
    from trtc_privacy.cli.exits import exit_code
    from trtc_privacy.cli.options import chosen_format, note
    from trtc_privacy.diagnostics import InputError
    from trtc_privacy.formatters import render
    from trtc_privacy.usage.audit import audit as run

    with chosen_format(format) as fmt:
        cfg = cfgmod.load(config)
        try:
            result = run(artifact, cfg)
        except InputError as exc:
            if fmt in ("json", "sarif"):  # the document a reader waits for, with the error
                from trtc_privacy.usage.artifact import kind_of

                console.document(render(exc.diagnostics, fmt, files=0, extra={"artifact": {
                    "path": artifact, "kind": kind_of(artifact) or None, "signatures": None,
                    "bundles": []}}))
            raise  # main says it on stderr (and in github and xcode formats), and exits 2
        for text in result.notes:
            note(text)
        read = result.manifests + sum(v.read_executable for v in result.views)
        # json: the same document as lint's, plus the per-bundle picture
        console.findings(render(result.diagnostics, fmt, files=read,
                                extra={"artifact": result.to_json()}), fmt)
        return exit_code([d.severity for d in result.diagnostics], strict)
