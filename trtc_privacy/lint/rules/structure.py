"""Rules about the manifest's shape: root, keys, value types, required and empty values, name."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from lxml import etree

from trtc_privacy.knowledge import apple as C
from trtc_privacy.lint.rules.base import ITMS_INVALID, Context, Finding, Rule, is_empty_dict, rule
from trtc_privacy.manifest.reader import text_of
from trtc_privacy.manifest.view import Entry, Pair

if TYPE_CHECKING:
    from trtc_privacy.lint.fixer import Fixer

MANIFEST_NAME = C.MANIFEST_NAME

#: catalogue type strings -> (element tag, tag of the array's children or None)
_TYPES: Dict[str, Tuple[str, Optional[str]]] = {
    "boolean": ("bool", None),
    "string": ("string", None),
    "array of string": ("array", "string"),
    "array of dict": ("array", "dict"),
}


def _tag_ok(el: etree._Element, want: str) -> bool:
    return el.tag in ("true", "false") if want == "bool" else el.tag == want


def _tag_name(want: str) -> str:
    return "<true/> or <false/>" if want == "bool" else f"<{want}>"


@rule("root-not-dict", "error",
      "the plist's value is not a <dict>",
      """Apple defines the manifest as a dictionary ("App Privacy Configuration") with four
      optional keys. A file whose single value is an array or a string declares nothing and is
      rejected as an invalid manifest, so this is an error.""",
      "wrap the keys in <dict>...</dict> directly inside <plist>",
      ITMS_INVALID)
def root_not_dict(ctx: Context, _: None) -> Sequence[Finding]:
    top = ctx.doc.top
    if top is not None and top.tag != "dict":
        return [Finding(top, f"the manifest's root value is <{top.tag}>, expected <dict>")]
    return ()


@rule("unknown-key", "error",
      "a key Apple does not define, at the top level or inside an entry",
      """Apple's manifest contains "only the expected keys and values" (Adding a privacy manifest;
      TN3181 lists invalid keys as a cause of ITMS-91056). An unknown key is usually a misspelt
      or misplaced real one, and what it was meant to declare is lost, so this is an error.""",
      "use one of Apple's keys; `trtc-privacy explain unknown-key` lists them",
      ITMS_INVALID, on="top_pair")
def unknown_key(ctx: Context, pair: Pair) -> Sequence[Finding]:
    key, k, _ = pair
    cat = C.vocabulary()
    if key in cat.top_keys:
        return ()
    if key in cat.api_keys or key in cat.data_keys:
        parent = C.API_TYPES if key in cat.api_keys else C.DATA_TYPES
        return [Finding(k, f"\"{key}\" belongs inside an entry of {parent}, not at the top "
                        "level", f"move it into a <dict> inside the {parent} array")]
    return [Finding(k, f"unknown top-level key \"{key}\"", _did_you_mean(key, cat.top_keys))]


@unknown_key.on("api_entry")
def _unknown_api_entry_key(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _unknown_entry_keys(e, C.vocabulary().api_keys)


@unknown_key.on("data_entry")
def _unknown_data_entry_key(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _unknown_entry_keys(e, C.vocabulary().data_keys)


def _unknown_entry_keys(e: Entry, known: Dict[str, str]) -> Sequence[Finding]:
    return [Finding(k, f"unknown key \"{key}\" in this entry", _did_you_mean(key, known))
            for key, k, _ in e.pairs if key not in known]


def _did_you_mean(value: str, known: Dict[str, str]) -> str:
    guess = C.near_miss(value, {k: k for k in known})
    if guess:
        return f"did you mean \"{guess}\"?"
    return "expected one of: " + ", ".join(known)


@rule("wrong-type", "error",
      "a value of the wrong type (for example a <string> where an <array> is expected)",
      """TN3181 lists a value of the wrong type as invalid: NSPrivacyTracking is a Boolean, the
      lists are arrays of strings or of dictionaries. Apple's reader cannot use such a value
      (Sentry's first manifest gave purposes as a <string>), so this is an error.""",
      "write the value with the type Apple documents for this key",
      ITMS_INVALID, on="top_pair")
def wrong_type(ctx: Context, pair: Pair) -> Sequence[Finding]:
    key, _, v = pair
    typ = C.vocabulary().top_keys.get(key)
    if typ is None:
        return ()
    child = _TYPES[typ][1]
    if v.tag == "array" and child:  # the view holds the children of the right kind
        good = ctx.strings(v) if child == "string" else ctx.view.dict_children(v)
        if len(good) == len(v):
            return ()
    return _check_type(v, key, typ)


@wrong_type.on("api_entry")
def _wrong_api_entry_type(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _entry_types(e, C.vocabulary().api_keys)


@wrong_type.on("data_entry")
def _wrong_data_entry_type(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _entry_types(e, C.vocabulary().data_keys)


def _entry_types(e: Entry, known: Dict[str, str]) -> Sequence[Finding]:
    out: List[Finding] = []
    for key, _, v in e.pairs:
        typ = known.get(key)
        if typ is None:
            continue
        want, child = _TYPES[typ]
        if not _tag_ok(v, want) or (child and not (v is e.list_el and len(e.items) == len(v))):
            got = _check_type(v, key, typ)
            if got:
                out += got
    return out


def _check_type(v: etree._Element, key: str, typ: str) -> Sequence[Finding]:
    want, child = _TYPES[typ]
    if not _tag_ok(v, want):
        return [Finding(v, f"{key} must be {_tag_name(want) if want != 'array' else 'an <array>'}"
                        f"{' of <' + child + '>' if child else ''}, found <{v.tag}>",
                        f"write {key} as {'an ' if want == 'array' else ''}{typ}")]
    if child:
        return [Finding(c, f"{key} must hold only <{child}> values, found <{c.tag}>",
                        f"each item of {key} is a <{child}>")
                for c in v.iterchildren(etree.Element) if c.tag != child]
    return ()


@rule("missing-key", "error",
      "an entry lacks one of the keys Apple requires in it",
      """An accessed-API entry "contains exactly two keys" (TN3183) and a collected-data entry
      "exactly four" (TN3184). Xcode's privacy report fails on an entry missing its type
      (AppAuth-iOS#829) and App Store Connect treats the manifest as invalid, so this is an
      error.""",
      "add the missing key to the entry",
      ITMS_INVALID, on="api_entry")
def missing_key(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _missing(e, C.vocabulary().api_keys, C.API_TYPES)


@missing_key.on("data_entry")
def _missing_data_key(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _missing(e, C.vocabulary().data_keys, C.DATA_TYPES)


def _missing(e: Entry, known: Dict[str, str], owner: str) -> Sequence[Finding]:
    if not e.pairs and is_empty_dict(e.el):
        return ()  # reported once, as empty-value
    have = e.values
    missing = [k for k in known if k not in have]
    if missing:
        return [Finding(e.el, f"this {owner} entry lacks {', '.join(missing)}",
                        "add " + ", ".join(f"<key>{k}</key> ({known[k]})" for k in missing))]
    return ()


@rule("missing-collected-data-types", "warning",
      "the top-level NSPrivacyCollectedDataTypes key is absent",
      """Apple's text makes the key optional, but Xcode's Generate Privacy Report prints "Missing
      an expected key: 'NSPrivacyCollectedDataTypes'" for a manifest without it
      (couchbase-lite-ios#3257, Swinject#555). No App Store rejection is documented, so this is
      a warning.""",
      "add <key>NSPrivacyCollectedDataTypes</key><array/> when nothing is collected")
def missing_collected_data_types(ctx: Context, _: None) -> Sequence[Finding]:
    top = ctx.top
    if top is None or not ctx.top_pairs():
        return ()  # an empty manifest is reported as such
    if not ctx.top_values(C.DATA_TYPES):
        return [Finding(top, "NSPrivacyCollectedDataTypes is absent")]
    return ()


@rule("empty-value", "error",
      "an empty string or an empty <dict/> where Apple expects an identifier or an entry",
      """Placeholders such as <string></string> for a data type or purpose, or an empty <dict/>
      in an entry list, are invalid values: New Relic's empty API entry drew ITMS-91056
      (newrelic-ios-agent#215) and Xcode's report fails on them (TOCropViewController#575). This
      is an error; `--fix` removes empty <dict/> entries.""",
      "remove the empty entry, or fill in the identifier",
      ITMS_INVALID, fixable=True, on="api_entry")
def empty_value(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _empty_entry(e, C.API_TYPES, C.API_TYPE, C.REASONS)


@empty_value.on("data_entry")
def _empty_data_value(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _empty_entry(e, C.DATA_TYPES, C.DATA_TYPE, C.PURPOSES)


def _empty_entry(e: Entry, owner: str, ident_key: str, list_key: str) -> Sequence[Finding]:
    """An empty entry, an empty identifier, and each empty string of the entry's list."""
    out: List[Finding] = []
    if not e.pairs and is_empty_dict(e.el):
        out.append(_empty_dict(e.el, owner))
    el = e.ident_el
    if el is not None and not e.ident and el.tag == "string":
        out.append(_empty_finding(el, ident_key))
    for text, s in e.items:
        if not text:
            out.append(_empty_finding(s, list_key))
    return out


@empty_value.on("domain")
def _empty_domain(ctx: Context, domain: Tuple[str, etree._Element]) -> Sequence[Finding]:
    return () if domain[0] else [_empty_finding(domain[1], C.DOMAINS)]


@empty_value.fixer(phase=1)
def _remove_empty_entries(fx: Fixer, r: Rule) -> None:
    for f in fx.found(r.name):  # the empty <dict/> entries; an empty string has no meaning-free fix
        if f.element is not None and f.element.tag == "dict":
            fx.remove(f.element)
            fx.note(f.element, r.name, f"removed an empty <dict/> entry from {f.subject}")


def _empty_dict(d: etree._Element, key: str) -> Finding:
    return Finding(d, f"empty <dict/> entry in {key}", "remove it (`trtc-privacy lint --fix` does)",
                   subject=key)


def _empty_finding(el: etree._Element, key: str) -> Finding:
    return Finding(el, f"empty string in {key}",
                   "write one of Apple's identifiers, or remove the value")


@rule("padded-identifier", "error",
      "an identifier or tracking domain with whitespace around it (<string> CA92.1</string>)",
      """A property list keeps a string's whitespace, and Apple compares identifiers exactly:
      "<string> CA92.1</string>" is not the reason CA92.1, and a category followed by a line
      break is no category at all, so the API use it was meant to declare is undeclared. Such
      values come from hand edits and templates; this is an error that `--fix` repairs by
      removing the whitespace.""",
      "remove the spaces and line breaks inside the <string> (`trtc-privacy lint --fix` does)",
      ITMS_INVALID, fixable=True, on="api_entry")
def padded_identifier(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _padded(e.ident_el, C.API_TYPE)


@padded_identifier.on("data_entry")
def _padded_data_type(ctx: Context, e: Entry) -> Sequence[Finding]:
    return _padded(e.ident_el, C.DATA_TYPE)


@padded_identifier.on("reason")
def _padded_reason(ctx: Context, reason: Tuple[object, str, etree._Element, object]
                   ) -> Sequence[Finding]:
    return _padded(reason[2], C.REASONS)


@padded_identifier.on("purpose")
def _padded_purpose(ctx: Context, purpose: Tuple[object, str, etree._Element, object]
                    ) -> Sequence[Finding]:
    return _padded(purpose[2], C.PURPOSES)


@padded_identifier.on("domain")
def _padded_domain(ctx: Context, domain: Tuple[str, etree._Element]) -> Sequence[Finding]:
    return _padded(domain[1], C.DOMAINS)


def _padded(el: Optional[etree._Element], key: str) -> Sequence[Finding]:
    if el is None or el.tag != "string":
        return ()
    exact = el.text or "" if not len(el) else text_of(el)
    if not exact or (not exact[0].isspace() and not exact[-1].isspace()):
        return ()
    value = exact.strip()
    if not value:
        return ()  # an empty value is reported as such
    return [Finding(el, f"{key} value {_shown(exact)} has whitespace around it; Apple reads "
                    f"it exactly, so it is not \"{value}\"", f"write <string>{value}</string>",
                    subject=value, repair=value)]


def _shown(text: str) -> str:
    """A value in quotes with its invisible characters made visible."""
    return '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r") \
        .replace("\t", "\\t") + '"'


@padded_identifier.fixer(phase=0)
def _strip_padding(fx: Fixer, r: Rule) -> None:
    for f in fx.found(r.name):
        el, value = f.element, f.repair
        if el is None or value is None or el in fx.renamed:
            continue
        fx.rename(el, value)
        fx.note(el, r.name, f"removed the whitespace around \"{value}\"")


@rule("duplicate-key", "error",
      "the same key appears twice in one <dict>",
      """A property-list dictionary holds each key once; readers keep one of the repeated values
      and silently drop the other (Python's plistlib keeps the last), so what App Store Connect
      reads is not what the file says. This is an error; `--fix` does not guess which to keep.""",
      "keep one <key> and merge the values by hand", on="dict")
def duplicate_key(ctx: Context, d: etree._Element) -> Sequence[Finding]:
    pairs = ctx.pairs(d)
    if len({key for key, _, _ in pairs}) == len(pairs):
        return ()
    seen = set()
    out = []
    for key, k, _ in pairs:
        if key in seen:
            out.append(Finding(k, f"key \"{key}\" repeats an earlier key in the same <dict>"))
        seen.add(key)
    return out


@rule("empty-manifest", "warning",
      "the root <dict> declares nothing at all",
      """Apple DTS advised "avoid adding an empty privacy manifest to your framework", while
      another forum answer advised adding one; the sources disagree and no rejection is
      documented, so this is a warning. Xcode's own template writes the four keys with empty
      values.""",
      "declare NSPrivacyTracking, NSPrivacyCollectedDataTypes and NSPrivacyAccessedAPITypes, "
      "even as <false/> and <array/>, or remove the file")
def empty_manifest(ctx: Context, _: None) -> Sequence[Finding]:
    top = ctx.top
    if top is not None and not ctx.top_pairs():
        return [Finding(top, "the manifest's <dict> is empty")]
    return ()


@rule("wrong-file-name", "warning",
      "the file is not named exactly PrivacyInfo.xcprivacy",
      """Apple reads a bundle's manifest only from a file named exactly PrivacyInfo.xcprivacy
      ("this is the required file name"), so a file named otherwise declares nothing. It is a
      warning, not an error, because a file linted by name may be a template kept under another
      name on purpose, and one case variant was seen accepted (dotnet/macios#19966).""",
      "rename the file to PrivacyInfo.xcprivacy")
def wrong_file_name(ctx: Context, _: None) -> Sequence[Finding]:
    if not ctx.check_name:
        return ()
    name = os.path.basename(ctx.doc.path)
    if name != MANIFEST_NAME:
        return [Finding(None, f"file name \"{name}\" is not {MANIFEST_NAME}")]
    return ()


RULES = [root_not_dict, unknown_key, wrong_type, missing_key, missing_collected_data_types,
         empty_value, padded_identifier, duplicate_key, empty_manifest, wrong_file_name]
