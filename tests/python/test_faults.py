"""Outputs under faults: a process killed mid-write, and a write that fails (a full disk).

A writer killed with SIGKILL cannot clean up, so the guarantee is about the *target*: it is
absent, the previous complete version, or the new complete version — never a partial file.
The killed writer may leave a hidden temporary (``.NAME.tmp-*``) beside it, never under the
target's name. A failing write (here: the process's file-size limit, RLIMIT_FSIZE, which makes
write(2) fail with EFBIG exactly like a full disk fails with ENOSPC, without needing root to
mount a small file system) must raise a clear corridor error and leave the target as it was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXERCISE

import corridor

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals and rlimits")

# A network big enough that writing it takes a noticeable time (a GeoPackage of ~40k routes).
MAKE_NETWORK = """
import numpy as np, pandas as pd, corridor

def network(n, seed):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(22, 38, n); lat = rng.uniform(2, 16, n)
    loc = pd.DataFrame({"name": [f"p{i}" for i in range(n)], "lat": lat, "lon": lon,
                        "country": np.where(lon < 30, "A", "B"), "kind": "town",
                        "population": rng.integers(100, 10000, n)})
    order = np.argsort(lon)
    a = order[:-1]; b = order[1:]
    extra = rng.integers(0, n, (2, 3 * n))
    keep = extra[0] != extra[1]
    fr = np.concatenate([a, extra[0][keep]]); to = np.concatenate([b, extra[1][keep]])
    pairs = {tuple(sorted(p)) for p in zip(fr.tolist(), to.tolist())}
    fr, to = np.array(sorted(pairs)).T
    km = 111.2 * np.hypot(lat[fr] - lat[to], (lon[fr] - lon[to]) * np.cos(np.radians(lat[fr])))
    routes = pd.DataFrame({"from": loc["name"].to_numpy()[fr], "to": loc["name"].to_numpy()[to],
                           "distance_km": np.maximum(km, 0.1)})
    return corridor.Network.from_frames(loc, routes)
"""


def _writer_script(body: str) -> str:
    return textwrap.dedent(MAKE_NETWORK) + textwrap.dedent(body)


def _run_and_kill(script: str, delay_s: float, cwd: Path) -> None:
    """Start the writer; once it says the first version is complete, wait ``delay_s`` and kill it."""
    with subprocess.Popen([sys.executable, "-c", script], cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        try:
            line = proc.stdout.readline()
            if line.strip() != "first written":
                proc.kill()
                raise AssertionError(f"writer failed: {line!r} {proc.stderr.read()}")
            time.sleep(delay_s)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _route_counts() -> dict[int, int]:
    """Routes of each version written, keyed by its number of places."""
    namespace: dict = {}
    exec(textwrap.dedent(MAKE_NETWORK), namespace)
    return {n: namespace["network"](n, seed).num_routes for n, seed in ((6000, 1), (9000, 2))}


def _features(path: Path, layer: str) -> int:
    import pyogrio

    return int(pyogrio.read_info(path, layer=layer)["features"])


@pytest.mark.parametrize("delay_s", [0.05, 0.3, 0.8, 1.5])
def test_sigkill_while_writing_a_geopackage(tmp_path, delay_s):
    # Version 1 has 6,000 places, versions 2, 3, ... have 9,000: whatever instant the kill
    # lands on, the target must open and hold one whole version.
    script = _writer_script("""
        import sys
        small, big = network(6000, 1), network(9000, 2)
        small.write("out.gpkg")
        print("first written", flush=True)
        while True:
            big.write("out.gpkg")
    """)
    _run_and_kill(script, delay_s, tmp_path)
    target = tmp_path / "out.gpkg"
    assert target.exists()  # version 1 was complete before the kill
    versions = _route_counts()
    n_loc = _features(target, "locations")
    assert n_loc in versions
    # the routes layer belongs to the same version as the locations layer
    assert _features(target, "routes") == versions[n_loc]
    names = {p.name for p in tmp_path.iterdir()}
    assert all(n == "out.gpkg" or n.startswith(".out") for n in names), names


@pytest.mark.parametrize("delay_s", [0.1, 0.6])
def test_sigkill_while_writing_csv(tmp_path, delay_s):
    script = _writer_script("""
        small, big = network(6000, 1), network(9000, 2)
        small.write("net.csv")
        print("first written", flush=True)
        while True:
            big.write("net.csv")
    """)
    _run_and_kill(script, delay_s, tmp_path)
    for name in ("net_locations.csv", "net_routes.csv"):
        frame = pd.read_csv(tmp_path / name)  # parses whole: no truncated last line
        assert len(frame) > 0
    versions = _route_counts()
    locations = pd.read_csv(tmp_path / "net_locations.csv")
    routes = pd.read_csv(tmp_path / "net_routes.csv")
    # each file is one whole version (the two files are renamed one after the other, so a
    # kill between the two renames could pair versions: a window of one system call)
    assert len(locations) in versions
    assert len(routes) in versions.values()


@pytest.mark.parametrize("delay_s", [0.2, 1.0])
def test_sigkill_while_writing_a_projection_folder(tmp_path, delay_s):
    script = textwrap.dedent(f"""
        import corridor
        s = corridor.Scenario.from_toml({str(EXERCISE / "scenario.toml")!r})
        a = s.run(progress=False)
        s["events"][0]["people"] = 150000
        b = s.run(progress=False)
        a.write("proj")
        print("first written", flush=True)
        while True:
            b.write("proj")
    """)
    _run_and_kill(script, delay_s, tmp_path)
    out = tmp_path / "proj"
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(["projection.gpkg", "site_daily.csv", "balance.csv", "summary.md",
                            "busiest_sites.png"])
    balance = pd.read_csv(out / "balance.csv")
    spawned = balance["spawned"].iloc[-1]
    assert spawned == pytest.approx(160_000) or spawned == pytest.approx(190_000)
    daily = pd.read_csv(out / "site_daily.csv")
    assert len(daily) == 120 * 56
    # the GeoPackage is of the same version as the CSVs (one folder, swapped as a whole)
    import pyogrio

    gdf = pyogrio.read_dataframe(out / "projection.gpkg", layer="site_daily", read_geometry=False)
    last = daily[daily["day"] == 119]["population"].sum()
    assert gdf[gdf["day"] == 119]["population"].sum() == pytest.approx(last, rel=1e-6)
    # nothing but hidden temporaries beside it
    assert all(p.name == "proj" or p.name.startswith(".proj.") for p in tmp_path.iterdir())


# ------------------------------------------------------------------------------ failing writes

FSIZE_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG
import corridor
LIMIT = int(sys.argv[1])
SOFT, HARD = resource.getrlimit(resource.RLIMIT_FSIZE)

def limit():      # the soft limit only, so that it can be lifted again
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, HARD))

def unlimit():
    resource.setrlimit(resource.RLIMIT_FSIZE, (SOFT, HARD))
"""


def _limited(script: str, limit: int, cwd: Path) -> subprocess.CompletedProcess:
    body = textwrap.dedent(FSIZE_LIMITED) + textwrap.dedent(MAKE_NETWORK) + textwrap.dedent(script)
    return subprocess.run([sys.executable, "-c", body, str(limit)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("name", ["out.gpkg", "out.geojson", "out.csv", "out.fgb"])
def test_a_full_disk_gives_a_clear_error_and_keeps_the_old_file(tmp_path, name):
    result = _limited(f"""
        small, big = network(200, 1), network(9000, 2)
        written = small.write({name!r})
        before = {{p: open(p, "rb").read() for p in written}}
        limit()
        try:
            big.write({name!r})
        except corridor.IoError as exc:
            print("IoError:", exc)
        else:
            print("no error")
        unlimit()
        after = {{p: open(p, "rb").read() for p in written}}
        print("unchanged" if before == after else "CHANGED")
    """, 200_000, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("IoError:"), result.stdout + result.stderr
    assert "out" in lines[0]  # names the file
    assert lines[-1] == "unchanged"
    leftovers = [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]
    assert leftovers == []


def test_a_full_disk_while_writing_a_projection_keeps_the_old_folder(tmp_path):
    result = _limited(f"""
        s = corridor.Scenario.from_toml({str(EXERCISE / "scenario.toml")!r})
        p = s.run(progress=False)
        p.write("proj")
        before = sorted((q.name, q.stat().st_size) for q in __import__("pathlib").Path("proj").iterdir())
        limit()
        try:
            p.write("proj")
        except (corridor.Error, OSError) as exc:
            print("error:", type(exc).__name__, exc)
        else:
            print("no error")
        after = sorted((q.name, q.stat().st_size) for q in __import__("pathlib").Path("proj").iterdir())
        print("unchanged" if before == after else "CHANGED")
    """, 300_000, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("error:"), result.stdout + result.stderr
    assert lines[-1] == "unchanged"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]  # temporaries removed


def test_a_full_disk_while_writing_an_ensemble(tmp_path):
    result = _limited(f"""
        s = corridor.Scenario.from_toml({str(EXERCISE / "scenario.toml")!r})
        e = corridor.ensemble(s, members=20, seed=1, progress=False,
                              vary={{"events[0].people": ("uniform", 90000, 150000)}})
        limit()
        try:
            e.write("ens")
        except (corridor.Error, OSError) as exc:
            print("error:", type(exc).__name__)
        else:
            print("no error")
    """, 100_000, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("error:"), result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []
