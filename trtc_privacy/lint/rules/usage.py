"""Findings about what code does rather than what a manifest says: ``scan`` and ``audit``.

They are made where the uses are compared with the manifests that cover them (``usage.py``,
``audit.py``), not by a check over one document, so each rule here has no check of its own; it is
registered so that ``explain``, SARIF and the configuration's ``ignore``/``[severity]`` know it.
"""

from __future__ import annotations

from trtc_privacy.lint.rules.base import parse_rule

API_NOT_DECLARED = parse_rule(
    "api-not-declared", "error",
    "code uses a required-reason API whose category no manifest covering it declares",
    """App Store Connect looks for calls to required-reason APIs in every uploaded binary and
    emails ITMS-91053 "Missing API declaration", naming the binary, when neither that bundle's
    privacy manifest nor the app's declares the category. Apple does not publish how it looks,
    so this is a prediction: the evidence lists every symbol, selector or source line it rests
    on. It is an error because the upload is rejected for it.""",
    "declare the category with one of the reasons Apple allows, in the manifest named; "
    "docs/scan.md tells how `trtc-privacy scan` finds uses",
    ("ITMS-91053",), scope="scan")

API_DECLARED_BY_APP_ONLY = parse_rule(
    "api-declared-by-app-only", "warning",
    "a framework uses a required-reason API that only the app's manifest declares",
    """Apple asks each SDK to declare the APIs it uses in its own manifest. The app's
    declaration covers the framework today by most reports, but an SDK update, or App Store
    Connect reading the framework on its own, can turn it into ITMS-91053. A warning.""",
    "ask the SDK's vendor for a manifest (or a newer version that ships one); the app's "
    "declaration is the stopgap", scope="scan")

API_DECLARED_NOT_USED = parse_rule(
    "api-declared-not-used", "note",
    "a manifest declares a required-reason API category that nothing it covers was found to use",
    """Declaring more than is used is not rejected, but every reason declared is a claim the
    developer makes to Apple. The scanner sees only what is in the files it read (a use through
    a library it could not read is invisible), so this is a note.""",
    "remove the declaration if nothing in the bundle uses the API", scope="scan")

API_DECLARED_SDK_ONLY = parse_rule(
    "api-declared-sdk-only", "warning",
    "the app's own code uses a required-reason API whose only declared reasons are SDK-only",
    """0A2A.1 and C56D.1 "may only be declared by third-party SDKs": they cover an SDK's wrapper
    around the API, not the app's own calls. When the app's code uses the category and the
    app's manifest gives no other reason for it, the app's use has no reason Apple allows an
    app. No rejection for it is documented, so it is a warning; the hint lists the app's
    reasons.""",
    "add the app reason that describes the app's own use", scope="scan")

SDK_WITHOUT_MANIFEST = parse_rule(
    "sdk-without-manifest", "error",
    "a framework on Apple's list of commonly used SDKs carries no privacy manifest",
    """Since 12 February 2025 App Store Connect rejects new apps and updates that include an SDK
    from Apple's list of commonly used third-party SDKs without its privacy manifest (ITMS-91061
    "Missing privacy manifest"). A manifest at an .xcframework's root is not copied into the app
    and does not count. The upload is rejected, so it is an error.""",
    "update the SDK to a version that ships PrivacyInfo.xcprivacy inside its framework",
    ("ITMS-91061",), scope="audit")

SDK_SIGNATURE_MISSING = parse_rule(
    "sdk-signature-missing", "error",
    "a framework on Apple's list of commonly used SDKs is not signed",
    """App Store Connect rejects an app whose binary copy of a listed SDK has no signature
    (ITMS-91065 "Missing signature"). Archives record each embedded xcframework's signature in
    Signatures/; a receipt that says it is unsigned predicts the email, an error.""",
    "use the vendor's signed xcframework (their release, not a local build)",
    ("ITMS-91065",), scope="audit")

SIGNATURES_UNKNOWN = parse_rule(
    "signatures-unknown", "note",
    "the artifact has no Signatures/ folder, so SDK signatures cannot be checked",
    """Xcode writes Signatures/ into archives and App Store exports; development and ad-hoc
    exports leave it out. Without it nothing can be said about ITMS-91065, so this is a note,
    said once per artifact.""",
    "audit the .xcarchive, or an App Store export, to check signatures", scope="audit")

BINARY_ENCRYPTED = parse_rule(
    "binary-encrypted", "note",
    "a binary is encrypted (FairPlay), so only part of it could be read",
    """A binary downloaded from the App Store carries LC_ENCRYPTION_INFO with cryptid 1; its
    text and data are encrypted, so selectors are unreadable. Imported symbols are still read,
    so findings are incomplete, not wrong: a note.""",
    "audit the build you upload (the .xcarchive or App Store export), not a downloaded one",
    scope="audit")

BAD_BINARY = parse_rule(
    "bad-binary", "error",
    "a binary could not be read as Mach-O (truncated, or not what its name says)",
    """A file that should be a Mach-O image (a framework's executable, a static library) and
    cannot be read is bad input, an error: nothing about its API use can be said, so the run
    exits 2.""",
    "rebuild or re-download the file; `file PATH` says what it really is", scope="scan")

BAD_ARTIFACT = parse_rule(
    "bad-artifact", "error",
    "the .ipa, .xcarchive or .app cannot be read safely",
    """A truncated zip, a zip bomb, a member path that escapes the archive, a symbolic link
    that points outside the bundle or absurd counts are refused: nothing is extracted, and the
    run exits 2 with an error.""",
    "check the file is the artifact Xcode exported; re-export it", scope="audit")

RULES = (API_NOT_DECLARED, API_DECLARED_BY_APP_ONLY, API_DECLARED_NOT_USED, API_DECLARED_SDK_ONLY,
         SDK_WITHOUT_MANIFEST, SDK_SIGNATURE_MISSING, SIGNATURES_UNKNOWN, BINARY_ENCRYPTED,
         BAD_BINARY, BAD_ARTIFACT)
