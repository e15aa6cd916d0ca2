"""``trtc-privacy scan [PATH...]``: predict ITMS-91053 before a build, from sources and binaries."""

from __future__ import annotations

from typing import List, Optional

import typer

from trtc_privacy.cli.options import config_option, format_option, ignore_option, select_option


def scan(
    paths: List[str] = typer.Argument(None, metavar="PATH",
                                      help="Project folders (or files) to scan; default: the "
                                      "configured project, else the current directory."),
    format: Optional[str] = format_option(),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 1) on warnings too."),
    select: List[str] = select_option(),
    ignore: List[str] = ignore_option(),
    config: Optional[str] = config_option(),
) -> int:
    """Find the required-reason APIs the code uses and the manifests that fail to declare them."""
    import trtc_privacy.cli.console as console
    from trtc_privacy import config as cfgmod
    from trtc_privacy.cli.exits import exit_code
    from trtc_privacy.cli.options import apply_rule_options, chosen_format, note
    from trtc_privacy.formatters import render
    from trtc_privacy.selection import Selection
    from trtc_privacy.usage.scan import default_paths
    from trtc_privacy.usage.scan import scan as run_scan

    with chosen_format(format) as fmt:
        cfg = cfgmod.load(config)
        apply_rule_options(cfg, select, ignore)
        result = run_scan(list(paths) if paths else default_paths(cfg), cfg,
                          Selection.from_config(cfg))
        for text in result.notes:
            note(text)
        # json: the same document as lint's, plus the per-bundle picture
        console.findings(render(result.diagnostics, fmt, files=result.files,
                                extra={"bundles": result.to_json()}), fmt)
        return exit_code([d.severity for d in result.diagnostics], strict,
                         bad_input=result.bad_input)
