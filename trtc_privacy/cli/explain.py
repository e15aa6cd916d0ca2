"""``trtc-privacy explain NAME|ITMS-CODE``: why a rule exists, and what to write instead."""

from __future__ import annotations

from typing import Optional

import typer

from trtc_privacy.cli.options import document_format_option

EXPLAIN_FORMATS = ("text", "json")


def explain(
    name: str = typer.Argument(..., metavar="NAME|ITMS-CODE",
                               help="A rule name (unknown-reason) or an App Store code "
                               "(ITMS-91055)."),
    format: Optional[str] = document_format_option(
        EXPLAIN_FORMATS, " (json: the rule as `rules -f json` lists it)"),
) -> None:
    """Explain a rule, or list the rules that predict an App Store Connect error code."""
    import json
    import re
    import textwrap

    import trtc_privacy.cli.console as console
    from trtc_privacy.cli.exits import EXIT_USAGE
    from trtc_privacy.cli.options import document_format
    from trtc_privacy.cli.rules import rule_row
    from trtc_privacy.formatters.jsonfmt import envelope

    def say(text: str, err: bool = False) -> None:  # lines of the tool's own text
        console.lines(text + "\n", err=err)

    from trtc_privacy.lint.rules import by_itms, get, itms_codes, suggest

    fmt = document_format(format, EXPLAIN_FORMATS)
    r = get(name)
    if r is None and re.fullmatch(r"(?i)(ITMS-)?\d{5}", name):
        found = by_itms(name)
        code = name.upper() if name.upper().startswith("ITMS-") else "ITMS-" + name
        if not found:
            say(f"no rule predicts {code}", err=True)
            known = [c.replace("ITMS-", "") for c in itms_codes()]
            say(f"  hint: rules predict ITMS-{', '.join(known)}", err=True)
            raise typer.Exit(EXIT_USAGE)
        if fmt == "json":
            console.document(json.dumps(envelope(code=code, rules=[rule_row(x) for x in found]),
                                        indent=2) + "\n")
            return
        say(f"{code} is predicted by:")
        w = max(len(x.name) for x in found)
        for x in found:
            where = "" if x.scope == "lint" else f"  ({x.scope})"
            say(f"  {x.name:<{w}}  {x.severity.value:<7}  {x.summary}{where}")
        for scope in sorted({x.scope for x in found if x.scope in _REPORTED_BY}):
            say(f"Run {_REPORTED_BY[scope]}.")
        return
    if r is None:
        console.line(f"unknown rule \"{name}\"", err=True)
        console.line(f"  hint: {suggest(name)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    if fmt == "json":
        console.document(json.dumps(envelope(rule=rule_row(r)), indent=2) + "\n")
        return
    say(f"{r.name}  ({r.severity.value}"
               + (f", predicts {', '.join(r.itms)}" if r.itms else "")
               + (", fixable with --fix" if r.fixable else "") + ")")
    say("")
    say(textwrap.fill(r.summary[0].upper() + r.summary[1:] + ".", 88))
    say("")
    say(textwrap.fill(r.explanation, 88))
    say("")
    say(textwrap.fill("Fix: " + r.hint, 88))
    if r.scope in _REPORTED_BY:
        say("")
        say(f"Reported by {_REPORTED_BY[r.scope]}.")
    vocab = _vocabulary(r.name)
    if vocab:
        say("")
        say(vocab)


#: Rules made by a command other than lint: where to run it and read about it.
_REPORTED_BY = {
    "scan": "`trtc-privacy scan` on the project folder before a build (what it reads, what "
            "counts as covering what and how sure it is: docs/scan.md)",
}


def _vocabulary(rule: str) -> str:
    """The identifiers a rule accepts, from Apple's vocabulary data (with its date)."""
    from trtc_privacy.knowledge import apple as C

    cat = C.vocabulary()
    if rule in ("unknown-api-category", "unknown-reason", "reason-wrong-category",
                "sdk-only-reason"):
        lines = [f"Apple's categories and reasons (read {cat.read_on}):"]
        for ident, label in cat.categories.items():
            lines.append(f"  {ident}  ({label})")
            for code in cat.reasons_for(ident):
                sdk = "  [third-party SDKs only]" if cat.reasons[code].sdk_only else ""
                lines.append(f"    {code}{sdk}  {cat.reasons[code].summary}")
        return "\n".join(lines)
    if rule == "unknown-data-type":
        return f"Apple's data types (read {cat.read_on}):\n" + "\n".join(
            f"  {ident}  ({label}; {group})" for ident, (label, group) in cat.data_types.items())
    if rule == "unknown-purpose":
        return f"Apple's purposes (read {cat.read_on}):\n" + "\n".join(
            f"  {ident}  ({label})" for ident, label in cat.purposes.items())
    if rule in ("unknown-key", "wrong-type", "missing-key"):
        lines = [f"Apple's keys and value types (read {cat.read_on}):"]
        lines += [f"  {k}: {t}" for k, t in cat.top_keys.items()]
        lines += ["  in each NSPrivacyCollectedDataTypes entry:"]
        lines += [f"    {k}: {t}" for k, t in cat.data_keys.items()]
        lines += ["  in each NSPrivacyAccessedAPITypes entry:"]
        lines += [f"    {k}: {t}" for k, t in cat.api_keys.items()]
        return "\n".join(lines)
    return ""
