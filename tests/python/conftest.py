"""Shared fixtures: one small hand-checked network and the bundled exercise region."""

from __future__ import annotations

from pathlib import Path

import pytest

import corridor

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny"
EXERCISE = ROOT / "data" / "exercise"
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module")
def tiny() -> corridor.Network:
    return corridor.read_network(TINY / "locations.csv", TINY / "routes.csv")


@pytest.fixture(scope="module")
def exercise() -> corridor.Network:
    return corridor.read_network(EXERCISE / "locations.csv", EXERCISE / "routes.csv")


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path
