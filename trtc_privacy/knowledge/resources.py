"""The one place that knows where the shipped data lives (vendor manifests, templates, Apple's lists).

``manifests/`` and ``templates/`` sit at the repository's top level and are installed as the
packages ``trtc_privacy.manifests`` and ``trtc_privacy.templates``, so the same lookups work in a
wheel and in an editable install. Run from a checkout that is not installed (``python -m
trtc_privacy`` at the repository's root), the package has no such subpackages, and the folders are
found beside it instead.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any


def _package_dir(package: str, folder: str) -> Path:
    from importlib import import_module

    try:
        mod = import_module(package)
    except ImportError:  # a checkout run in place: the folder sits beside the package
        return Path(__file__).resolve().parents[2] / folder
    return Path(mod.__file__).resolve().parent  # type: ignore[arg-type]


def manifests_dir() -> Path:
    return _package_dir("trtc_privacy.manifests", "manifests")


def templates_dir() -> Path:
    return _package_dir("trtc_privacy.templates", "templates")


def data_dir() -> Path:
    return Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=None)
def load_json(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def vendor_catalogue() -> Any:
    return load_json(str(manifests_dir() / "catalogue.json"))


def apple_vocabulary() -> Any:
    return load_json(str(data_dir() / "apple.json"))


def jinja_env(autoescape: bool = False) -> Any:
    """A jinja2 environment over ``templates/``; imported only by commands that render."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
