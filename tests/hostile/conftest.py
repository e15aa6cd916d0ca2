"""Every test in this folder is an adversarial one: marked ``hostile``, so that
``pytest -m hostile`` runs them alone and ``-m "not hostile"`` leaves them out."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.hostile)
