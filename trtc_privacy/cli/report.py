"""``trtc-privacy report``: the App Store privacy label the manifests imply, with sources."""

from __future__ import annotations

from typing import List, Optional

import typer

from trtc_privacy.cli.options import config_option, document_format_option

#: What ``report -f`` prints on stdout: text is the Markdown page, which reads as plain text.
REPORT_FORMATS = ("text", "json", "markdown", "html")


def report(
    app_manifest: Optional[str] = typer.Argument(
        None, metavar="APP_MANIFEST",
        help="The app's PrivacyInfo.xcprivacy (it is never written), or a built .ipa, "
        ".xcarchive, .app or .xcframework to report every bundle of; default: app-manifest "
        "from the configuration."),
    sdk: List[str] = typer.Option([], "--sdk", "-s", metavar="PRODUCT[@VERSION]",
                                  help="A TRTC-family product the app embeds; repeatable."),
    lockfile: List[str] = typer.Option([], "--lockfile", "-l", metavar="PATH",
                                       help="Podfile.lock or Package.resolved to take products "
                                       "and versions from; repeatable."),
    manifest: List[str] = typer.Option([], "--manifest", "-m", metavar="PATH",
                                       help="Another PrivacyInfo.xcprivacy to include; "
                                       "repeatable."),
    config: Optional[str] = config_option(),
    html: Optional[str] = typer.Option(None, "--html", metavar="PATH",
                                       help="Write a self-contained HTML page ('-': stdout)."),
    markdown: Optional[str] = typer.Option(None, "--markdown", metavar="PATH",
                                           help="Write GitHub Markdown ('-': stdout), e.g. for "
                                           "$GITHUB_STEP_SUMMARY."),
    format: Optional[str] = document_format_option(
        REPORT_FORMATS, ": print the report on stdout (text is the Markdown page)", ""),
) -> None:
    """Show the App Store privacy label, required-reason APIs and findings, with their sources."""
    import trtc_privacy.cli.console as console
    from trtc_privacy.cli.exits import EXIT_USAGE
    from trtc_privacy.cli.options import document_format

    fmt = document_format(format, REPORT_FORMATS) if format is not None else None
    if html is None and markdown is None and fmt is None:
        console.line("report: say where the report goes: --html PATH, --markdown PATH or "
                     "--format FORMAT", err=True)
        raise typer.Exit(EXIT_USAGE)
    if [html, markdown, "-" if fmt else None].count("-") > 1:
        console.line("report: only one of --html, --markdown and --format can use stdout",
                     err=True)
        raise typer.Exit(EXIT_USAGE)
    from trtc_privacy.files import write_atomic
    from trtc_privacy.formatters.inert import shown
    from trtc_privacy.merge import report as core

    data = core.build_any(app_manifest, sdk, lockfile, manifest, config)
    outputs = [(html, core.render_html), (markdown, core.render_markdown)]
    for path, render in outputs:
        if path is None:
            continue
        text = render(data)
        if path == "-":
            console.document(text, json=False)
        else:  # bytes that were not UTF-8 (a folder's name) are written as U+FFFD
            write_atomic(path, shown(text).encode("utf-8"))
            console.line(f"{path}: written", err=True)
    if fmt is not None:
        page = {"json": core.to_json, "html": core.render_html}.get(fmt, core.render_markdown)
        console.document(page(data), json=fmt == "json")
