"""``trtc-privacy versions``: which TRTC-family SDKs the lockfiles resolve, and where they stand."""

from __future__ import annotations

from typing import List, Optional

import typer

from trtc_privacy.cli.options import config_option, format_option


def versions(
    paths: Optional[List[str]] = typer.Argument(
        None, metavar="[PATH]...",
        help="A Podfile.lock or Package.resolved, or a directory searched for them; default: "
        "lockfiles from the configuration, else the current directory."),
    format: Optional[str] = format_option(),
    config: Optional[str] = config_option(),
) -> int:
    """Per product: the pod or package, resolved version, minimum, whether that version ships its
    own privacy manifest, and known packaging pitfalls. Exit 1 when any SDK is below its minimum.

    text prints the table and the findings; json the rows and the findings; sarif, github and
    xcode the findings only, in the form those tools read.
    """
    import json

    import trtc_privacy.cli.console as console
    from trtc_privacy import config as cfgmod
    from trtc_privacy.cli.exits import exit_code
    from trtc_privacy.cli.options import chosen_format, emit
    from trtc_privacy.formatters.jsonfmt import envelope, rows
    from trtc_privacy.merge.versions import check, render_table
    from trtc_privacy.selection import Selection

    with chosen_format(format) as fmt:
        cfg = cfgmod.load(config)
        targets = list(paths or [])
        if not targets:
            targets = [_shown(cfg.resolve(p)) for p in cfg.lockfiles]
        report = check(targets)
        for text in report.notes:
            console.note(text)
        diags = Selection.from_config(cfg).apply(report.diagnostics)
        if fmt == "json":
            doc = report.as_dict()
            doc["diagnostics"] = rows(diags)
            console.document(json.dumps(envelope(**doc), indent=2) + "\n")
        else:
            if fmt == "text":
                console.lines(render_table(report) + ("\n" if diags else ""))
            emit(diags, fmt, files=len(report.files), quiet_when_clean=True)
        # an SDK below its minimum fails the run whatever its finding's configured severity
        return exit_code(out_of_date=report.below_minimum)


def _shown(path: str) -> str:
    """A configured path as the user would type it: relative when under the current directory."""
    import os

    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel
