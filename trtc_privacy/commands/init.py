"""``trtc-privacy init``: start an app's PrivacyInfo.xcprivacy (and configuration) from its SDKs."""

from __future__ import annotations

from typing import List, Optional

import typer


def init(
    path: Optional[str] = typer.Argument(
        None, metavar="PATH",
        help="Where to write the manifest; default: app-manifest from the configuration, else "
        "the app folder (the one holding Info.plist or Assets.xcassets), else ./"
        "PrivacyInfo.xcprivacy."),
    sdk: List[str] = typer.Option([], "--sdk", metavar="PRODUCT[@VERSION]",
                                  help="A TRTC-family product to declare; repeatable."),
    lockfile: List[str] = typer.Option(
        [], "--lockfile", metavar="PATH",
        help="Podfile.lock or Package.resolved to take products and versions from; repeatable. "
        "Default: the ones found in the current directory."),
    write_config: bool = typer.Option(
        False, "--write-config",
        help="Also write a starter .trtc-privacy.toml in the current directory."),
    force: bool = typer.Option(False, "--force", help="Replace files that already exist."),
) -> None:
    """Write a new app PrivacyInfo.xcprivacy declaring what the project's TRTC SDKs need."""
    import os

    from trtc_privacy import config as cfgmod
    from trtc_privacy import scaffold
    from trtc_privacy.cli import print_diagnostics, report_error
    from trtc_privacy.diagnostics import InputError

    try:
        cfg = cfgmod.load()
        sdks, lockfiles = list(sdk), list(lockfile)
        if not (sdks or lockfiles):
            sdks = list(cfg.sdks)
            lockfiles = [cfg.resolve(p) for p in cfg.lockfiles]
        if not (sdks or lockfiles):
            lockfiles = scaffold.find_lockfiles(os.getcwd())
        if path is None:
            path = (cfg.resolve(cfg.app_manifest) if cfg.app_manifest
                    else scaffold.default_manifest_path(os.getcwd()))
        config_path = scaffold.CONFIG_NAME
        scaffold.refuse_existing(path, force)
        if write_config:
            scaffold.refuse_existing(config_path, force)
        made = scaffold.build(sdks, lockfiles)
        config_text = (scaffold.render_config(os.path.relpath(path), list(sdk), lockfiles)
                       if write_config else None)
        scaffold.write_new(path, made.text)
        if config_text is not None:
            scaffold.write_new(config_path, config_text)
    except InputError as exc:
        raise typer.Exit(report_error(exc))
    print_diagnostics(made.diagnostics)
    for note in made.notes:
        typer.echo(f"note: {note}", err=True)
    if lockfiles:
        typer.echo("lockfiles: " + ", ".join(lockfiles))
    typer.echo(f"{path}: written" + (f", declaring {', '.join(made.labels)}" if made.labels
                                     else ""))
    if config_text is not None:
        typer.echo(f"{config_path}: written")
    typer.echo("next: add the file to your app target (Copy Bundle Resources), and run "
               "`trtc-privacy lint " + path + "`")
