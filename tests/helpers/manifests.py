"""Manifests written as text for a test: entries, data types, domains."""

from __future__ import annotations

from typing import List

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n')


BASE_TAIL = ("\t<key>NSPrivacyCollectedDataTypes</key>\n\t<array/>\n")


def doc(body: str, data_types: bool = True) -> str:
    """A manifest whose root dict holds ``body`` (plus an empty data-types key unless told)."""
    if body.lstrip().startswith(("<plist", "<!DOCTYPE", "<dict")):
        return HEAD + body
    return HEAD + '<plist version="1.0">\n<dict>\n' + body + (BASE_TAIL if data_types else "") + \
        "</dict>\n</plist>\n"


def api(category: str, *reasons: str, mark: str = "") -> str:
    rs = "".join(f"\t\t\t\t{r}\n" if r.startswith(("@", "<")) else f"\t\t\t\t<string>{r}</string>\n"
                 for r in reasons)
    return ("\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array>\n\t\t<dict>\n"
            "\t\t\t<key>NSPrivacyAccessedAPIType</key>\n"
            f"\t\t\t{mark}<string>{category}</string>\n"
            "\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>\n"
            f"\t\t\t<array>\n{rs}\t\t\t</array>\n\t\t</dict>\n\t</array>\n")


def data(dtype: str, purposes: List[str], tracking: str = "false", mark: str = "") -> str:
    ps = "".join(f"\t\t\t\t{p}\n" if p.startswith(("@", "<")) else f"\t\t\t\t<string>{p}</string>\n"
                 for p in purposes)
    return ("\t<key>NSPrivacyCollectedDataTypes</key>\n\t<array>\n\t\t<dict>\n"
            "\t\t\t<key>NSPrivacyCollectedDataType</key>\n"
            f"\t\t\t{mark}<string>{dtype}</string>\n"
            "\t\t\t<key>NSPrivacyCollectedDataTypeLinked</key>\n\t\t\t<false/>\n"
            f"\t\t\t<key>NSPrivacyCollectedDataTypeTracking</key>\n\t\t\t<{tracking}/>\n"
            f"\t\t\t<key>NSPrivacyCollectedDataTypePurposes</key>\n\t\t\t<array>\n{ps}"
            "\t\t\t</array>\n\t\t</dict>\n\t</array>\n")


def two(first: str, second: str) -> str:
    """One top-level array holding the entries of two single-entry arrays."""
    head, _, entry = second.partition("\t<array>\n")
    return first[: first.rindex("\t</array>\n")] + entry


P = "NSPrivacyCollectedDataTypePurposeAppFunctionality"


UD = "NSPrivacyAccessedAPICategoryUserDefaults"


DS = "NSPrivacyAccessedAPICategoryDiskSpace"


FT = "NSPrivacyAccessedAPICategoryFileTimestamp"
BT = "NSPrivacyAccessedAPICategorySystemBootTime"
AK = "NSPrivacyAccessedAPICategoryActiveKeyboards"


TRACK_TRUE = "\t<key>NSPrivacyTracking</key>\n\t<true/>\n"


TRACK_FALSE = "\t<key>NSPrivacyTracking</key>\n\t<false/>\n"


def domains(*ds: str) -> str:
    return ("\t<key>NSPrivacyTrackingDomains</key>\n\t<array>\n"
            + "".join(f"\t\t{d}\n" if d.startswith(("@", "<")) else f"\t\t<string>{d}</string>\n"
                      for d in ds) + "\t</array>\n")


def manifest(*categories: str) -> bytes:
    """A PrivacyInfo.xcprivacy declaring ``categories`` (each with a reason Apple allows)."""
    reason = {FT: "C617.1", BT: "35F9.1", DS: "E174.1", AK: "54BD.1", UD: "CA92.1"}
    entries = "".join(
        "\t\t<dict>\n\t\t\t<key>NSPrivacyAccessedAPIType</key>\n"
        f"\t\t\t<string>{c}</string>\n\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>\n"
        f"\t\t\t<array>\n\t\t\t\t<string>{reason[c]}</string>\n\t\t\t</array>\n\t\t</dict>\n"
        for c in categories)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
            '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
            '<plist version="1.0">\n<dict>\n\t<key>NSPrivacyTracking</key>\n\t<false/>\n'
            "\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array>\n" + entries
            + "\t</array>\n</dict>\n</plist>\n").encode()
