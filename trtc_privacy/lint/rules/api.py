"""Rules about NSPrivacyAccessedAPITypes: categories, reason codes, who may declare them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence, Tuple

from lxml import etree

from trtc_privacy.knowledge import apple as C
from trtc_privacy.lint.rules.base import Context, Finding, Rule, repeated, repeated_entry, rule
from trtc_privacy.manifest.view import Entry

if TYPE_CHECKING:
    from trtc_privacy.lint.fixer import Fixer

Reason = Tuple[Optional[str], str, etree._Element, etree._Element]  # category, code, <string>, entry


@rule("unknown-api-category", "error",
      "NSPrivacyAccessedAPIType is not one of Apple's five categories",
      """App Store Connect rejects an accessed-API entry whose category it does not know with
      ITMS-91054 "Invalid API category declaration" (flutter#145269 wrote "FileTimestamp";
      TOCropViewController invented PhotoLibrary and Camera categories). The reasons under it
      then count for nothing, so this is an error.""",
      "use one of the five NSPrivacyAccessedAPICategory... identifiers",
      ("ITMS-91054",), fixable=True, on="api_entry")
def unknown_api_category(ctx: Context, e: Entry) -> Sequence[Finding]:
    cat = C.vocabulary()
    category = e.ident
    if category and category not in cat.categories:
        guess = C.near_miss(category, cat.categories, "NSPrivacyAccessedAPICategory")
        hint = (f"did you mean \"{guess}\"?" if guess else
                "expected one of: " + ", ".join(cat.categories))
        return [Finding(e.ident_el, f"unknown API category \"{category}\"", hint,
                        subject=category, repair=guess)]
    return ()


@unknown_api_category.fixer(phase=0)
def _spell_category(fx: Fixer, r: Rule) -> None:
    fx.spell(r.name)


@rule("unknown-reason", "error",
      "a reason code that is not one of Apple's approved reasons",
      """Only Apple's approved reason codes are accepted; free text (Kingfisher's first manifest
      wrote a sentence) or a made-up code draws ITMS-91055 "Invalid API reason declaration".
      The API use is then undeclared, so this is an error.""",
      "use an approved code for the category; `trtc-privacy explain reason-wrong-category` "
      "shows where each belongs",
      ("ITMS-91055", "ITMS-91106"), fixable=True, on="reason")
def unknown_reason(ctx: Context, reason: Reason) -> Sequence[Finding]:
    category, code, el, _ = reason
    if code and code not in C.vocabulary().reasons:
        guess = C.near_miss(code, {r: r for r in C.vocabulary().reasons})
        return [Finding(el, f"unknown reason code \"{_short(code)}\"",
                        _reason_hint(guess, category), subject=code, repair=guess)]
    return ()


@unknown_reason.fixer(phase=0)
def _spell_reasons(fx: Fixer, r: Rule) -> None:
    fx.spell(r.name)


def _reason_hint(guess: Optional[str], category: Optional[str]) -> str:
    cat = C.vocabulary()
    if guess:
        return f"did you mean \"{guess}\"?"
    if category in cat.categories:
        return f"for {category} use one of: " + ", ".join(cat.reasons_for(category))
    return "a reason code looks like C617.1; see Apple's list for the category"


def _short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"


@rule("reason-wrong-category", "error",
      "an approved reason code declared under a category it does not belong to",
      """Each reason code belongs to exactly one category. CA92.1 under DiskSpace
      (tealium-swift#329) or C617.1 under SystemBootTime (citrix-mam-sdks#122) drew ITMS-91055,
      so this is an error. The hint names the category the code belongs to.""",
      "move the code to the category it belongs to, or pick a reason of this category",
      ("ITMS-91055", "ITMS-91106"), on="reason")
def reason_wrong_category(ctx: Context, reason: Reason) -> Sequence[Finding]:
    category, code, el, _ = reason
    cat = C.vocabulary()
    r = cat.reasons.get(code)
    if r is not None and r.category != category and category in cat.categories:
        return [Finding(el, f"reason {code} belongs to {r.category}, not {category}",
                        f"declare {code} under {r.category}; for {category} use one of: "
                        + ", ".join(cat.reasons_for(category)))]
    return ()


@rule("sdk-only-reason", "warning",
      "an app's manifest declares a reason only third-party SDKs may declare (0A2A.1, C56D.1)",
      """Apple words 0A2A.1 and C56D.1 "may only be declared by third-party SDKs". In an app's
      own manifest (including one an SDK's entries were merged into, as React Native and
      Tencent's instructions do) Apple's wording forbids them, but no rejection is documented, so
      this is a warning. `merge` and `init` leave these reasons in the manifest of an SDK whose
      bundle ships one, so they never bring this warning for such an SDK, and removing the
      reason is never undone by them. It does not apply to SDK manifests (`--kind sdk`).""",
      "remove it from the app's manifest if the SDK that needs it ships its own manifest in "
      "its bundle (`trtc-privacy versions` says which Tencent pods do); `merge` does not add "
      "it back",
      on="reason")
def sdk_only_reason(ctx: Context, reason: Reason) -> Sequence[Finding]:
    if ctx.kind != "app":
        return ()
    _, code, el, _ = reason
    r = C.vocabulary().reasons.get(code)
    if r is not None and r.sdk_only:
        return [Finding(el, f"{code} may only be declared by third-party SDKs, and this is "
                        "an app's manifest")]
    return ()


@rule("app-type-reason", "note",
      "a reason valid only for a kind of app (B728.1 health research, 3EC4.1 custom keyboards)",
      """B728.1 is for health-research apps and 3EC4.1 for custom keyboard apps. Declaring them
      elsewhere is probably a wrong pick, but only App Review can tell what the app is, so this is
      a note.""",
      "keep it only if the app is of that kind; otherwise pick the reason that fits",
      on="reason")
def app_type_reason(ctx: Context, reason: Reason) -> Sequence[Finding]:
    _, code, el, _ = reason
    kind = C.vocabulary().app_type_reasons.get(code)
    return [Finding(el, f"{code} is only for {kind}")] if kind else ()


@rule("empty-reasons", "error",
      "an accessed-API entry with an empty reasons array",
      """TN3181 lists an empty NSPrivacyAccessedAPITypeReasons as invalid: every declared
      category needs at least one approved reason, otherwise the API use is undeclared. This is
      an error.""",
      "add the reason codes that describe how the API is used, or remove the entry",
      on="api_entry")
def empty_reasons(ctx: Context, e: Entry) -> Sequence[Finding]:
    v = e.list_el
    if v is not None and not e.items and v.tag == "array" and _no_elements(v):
        category = e.ident
        cat = C.vocabulary()
        hint = ("for " + str(category) + " use one of: " + ", ".join(cat.reasons_for(category))
                if category in cat.categories else "")
        return [Finding(v, f"no reasons given for {category or 'this category'}", hint)]
    return ()


def _no_elements(el: etree._Element) -> bool:
    return next(el.iterchildren(etree.Element), None) is None


@rule("duplicate-api-category", "warning",
      "the same API category is declared in two entries",
      """Apple does not address repeated categories; readers may take either entry, and the
      manifest App Store Connect rejected in forum thread 770148 had one. Folding the entries
      into one with the union of reasons loses nothing, so this is a warning that `--fix`
      repairs.""",
      "merge the entries into one with all the reasons (`trtc-privacy lint --fix` does)",
      fixable=True, on="api_entry")
def duplicate_api_category(ctx: Context, e: Entry) -> Sequence[Finding]:
    return repeated_entry(ctx, e, "duplicate-api-category")


@duplicate_api_category.fixer(phase=3)
def _fold_categories(fx: Fixer, r: Rule) -> None:
    fx.fold_entries(C.API_TYPES, C.API_TYPE, C.REASONS, r.name, ())


@rule("duplicate-reason", "warning",
      "the same reason code appears twice in one entry",
      """A repeated reason code adds nothing and is harmless to Apple's reader as far as is
      known; it is a warning because it usually means two manifests were merged by hand.
      `--fix` removes the repeat.""",
      "remove the repeated code (`trtc-privacy lint --fix` does)",
      fixable=True, on="api_entry")
def duplicate_reason(ctx: Context, e: Entry) -> Sequence[Finding]:
    return repeated(e.items, "reason", e.ident or "this entry")


@duplicate_reason.fixer(phase=2)
def _fold_reasons(fx: Fixer, r: Rule) -> None:
    for d in fx.view.api_entries():
        fx.fold_strings(fx.view.value(d, C.REASONS), r.name, "reason")


RULES = [unknown_api_category, unknown_reason, reason_wrong_category, sdk_only_reason,
         app_type_reason, empty_reasons, duplicate_api_category, duplicate_reason]
