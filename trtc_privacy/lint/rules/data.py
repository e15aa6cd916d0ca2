"""Rules about NSPrivacyCollectedDataTypes: data types, purposes, per-type tracking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Sequence, Tuple

from lxml import etree

from trtc_privacy.knowledge import apple as C
from trtc_privacy.lint.rules.base import ITMS_INVALID, Context, Finding, Rule, repeated, repeated_entry, rule
from trtc_privacy.manifest.view import Entry

if TYPE_CHECKING:
    from trtc_privacy.lint.fixer import Fixer


Purpose = Tuple[Optional[str], str, etree._Element, etree._Element]  # type, purpose, <string>, entry


@rule("unknown-data-type", "error",
      "NSPrivacyCollectedDataType is not one of Apple's 35 data types",
      """Custom data types are invalid values (TN3181) and break Xcode's privacy report; human
      labels such as "Crash data" or the misspelling PhotosOrVideos (Apple writes
      NSPrivacyCollectedDataTypePhotosorVideos) drew ITMS-91056 (appspector/ios-sdk#30). This
      is an error; `--fix` corrects near-miss spellings.""",
      "use one of Apple's NSPrivacyCollectedDataType... identifiers",
      ITMS_INVALID, fixable=True, on="data_entry")
def unknown_data_type(ctx: Context, e: Entry) -> Sequence[Finding]:
    dtype = e.ident
    if dtype and dtype not in C.vocabulary().data_types:
        guess = C.near_miss(dtype, _labels(), "NSPrivacyCollectedDataType")
        hint = (f"did you mean \"{guess}\"?" if guess else
                "see `trtc-privacy explain unknown-data-type` for the list")
        return [Finding(e.ident_el, f"unknown data type \"{dtype}\"", hint,
                        subject=dtype, repair=guess)]
    return ()


def _labels() -> Dict[str, str]:
    return {ident: label for ident, (label, _) in C.vocabulary().data_types.items()}


@unknown_data_type.fixer(phase=0)
def _spell_data_types(fx: Fixer, r: Rule) -> None:
    fx.spell(r.name)


@rule("unknown-purpose", "error",
      "a purpose that is not one of Apple's six purposes",
      """Purposes are identifiers, not the labels shown in App Store Connect: "App functionality"
      (New Relic, AppSpector, an early GoogleUtilities) is invalid and drew ITMS-91056. This is
      an error; `--fix` replaces a label or near-miss with the identifier it names.""",
      "use one of the NSPrivacyCollectedDataTypePurpose... identifiers",
      ITMS_INVALID, fixable=True, on="purpose")
def unknown_purpose(ctx: Context, purpose: Purpose) -> Sequence[Finding]:
    cat = C.vocabulary()
    _, p, el, _ = purpose
    if p and p not in cat.purposes:
        guess = C.near_miss(p, cat.purposes, "NSPrivacyCollectedDataTypePurpose")
        hint = (f"did you mean \"{guess}\"?" if guess else
                "expected one of: " + ", ".join(cat.purposes))
        return [Finding(el, f"unknown purpose \"{p}\"", hint, subject=p, repair=guess)]
    return ()


@unknown_purpose.fixer(phase=0)
def _spell_purposes(fx: Fixer, r: Rule) -> None:
    fx.spell(r.name)


@rule("empty-purposes", "error",
      "a collected data type with an empty purposes array",
      """Every collected data type is collected for at least one purpose; Google's own manifest
      generator treats an empty list as invalid and App Store privacy labels cannot be built
      without one. This is an error.""",
      "add the purposes the data is collected for", on="data_entry")
def empty_purposes(ctx: Context, e: Entry) -> Sequence[Finding]:
    v = e.list_el
    if v is not None and not e.items and v.tag == "array" \
            and next(v.iterchildren(etree.Element), None) is None:
        return [Finding(v, f"no purposes given for {e.ident or 'this data type'}")]
    return ()


@rule("duplicate-data-type", "warning",
      "the same data type is declared in two entries",
      """Apple does not address repeated data types; AppSpector's manifest declared CrashData
      twice. Folding them into one entry (the union of purposes) loses nothing when Linked and
      Tracking agree, so this is a warning that `--fix` repairs in that case.""",
      "merge the entries into one (`trtc-privacy lint --fix` does when Linked and Tracking agree)",
      fixable=True, on="data_entry")
def duplicate_data_type(ctx: Context, e: Entry) -> Sequence[Finding]:
    return repeated_entry(ctx, e, "duplicate-data-type")


@duplicate_data_type.fixer(phase=3)
def _fold_data_types(fx: Fixer, r: Rule) -> None:
    fx.fold_entries(C.DATA_TYPES, C.DATA_TYPE, C.PURPOSES, r.name, (C.LINKED, C.DATA_TRACKING))


@rule("duplicate-purpose", "warning",
      "the same purpose appears twice for one data type",
      """A repeated purpose adds nothing; it is a warning because it usually means entries were
      merged by hand. `--fix` removes the repeat.""",
      "remove the repeated purpose (`trtc-privacy lint --fix` does)",
      fixable=True, on="data_entry")
def duplicate_purpose(ctx: Context, e: Entry) -> Sequence[Finding]:
    return repeated(e.items, "purpose", e.ident or "this data type")


@duplicate_purpose.fixer(phase=2)
def _fold_purposes(fx: Fixer, r: Rule) -> None:
    for d in fx.view.data_entries():
        fx.fold_strings(fx.view.value(d, C.PURPOSES), r.name, "purpose")


@rule("data-tracking-without-tracking", "warning",
      "a data type is used for tracking while NSPrivacyTracking is not true",
      """NSPrivacyCollectedDataTypeTracking true says the data is used to track, which is what
      NSPrivacyTracking declares for the whole bundle; the two contradict each other. No App
      Store rejection is documented (Google Mobile Ads shipped exactly this), so this is a
      warning.""",
      "set NSPrivacyTracking to <true/> and list the tracking domains, or set the data type's "
      "Tracking to <false/>", on="data_entry")
def data_tracking_without_tracking(ctx: Context, e: Entry) -> Sequence[Finding]:
    v = e.values.get(C.DATA_TRACKING)
    if v is None or v.tag != "true" or ctx.tracking():
        return ()
    return [Finding(v, f"{e.ident or 'this data type'} is marked as used for tracking, "
                    "but NSPrivacyTracking is " + ("false" if ctx.tracking() is False else
                                                   "absent"))]


RULES = [unknown_data_type, unknown_purpose, empty_purposes, duplicate_data_type,
         duplicate_purpose, data_tracking_without_tracking]
