"""``trtc-privacy init``: start an app's PrivacyInfo.xcprivacy (and configuration) from its SDKs."""

from __future__ import annotations

from typing import List, Optional

import typer

from trtc_privacy.cli.options import config_option, format_option


def init(
    path: Optional[str] = typer.Argument(
        None, metavar="PATH",
        help="Where to write the manifest; default: app-manifest from the configuration, else "
        "the app folder (the one holding Info.plist or Assets.xcassets), else ./"
        "PrivacyInfo.xcprivacy."),
    sdk: List[str] = typer.Option([], "--sdk", "-s", metavar="PRODUCT[@VERSION]",
                                  help="A TRTC-family product to declare; repeatable."),
    lockfile: List[str] = typer.Option(
        [], "--lockfile", "-l", metavar="PATH",
        help="Podfile.lock or Package.resolved to take products and versions from; repeatable. "
        "Default: the ones found in the current directory."),
    write_config: bool = typer.Option(
        False, "--write-config",
        help="Also write a starter .trtc-privacy.toml in the current directory."),
    force: bool = typer.Option(False, "--force", help="Replace files that already exist."),
    config: Optional[str] = config_option(),
    format: Optional[str] = format_option(),
) -> None:
    """Write a new app PrivacyInfo.xcprivacy declaring what the project's TRTC SDKs need."""
    import os

    import trtc_privacy.cli.console as console
    from trtc_privacy import config as cfgmod
    from trtc_privacy.cli.options import chosen_format, emit
    from trtc_privacy.merge import pipeline, scaffold

    with chosen_format(format) as fmt:
        cfg = cfgmod.load(config)
        sdks, lockfiles = list(sdk), list(lockfile)
        if not (sdks or lockfiles or cfg.sdks or cfg.lockfiles):
            lockfiles = scaffold.find_lockfiles(os.getcwd())
        if path is None:
            path = (cfg.resolve(cfg.app_manifest) if cfg.app_manifest
                    else scaffold.default_manifest_path(os.getcwd()))
        config_path = scaffold.CONFIG_NAME
        scaffold.refuse_existing(path, force)
        if write_config:
            scaffold.refuse_existing(config_path, force)
        inputs = pipeline.gather(cfg, pipeline.Options(
            path, sdks, lockfiles, usage_path="init", need_sources=False, fresh=True,
            adds="the new file declares"))
        plan = pipeline.plan(inputs)
        used = inputs.lockfiles if (lockfiles or not sdks) else []
        config_text = (scaffold.render_config(os.path.relpath(path), list(sdk), used)
                       if write_config else None)
        scaffold.write_new(path, plan.after)
        if config_text is not None:
            scaffold.write_new(config_path, config_text)
        emit(plan.diagnostics(), fmt, cfg, err=fmt == "text", quiet_when_clean=True)
        for n in inputs.notes:
            console.note(n)
        if not inputs.sources:
            console.note("no TRTC-family SDK given or found in a lockfile; the manifest declares "
                         "nothing yet")
        err = fmt in ("json", "sarif")
        if inputs.lockfiles:
            console.line("lockfiles: " + ", ".join(inputs.lockfiles), err=err)
        labels = [s.label for s in inputs.sources]
        console.line(f"{path}: written" + (f", declaring {', '.join(labels)}" if labels else ""),
                     err=err)
        if config_text is not None:
            console.line(f"{config_path}: written", err=err)
        # the advice follows the configuration the phase will read: the one just written, else
        # the one found (which the Xcode phase would use), else none (the file ships as it is)
        write = (scaffold.xcode_write_of(config_text) if config_text is not None
                 else cfg.xcode_write if cfg.path else None)
        console.lines(scaffold.next_steps(path, write), err=err)
