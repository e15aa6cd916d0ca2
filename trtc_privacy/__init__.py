"""trtc-privacy: merge and lint Apple privacy manifests for apps that embed Tencent's TRTC SDKs.

Kept import-free so that ``--version`` and every command start fast.
"""

__version__ = "0.1.0"
