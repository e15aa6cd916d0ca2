"""Rules about the file as a property list: XML well-formedness, entities, plist grammar.

The reader (plist.parse) reports the first three; they are listed here so that they have a
severity, an explanation and a place in ``rules``/``explain`` like every other rule.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

from lxml import etree

from trtc_privacy.lint.rules.base import ITMS_INVALID, Context, Finding, parse_rule, rule

NOT_WELL_FORMED = parse_rule(
    "not-well-formed", "error",
    "the file is not well-formed XML",
    """App Store Connect cannot read a manifest that is not well-formed XML and rejects it as an
    invalid privacy manifest (TN3181 "an improperly formatted property list file";
    saver_gallery#24 got ITMS-91056 for a blank line before the XML declaration). Nothing else in
    the file can be checked until it parses, so this is an error.""",
    "fix the XML at the reported place; `plutil -lint` shows the same problem",
    ITMS_INVALID)

FORBIDDEN_DTD = parse_rule(
    "forbidden-dtd", "error",
    "the DOCTYPE declares entities, or the file uses entity references",
    """Apple's property-list reader refuses entity declarations, and entities are how hostile
    XML (billion laughs, external entities) attacks parsers. No manifest Xcode writes contains
    one, so the file is refused unread: an error.""",
    "remove the [ ... ] block from the DOCTYPE and write text out instead of &entities;",
    ITMS_INVALID)

NOT_A_PLIST = parse_rule(
    "not-a-plist", "error",
    "the XML is not a property list (wrong root, stray text, a key without a value)",
    """A manifest must follow the property-list grammar that `plutil -lint` checks: a <plist>
    holding one value, <dict> made of <key>/value pairs, no text outside values. Template
    placeholders left in the file (Godot's $priv_tracking) or a key without a value make Apple's
    reader fail, so this is an error.""",
    "a privacy manifest is <plist><dict>...</dict></plist> made of <key>/value pairs",
    ITMS_INVALID)


@rule("not-a-plist", "error", NOT_A_PLIST.summary, NOT_A_PLIST.explanation, NOT_A_PLIST.hint,
      ITMS_INVALID)
def stray_text(ctx: Context, _: None) -> Sequence[Finding]:
    """Text between elements of a <plist>, <dict> or <array> (the reader only checks elements)."""
    if not ctx.doc.stray_text:
        return ()  # the reader met none
    texts: List[Any] = _STRAY(ctx.doc.root)  # type: ignore[assignment]
    if not texts:
        return ()
    reported = set()
    out = []
    for text in texts:
        owner = text.getparent()
        el = owner.getparent() if text.is_tail else owner
        if el is None or el in reported:
            continue
        reported.add(el)
        out.append(Finding(el, f"text \"{_short(text.strip(_XML_SPACE))}\" inside <{el.tag}>; "
                           "only elements may appear here",
                           "remove the text, or run the tool that fills in this template",
                           offset=_text_offset(ctx, el, str(text))))
    return out


#: Non-blank text directly inside a container, found by libxml2 in one pass (a union of
#: three child steps is three times faster than one descendant step with a predicate).
_STRAY = etree.XPath("/plist/text()[normalize-space()] | //dict/text()[normalize-space()]"
                     " | //array/text()[normalize-space()]")


def _text_offset(ctx: Context, el: etree._Element, text: str) -> Optional[int]:
    """Where the stray text starts in the source (searched from ``el``'s start tag)."""
    if ctx.doc.binary:
        return None
    span = ctx.doc.span(el)
    if span is None:
        return None
    body = text.lstrip(_XML_SPACE)  # non-empty: the XPath kept only such text
    i = ctx.doc.text.find(body[:20], span.start_end)
    return i if i >= 0 else None


#: What XML (and normalize-space above) counts as white space; a no-break space is text.
_XML_SPACE = " \t\r\n"


def _short(s: str, n: int = 40) -> str:
    """The text as one short line; white space XML does not count as such is named."""
    if not s.split():  # only characters such as U+00A0 that Python reads as blank
        return " ".join(f"U+{ord(c):04X}" for c in s[:8])
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"


RULES = [NOT_WELL_FORMED, FORBIDDEN_DTD, stray_text]
