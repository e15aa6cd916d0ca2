"""``trtc-privacy merge``: fold TRTC-family manifests (and others) into the app's."""

# No ``from __future__ import annotations``: typer reads the commands' annotations on every run,
# and each one written as a string costs a compile (typing.get_type_hints).

from typing import TYPE_CHECKING, Any, Dict, List, Optional

import typer

from trtc_privacy.cli.options import config_option, format_option

if TYPE_CHECKING:
    from trtc_privacy.merge.pipeline import Outcome


def merge(
    app_manifest: Optional[str] = typer.Argument(
        None, metavar="APP_MANIFEST",
        help="The app's PrivacyInfo.xcprivacy (created if missing); default: app-manifest "
        "from the configuration."),
    sdk: List[str] = typer.Option([], "--sdk", "-s", metavar="PRODUCT[@VERSION]",
                                  help="A TRTC-family product to fold in; repeatable."),
    lockfile: List[str] = typer.Option([], "--lockfile", "-l", metavar="PATH",
                                       help="Podfile.lock or Package.resolved to take products "
                                       "and versions from; repeatable."),
    manifest: List[str] = typer.Option([], "--manifest", "-m", metavar="PATH",
                                       help="Another PrivacyInfo.xcprivacy to fold in; repeatable."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="PATH",
                                         help="Write here instead of APP_MANIFEST."),
    check: bool = typer.Option(False, "--check",
                               help="Write nothing; exit 1 and print the diff if out of date."),
    diff: bool = typer.Option(False, "--diff",
                              help="Print the unified diff of the change and write nothing."),
    allow_invalid: bool = typer.Option(False, "--allow-invalid",
                                       help="Write even when an input has a lint error."),
    config: Optional[str] = config_option(),
    format: Optional[str] = format_option(),
) -> int:
    """Fold TRTC-family manifests (and other manifests) into the app's, without duplicates."""
    from trtc_privacy import config as cfgmod
    from trtc_privacy.cli.exits import exit_code
    from trtc_privacy.cli.options import chosen_format
    from trtc_privacy.merge import pipeline

    with chosen_format(format) as fmt:
        cfg = cfgmod.load(config)
        inputs = pipeline.gather(cfg, pipeline.Options(app_manifest, sdk, lockfile, manifest,
                                                       output))
        plan = pipeline.plan(inputs)
        dry = check or diff
        outcome = pipeline.Outcome(plan, blocked=plan.changed and plan.errors and not allow_invalid) \
            if dry else pipeline.write(plan, allow_invalid)
        _print(outcome, fmt, show_diff=dry, check=check)
        # findings alone do not fail a merge: an output left out of date does (blocked, --check)
        return exit_code(out_of_date=outcome.blocked or (check and outcome.plan.changed))


def _print(outcome: "Outcome", fmt: str, show_diff: bool, check: bool) -> None:
    import json

    import trtc_privacy.cli.console as console
    from trtc_privacy.cli.options import emit
    from trtc_privacy.formatters.jsonfmt import envelope, rows
    from trtc_privacy.merge.fold import describe

    plan = outcome.plan
    diags = outcome.diagnostics()
    contributions = list(zip(plan.result.contributions[1:], plan.inputs.sources))
    status = _status(outcome, check)
    if fmt == "json":
        doc: Dict[str, Any] = {
            "path": plan.path,
            "changed": plan.changed,
            "written": outcome.written,
            "sources": [{
                "source": c.label,
                "catalogue_manifest": s.catalogue_id or None,
                "added": [list(d) for d in c.added],
                "already_declared": [list(d) for d in c.already],
            } for c, s in contributions],
            "diagnostics": rows(diags),
            "notes": plan.inputs.notes + plan.notes,
            "diff": plan.diff() if show_diff else None,
            "status": status,
        }
        console.document(json.dumps(envelope(**doc), indent=2) + "\n")
        return
    # diagnostics where the format's reader looks; the human summary where it does no harm
    human = fmt == "sarif"  # on stderr: stdout holds the SARIF document alone
    emit(diags, fmt, err=fmt == "text", quiet_when_clean=True)
    for n in plan.inputs.notes + plan.notes:
        console.note(n)
    if show_diff and plan.changed:
        console.lines(plan.diff(), err=human)
    for c, s in contributions:
        origin = f" ({s.catalogue_id})" if s.catalogue_id else ""
        console.line(f"{c.label}{origin}: {len(c.added)} added, {len(c.already)} already "
                     "declared", err=human)
        for d in c.added:
            console.line(f"  + {describe(d)}", err=human)
    console.line(f"{plan.path}: {status}", err=human)


def _status(outcome: "Outcome", check: bool) -> str:
    plan = outcome.plan
    if not plan.changed:
        return "up to date"
    if outcome.blocked:
        return ("not written: an input or the result has a lint error (--allow-invalid writes "
                "anyway)")
    if outcome.written:
        return "written"
    if check:
        return "out of date; run the same command without --check"
    return "not written (--diff)"
