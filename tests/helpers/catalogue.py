"""What the catalogue's manifests were read from: the real files under ../shared/reference/, and
what a manifest declares, for tests that check the catalogue and the merge against them."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Set, Tuple

from trtc_privacy.manifest.model import from_document
from trtc_privacy.manifest.reader import parse, read_bytes

#: each catalogue manifest, and the real files (under ../shared/reference/) it was written from
#: or that declare the same: Tencent's documentation transcribed, or a shipped file
READ_FROM: Dict[str, List[str]] = {
    "TXLiteAVSDK_TRTC-11.7": ["vendor-manifests/trtc.xcprivacy",
                              "trtc/TXLiteAVSDK_TRTC/12.4.17861/PrivacyInfo.xcprivacy",
                              "trtc/TXLiteAVSDK_TRTC/12.8.19666/PrivacyInfo.xcprivacy",
                              "trtc/TXLiteAVSDK_Live/12.0.16301/PrivacyInfo.xcprivacy"],
    "TXLiteAVSDK_Professional-11.7": ["vendor-manifests/trtc-professional.xcprivacy"],
    "TXLiteAVSDK_ReplayKitExt-11.8.15687": [
        "trtc/TXLiteAVSDK_TRTC-ReplayKitExt/11.8.15687/PrivacyInfo.xcprivacy",
        "trtc/TXLiteAVSDK_TRTC-ReplayKitExt/12.8.19666/PrivacyInfo.xcprivacy",
        "trtc/TXLiteAVSDK_Live-ReplayKitExt/12.0.16301/PrivacyInfo.xcprivacy"],
    "TXFFmpeg-12.0.16301": ["trtc/TXLiteAVSDK_Live-TXFFmpeg/12.0.16301/PrivacyInfo.xcprivacy",
                            "trtc/TXLiteAVSDK_TRTC-TXFFmpeg/12.8.19666/PrivacyInfo.xcprivacy"],
    "TXSoundTouch-12.0.16301": [
        "trtc/TXLiteAVSDK_Live-TXSoundTouch/12.0.16301/PrivacyInfo.xcprivacy",
        "trtc/TXLiteAVSDK_TRTC-TXSoundTouch/12.8.19666/PrivacyInfo.xcprivacy"],
    "TUICallKit-2.3.0.920": ["trtc/TUICallKit_Swift/2.3.0.920/PrivacyInfo.xcprivacy",
                             "trtc/TUICallKit_Swift/3.4.0/PrivacyInfo.xcprivacy",
                             "trtc/TUICallKit_ObjC/2.6.0.1080/PrivacyInfo.xcprivacy"],
    "TUICallKit-2.3.0.920-documented": ["vendor-manifests/tuicallkit.xcprivacy"],
    "RTCRoomEngine-2.3.0": [
        "vendor-manifests/tuiroomkit.xcprivacy", "vendor-manifests/tuilivekit.xcprivacy",
        "trtc/catalogue-2026/manifests/masonqiaoA__ios_pod__RTCRoomEngine__3.7.0.416.xcprivacy"],
    "TXIMSDK_Plus_iOS-7.9.5666": [
        "trtc/catalogue-2026/manifests/swiftpackm__TIMSDK__ImSDK_Plus_Swift__8.4.6667.xcprivacy"],
    "TUICore-7.9.5666": [
        "trtc/catalogue-2026/manifests/TencentCloud__chat-uikit-ios__TUICore__7.9.5666.xcprivacy"],
    "TUIChat-7.9.5666": [
        "trtc/catalogue-2026/manifests/TencentCloud__chat-uikit-ios__TUIChat__7.9.5666.xcprivacy"],
    "TUIVoiceToTextPlugin-7.9.5666": ["trtc/catalogue-2026/manifests/"
                                      "TencentCloud__chat-uikit-ios__TUIVoiceToTextPlugin__7.9.5666"
                                      ".xcprivacy"],
    "TUIMultimediaPlugin-8.3.6498": ["trtc/catalogue-2026/manifests/"
                                     "TencentCloud__chat-uikit-ios__TUIMultimediaPlugin__8.3.6498"
                                     ".xcprivacy"],
    "TIMAppKit-7.9.5666": [
        "trtc/catalogue-2026/manifests/TencentCloud__chat-uikit-ios__TIMAppKit__7.9.5666.xcprivacy"],
}


def declared(path: Path) -> Set[Tuple[str, ...]]:
    """What a manifest declares (NSPrivacyTracking false and an empty domain list declare
    nothing: the same as absent)."""
    return set(from_document(parse(read_bytes(str(path)), str(path))).declarations())
