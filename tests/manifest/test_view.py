"""The View names places: the same place in two documents has the same name, whatever its line.

The merge decides which findings of its result it caused by rule and place; the place must not
depend on how either file is laid out.
"""

from __future__ import annotations

from trtc_privacy.knowledge import apple as C
from trtc_privacy.manifest.reader import Document, parse
from trtc_privacy.manifest.view import view_of

DISK = "NSPrivacyAccessedAPICategoryDiskSpace"
ENTRY = (f"<dict><key>{C.API_TYPE}</key><string>{DISK}</string>"
         f"<key>{C.REASONS}</key><array><string>E174.1</string></array></dict>")


def _doc(body: str, path: str = "PrivacyInfo.xcprivacy") -> Document:
    return parse(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>"
                  f"{body}</dict>\n</plist>\n").encode(), path)


def _reason(doc: Document) -> tuple:
    view = view_of(doc)
    (entry,) = [e for e in view.facts(C.API_TYPES) if e.ident == DISK]
    (_, string), = entry.items
    return doc.position(string)


def test_a_place_is_named_by_keys_and_identifiers_not_lines() -> None:
    compact = _doc(f"<key>{C.API_TYPES}</key><array>{ENTRY}</array>")
    spread = _doc(f"\n<key>{C.TRACKING}</key>\n<false/>\n<key>{C.API_TYPES}</key>\n<array>\n"
                  f"<dict><key>{C.API_TYPE}</key><string>Other</string></dict>\n"
                  + ENTRY.replace("><", ">\n<") + "\n</array>\n")
    names = []
    for doc in (compact, spread):
        line, column = _reason(doc)
        names.append(view_of(doc).place_at(line, column))
    assert names[0] == names[1] == (f"value:{C.API_TYPES}", f"item:entry:{DISK}",
                                    f"value:{C.REASONS}", "item:string:E174.1")
    assert _reason(compact) != _reason(spread)


def test_a_place_without_an_element_is_its_line_or_the_document() -> None:
    doc = _doc(f"<key>{C.TRACKING}</key><true/>")
    view = view_of(doc)
    assert view.place_at(None, None) == ("document",)
    assert view.place_at(2, 99) == ("text", "<plist version=\"1.0\">")
    assert view.place_at(99, None) == ("text", "")
    (key,) = [k for _, k, _ in view.top_pairs()]
    assert view.place(key) == (f"key:{C.TRACKING}",)
