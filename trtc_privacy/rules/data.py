"""Rules about NSPrivacyCollectedDataTypes: data types, purposes, per-type tracking."""

from __future__ import annotations

from typing import Dict, Iterator, Optional, Tuple

from lxml import etree

from trtc_privacy import catalog as C
from trtc_privacy.plist import elements
from trtc_privacy.rules.base import ITMS_INVALID, Context, Finding, rule


def _typed(ctx: Context) -> Iterator[Tuple[Optional[str], etree._Element]]:
    for d in ctx.data_entries():
        yield ctx.string(ctx.value(d, C.DATA_TYPE)), d


@rule("unknown-data-type", "error",
      "NSPrivacyCollectedDataType is not one of Apple's 35 data types",
      """Custom data types are invalid values (TN3181) and break Xcode's privacy report; human
      labels such as "Crash data" or the misspelling PhotosOrVideos (Apple writes
      NSPrivacyCollectedDataTypePhotosorVideos) drew ITMS-91056 (appspector/ios-sdk#30). This
      is an error; `--fix` corrects near-miss spellings.""",
      "use one of Apple's NSPrivacyCollectedDataType... identifiers",
      ITMS_INVALID, fixable=True)
def unknown_data_type(ctx: Context) -> Iterator[Finding]:
    cat = C.catalogue()
    labels = {ident: label for ident, (label, _) in cat.data_types.items()}
    for dtype, d in _typed(ctx):
        if dtype and dtype not in cat.data_types:
            guess = C.near_miss(dtype, labels, "NSPrivacyCollectedDataType")
            hint = (f"did you mean \"{guess}\"?" if guess else
                    "see `trtc-privacy explain unknown-data-type` for the list")
            yield Finding(ctx.value(d, C.DATA_TYPE), f"unknown data type \"{dtype}\"", hint)


@rule("unknown-purpose", "error",
      "a purpose that is not one of Apple's six purposes",
      """Purposes are identifiers, not the labels shown in App Store Connect: "App functionality"
      (New Relic, AppSpector, an early GoogleUtilities) is invalid and drew ITMS-91056. This is
      an error; `--fix` replaces a label or near-miss with the identifier it names.""",
      "use one of the NSPrivacyCollectedDataTypePurpose... identifiers",
      ITMS_INVALID, fixable=True)
def unknown_purpose(ctx: Context) -> Iterator[Finding]:
    cat = C.catalogue()
    for _dtype, d in _typed(ctx):
        for p, el in ctx.strings(ctx.value(d, C.PURPOSES)):
            if p and p not in cat.purposes:
                guess = C.near_miss(p, cat.purposes, "NSPrivacyCollectedDataTypePurpose")
                hint = (f"did you mean \"{guess}\"?" if guess else
                        "expected one of: " + ", ".join(cat.purposes))
                yield Finding(el, f"unknown purpose \"{p}\"", hint)


@rule("empty-purposes", "error",
      "a collected data type with an empty purposes array",
      """Every collected data type is collected for at least one purpose; Google's own manifest
      generator treats an empty list as invalid and App Store privacy labels cannot be built
      without one. This is an error.""",
      "add the purposes the data is collected for")
def empty_purposes(ctx: Context) -> Iterator[Finding]:
    for dtype, d in _typed(ctx):
        v = ctx.value(d, C.PURPOSES)
        if v is not None and v.tag == "array" and not elements(v):
            yield Finding(v, f"no purposes given for {dtype or 'this data type'}")


@rule("duplicate-data-type", "warning",
      "the same data type is declared in two entries",
      """Apple does not address repeated data types; AppSpector's manifest declared CrashData
      twice. Folding them into one entry (the union of purposes) loses nothing when Linked and
      Tracking agree, so this is a warning that `--fix` repairs in that case.""",
      "merge the entries into one (`trtc-privacy lint --fix` does when Linked and Tracking agree)",
      fixable=True)
def duplicate_data_type(ctx: Context) -> Iterator[Finding]:
    seen: Dict[str, etree._Element] = {}
    for dtype, d in _typed(ctx):
        if not dtype:
            continue
        if dtype in seen:
            first = ctx.doc.position(seen[dtype])[0]
            yield Finding(ctx.value(d, C.DATA_TYPE), f"{dtype} is already declared"
                          + (f" at line {first}" if first else ""))
        else:
            seen[dtype] = d


@rule("duplicate-purpose", "warning",
      "the same purpose appears twice for one data type",
      """A repeated purpose adds nothing; it is a warning because it usually means entries were
      merged by hand. `--fix` removes the repeat.""",
      "remove the repeated purpose (`trtc-privacy lint --fix` does)",
      fixable=True)
def duplicate_purpose(ctx: Context) -> Iterator[Finding]:
    for dtype, d in _typed(ctx):
        seen = set()
        for p, el in ctx.strings(ctx.value(d, C.PURPOSES)):
            if p and p in seen:
                yield Finding(el, f"purpose {p} is listed twice for {dtype or 'this data type'}")
            seen.add(p)


@rule("data-tracking-without-tracking", "warning",
      "a data type is used for tracking while NSPrivacyTracking is not true",
      """NSPrivacyCollectedDataTypeTracking true says the data is used to track, which is what
      NSPrivacyTracking declares for the whole bundle; the two contradict each other. No App
      Store rejection is documented (Google Mobile Ads shipped exactly this), so this is a
      warning.""",
      "set NSPrivacyTracking to <true/> and list the tracking domains, or set the data type's "
      "Tracking to <false/>")
def data_tracking_without_tracking(ctx: Context) -> Iterator[Finding]:
    if ctx.tracking():
        return
    for dtype, d in _typed(ctx):
        v = ctx.value(d, C.DATA_TRACKING)
        if v is not None and v.tag == "true":
            yield Finding(v, f"{dtype or 'this data type'} is marked as used for tracking, but "
                          "NSPrivacyTracking is " + ("false" if ctx.tracking() is False else
                                                     "absent"))


RULES = [unknown_data_type, unknown_purpose, empty_purposes, duplicate_data_type,
         duplicate_purpose, data_tracking_without_tracking]
