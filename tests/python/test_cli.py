"""The command line, run as users run it."""

from __future__ import annotations

import subprocess
import sys

import pyogrio
from conftest import EXERCISE, TINY


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, check=False
    )


def test_export_gpkg(tmp_path):
    out = tmp_path / "exercise.gpkg"
    res = run("export", str(EXERCISE / "locations.csv"), str(EXERCISE / "routes.csv"), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "locations" in res.stdout and f"wrote {out}" in res.stdout
    layers = sorted(name for name, _ in pyogrio.list_layers(out))
    assert layers == ["locations", "routes"]


def test_info(tmp_path):
    res = run("info", str(TINY / "locations.csv"), str(TINY / "routes.csv"))
    assert res.returncode == 0, res.stderr
    assert "components" in res.stdout and "Originland" in res.stdout


def test_error_exit_code(tmp_path):
    res = run("info", str(tmp_path / "missing.csv"), str(TINY / "routes.csv"))
    assert res.returncode == 1
    assert "corridor: error:" in res.stderr and "missing.csv" in res.stderr


def test_version():
    res = run("--version")
    assert res.returncode == 0 and res.stdout.startswith("corridor ")
