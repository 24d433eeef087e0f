"""corridor's agent engine against Flee 3.1, in one run.

    .venv/bin/python benchmarks/agents.py [--quick] [--no-flee] [--output PATH]

1. mali2012: Flee 3.1 run live (``benchmarks/flee/run_flee.py`` in /tmp/flee-venv, seed 0)
   vs corridor ``threads=1`` (best of 3). Without /tmp/flee-venv, or with --no-flee, the Flee
   figure is the one recorded in ``benchmarks/flee/runs/timings.tsv`` (labelled "recorded").
2. car2013: corridor ``threads=2`` and ``threads=1`` (best of 3) vs Flee's recorded time.
3. burundi2015, ssudan2013: corridor ``threads=1`` and ``2`` vs Flee's recorded times.
4. Memory: each case in a fresh subprocess. Baseline = RSS after importing corridor and loading
   the case; the peak-RSS high-water mark is then reset (/proc/self/clear_refs) and read after
   the run (VmHWM; falls back to ``ru_maxrss`` before/after where that is unavailable).
   (peak - baseline) / peak_agents is reported next to the engine's own ``bytes_per_agent``;
   ``ru_maxrss`` before and after are recorded too.
5. A generated case: 4,000,000 agents over 1,000 days (200 locations, 10 camps), threads=2, in a
   fresh subprocess: wall time, peak RSS, agents.

All cases run with ``compat="flee-3.1"`` (the real ones) so the work matches what Flee 3.1 did.
--quick: mali2012 only, Flee recorded, no generated case. Writes benchmarks/results-agents.json
(results-agents-quick.json for --quick).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = (ROOT / ".." / "shared" / "data" / "flee").resolve()
SETTINGS = DATA / "simsetting.yml"
FLEE_PY = Path("/tmp/flee-venv/bin/python")
TIMINGS = HERE / "flee" / "runs" / "timings.tsv"
REPEATS = 3


def loadavg() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def recorded_flee() -> dict[str, dict]:
    """Flee 3.1 seed-0 wall time per case, and the mean over the recorded seeds."""
    out: dict[str, dict] = {}
    with open(TIMINGS, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            rec = out.setdefault(row["case"], {"walls": []})
            rec["walls"].append(float(row["wall_s"]))
            if row["seed"] == "0":
                rec["seed0_s"] = float(row["wall_s"])
                rec["peak_rss_mb"] = float(row["peak_rss_mb"])
    for rec in out.values():
        rec["mean_s"] = sum(rec["walls"]) / len(rec["walls"])
    return out


def run_flee_live(case: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(FLEE_PY), str(HERE / "flee" / "run_flee.py"), str(DATA / case), str(SETTINGS),
               "--seed", "0", "-o", os.path.join(tmp, "out.csv")]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def time_corridor(case_obj, threads: int, repeats: int = REPEATS) -> dict:
    import corridor.flee as cf

    times = []
    raw = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = cf.run(case_obj, seed=0, threads=threads, progress=False)
        times.append(time.perf_counter() - t0)
        raw = res.raw
    return {
        "threads": threads,
        "best_s": min(times),
        "times_s": [round(t, 4) for t in times],
        "peak_agents": int(raw["peak_agents"]),
        "spawned": int(raw["spawned"][-1]),
        "error": round(res.error(), 6),
        "error_rescaled": round(res.error(True), 6),
    }


MEM_SNIPPET = textwrap.dedent(
    """
    import json, re, resource, sys, time, warnings
    warnings.simplefilter("ignore")

    def status_kb(key):
        try:
            with open("/proc/self/status") as fh:
                return int(re.search(key + r":\\s+(\\d+)", fh.read()).group(1))
        except (OSError, AttributeError):
            return None

    import corridor.flee as cf
    case_dir, settings, compat, threads = sys.argv[1], sys.argv[2] or None, sys.argv[3] or None, int(sys.argv[4])
    case = cf.load_case(case_dir, settings=settings, compat=compat)
    ru_base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_base = status_kb("VmRSS")
    try:  # reset the peak-RSS high-water mark (Linux >= 4.0), so a transient peak while
        with open("/proc/self/clear_refs", "w") as fh:  # importing does not hide the run's
            fh.write("5")
        hwm_reset = True
    except OSError:
        hwm_reset = False
    t0 = time.perf_counter()
    res = cf.run(case, seed=0, threads=threads, progress=False)
    wall = time.perf_counter() - t0
    ru_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm = status_kb("VmHWM")
    if hwm_reset and hwm is not None and rss_base is not None:
        base, peak, method = rss_base, hwm, "VmRSS after load -> VmHWM after run (HWM reset)"
    else:
        base, peak, method = ru_base, ru_peak, "ru_maxrss after load -> ru_maxrss after run"
    raw = res.raw
    print(json.dumps({"baseline_kb": base, "peak_kb": peak, "method": method,
                      "ru_maxrss_after_load_kb": ru_base, "ru_maxrss_after_run_kb": ru_peak,
                      "wall_s": wall, "threads": threads,
                      "days": int(raw["days"]), "peak_agents": int(raw["peak_agents"]),
                      "spawned": int(raw["spawned"][-1]), "in_transit_end": int(raw["in_transit"][-1]),
                      "bytes_per_agent": int(raw["bytes_per_agent"])}))
    """
)


def memory_run(case_dir: Path, settings: Path | None, compat: str | None, threads: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEM_SNIPPET, str(case_dir), str(settings or ""), compat or "", str(threads)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    delta = (rec["peak_kb"] - rec["baseline_kb"]) * 1024  # Linux ru_maxrss is in KiB
    rec["rss_delta_bytes"] = delta
    rec["rss_bytes_per_agent"] = delta / max(rec["peak_agents"], 1)
    return rec


# --- the generated 4M-agent case -------------------------------------------------------------

def make_large_case(root: Path, total: int = 4_000_000, days: int = 1000, n_loc: int = 200,
                    n_conflict: int = 20, n_camps: int = 10, seed: int = 7) -> Path:
    """A synthetic Flee case: n_conflict conflict zones (in conflict from day 0), towns, and
    n_camps camps abroad whose registration series grow linearly from 0 to total/n_camps, so
    data-driven spawning (sum_from_camps) spawns `total` agents over `days` days."""
    import numpy as np

    rng = np.random.default_rng(seed)
    case = root / "synthetic4m"
    (case / "input_csv").mkdir(parents=True, exist_ok=True)
    (case / "source_data").mkdir(parents=True, exist_ok=True)
    start = _dt.date(2020, 1, 1)
    end = start + _dt.timedelta(days=days - 1)
    per_camp = total // n_camps
    names, rows = [], []
    n_town = n_loc - n_conflict - n_camps
    for i in range(n_loc):
        lat, lon = rng.uniform(0, 10), rng.uniform(20, 30)
        if i < n_conflict:
            name, kind, country, pop = f"C{i:03d}", "conflict_zone", "Home", int(rng.integers(20_000, 200_000))
        elif i < n_conflict + n_town:
            name, kind, country, pop = f"T{i:03d}", "town", "Home", int(rng.integers(5_000, 100_000))
        else:
            name, kind, country, pop = f"K{i:03d}", "camp", "Abroad", 2 * per_camp  # capacity
            lon += 10.0
        names.append(name)
        rows.append(f"{name},R{i % 10},{country},{lat:.4f},{lon:.4f},{kind},0,{pop}")
    (case / "input_csv" / "locations.csv").write_text(
        "#name,region,country,latitude,longitude,location_type,conflict_date,population\n"
        + "\n".join(rows) + "\n")
    # Routes: a chain through all locations (connected), plus 2 extra random links each.
    edges = set()
    order = list(range(n_loc))
    for a, b in zip(order[:-1], order[1:]):
        edges.add((a, b))
    for a in range(n_loc):
        for b in rng.choice(n_loc, size=2, replace=False):
            if a != b:
                edges.add((min(a, int(b)), max(a, int(b))))
    routes = [f"{names[a]},{names[b]},{int(rng.integers(30, 300))},0" for a, b in sorted(edges)]
    (case / "input_csv" / "routes.csv").write_text(
        "#name1,name2,distance,forced_redirection\n" + "\n".join(routes) + "\n")
    (case / "input_csv" / "closures.csv").write_text("#closure_type,name1,name2,closure_start,closure_end\n")
    cz = names[:n_conflict]
    conflict_lines = ["#Day," + ",".join(cz)] + [f"{d}," + ",".join(["1"] * n_conflict) for d in range(days)]
    (case / "input_csv" / "conflicts.csv").write_text("\n".join(conflict_lines) + "\n")
    (case / "input_csv" / "sim_period.csv").write_text(f"StartDate,{start.isoformat()}\nLength,{days}\n")
    layout = ["total,refugees.csv"]
    for name in names[n_conflict + n_town:]:
        layout.append(f"{name},{name.lower()}.csv")
        (case / "source_data" / f"{name.lower()}.csv").write_text(
            f"{start.isoformat()},0\n{end.isoformat()},{per_camp}\n")
    (case / "source_data" / "data_layout.csv").write_text("\n".join(layout) + "\n")
    (case / "source_data" / "refugees.csv").write_text(
        f"{start.isoformat()},0\n{end.isoformat()},{per_camp * n_camps}\n")
    return case


# --- main ------------------------------------------------------------------------------------

def fmt_s(x: float) -> str:
    return f"{x:,.0f} s" if x >= 100 else (f"{x:,.1f} s" if x >= 10 else f"{x:.2f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="mali2012 only, Flee recorded, no 4M case")
    ap.add_argument("--no-flee", action="store_true", help="do not run Flee live; use the recorded time")
    ap.add_argument("--output", type=Path, default=None)
    args = ap.parse_args(argv)
    output = args.output or HERE / ("results-agents-quick.json" if args.quick else "results-agents.json")

    import warnings

    import corridor
    import corridor.flee as cf

    warnings.simplefilter("ignore", cf.UnsupportedSettingWarning)
    rec = recorded_flee()
    started = time.perf_counter()
    results: dict = {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if args.quick else "full",
        "machine": {"cpus": os.cpu_count(), "os": platform.platform(), "python": platform.python_version(),
                    "load_average_start": loadavg()},
        "corridor_version": getattr(corridor, "__version__", "?"),
        "cases": {},
    }
    print(f"load average at start: {results['machine']['load_average_start']}", flush=True)

    cases = ["mali2012"] if args.quick else ["mali2012", "car2013", "burundi2015", "ssudan2013"]
    threads_for = {"mali2012": [1, 2], "car2013": [2, 1], "burundi2015": [1, 2], "ssudan2013": [1, 2]}
    if args.quick:
        threads_for["mali2012"] = [1]

    # Flee live first, alone on the machine, so corridor's timings do not overlap it.
    flee_live = None
    if args.quick or args.no_flee:
        print("Flee live run skipped (--quick/--no-flee): using the recorded Flee 3.1 time", flush=True)
    elif not FLEE_PY.exists():
        print(f"Flee live run skipped: {FLEE_PY} not found; using the recorded Flee 3.1 time", flush=True)
    else:
        print("running Flee 3.1 on mali2012 (seed 0), live ...", flush=True)
        flee_live = run_flee_live("mali2012")
        print(f"  Flee 3.1 mali2012: {flee_live:.1f} s (load average {loadavg()})", flush=True)

    for name in cases:
        case = cf.load_case(DATA / name, settings=SETTINGS, compat="flee-3.1")
        entry: dict = {"days": case.days, "runs": []}
        r = rec.get(name, {})
        if name == "mali2012" and flee_live is not None:
            entry["flee_s"], entry["flee_source"] = flee_live, "live"
        else:
            entry["flee_s"], entry["flee_source"] = r.get("seed0_s"), "recorded"
        entry["flee_recorded_seed0_s"] = r.get("seed0_s")
        entry["flee_recorded_mean_s"] = r.get("mean_s")
        entry["flee_recorded_peak_rss_mb"] = r.get("peak_rss_mb")
        for t in threads_for[name]:
            if name == "mali2012":  # the shortest case gets one untimed warm-up run
                cf.run(case, seed=0, threads=t, progress=False)
            run = time_corridor(case, t)
            run["load_average"] = loadavg()
            entry["runs"].append(run)
            print(f"  corridor {name} threads={t}: best {run['best_s']:.3f} s {run['times_s']} "
                  f"(peak agents {run['peak_agents']:,}, error {run['error']:.3f}) load {run['load_average']}",
                  flush=True)
        mem = memory_run(DATA / name, SETTINGS, "flee-3.1", 1)
        entry["memory"] = mem
        print(f"  memory {name}: {mem['rss_bytes_per_agent']:.0f} B/agent RSS above baseline "
              f"({mem['rss_delta_bytes'] / 2**20:.1f} MiB for {mem['peak_agents']:,} agents; "
              f"baseline {mem['baseline_kb'] / 1024:.0f} MiB); engine bytes_per_agent {mem['bytes_per_agent']}",
              flush=True)
        results["cases"][name] = entry

    if not args.quick:
        with tempfile.TemporaryDirectory(prefix="corridor-agents-") as tmp:
            t0 = time.perf_counter()
            big = make_large_case(Path(tmp))
            gen_s = time.perf_counter() - t0
            print(f"generated synthetic case in {gen_s:.1f} s; running it (threads=2) ...", flush=True)
            mem = memory_run(big, None, None, 2)
            mem["generate_s"] = gen_s
            mem["load_average"] = loadavg()
            results["large"] = mem
            print(f"  synthetic4m: {mem['wall_s']:.1f} s, {mem['spawned']:,} spawned, peak agents "
                  f"{mem['peak_agents']:,}, peak RSS {mem['peak_kb'] / 1024:.0f} MiB "
                  f"(+{mem['rss_delta_bytes'] / 2**20:.0f} MiB, {mem['rss_bytes_per_agent']:.0f} B/agent)",
                  flush=True)

    results["machine"]["load_average_end"] = loadavg()
    results["elapsed_s"] = time.perf_counter() - started

    # Table.
    lines = ["| case | corridor | Flee 3.1 | Flee / corridor | target | met? |", "|---|---|---|---|---|---|"]
    for name, e in results["cases"].items():
        for run in e["runs"]:
            ratio = e["flee_s"] / run["best_s"] if e["flee_s"] else float("nan")
            target, met = "", ""
            if name == "mali2012" and run["threads"] == 1:
                target, met = ">= 100x", "yes" if ratio >= 100 else "no"
            if name == "car2013" and run["threads"] == 2:
                target, met = "< 20 s", "yes" if run["best_s"] < 20 else "no"
            lines.append(f"| {name} ({e['days']} d) | {fmt_s(run['best_s'])} (threads={run['threads']}) | "
                         f"{fmt_s(e['flee_s'])} ({e['flee_source']}) | {ratio:,.0f}x | {target} | {met} |")
    lines += ["", "| case | peak agents | RSS above baseline / agent | engine bytes_per_agent | target | met? |",
              "|---|---|---|---|---|---|"]
    mems = [(n, e["memory"]) for n, e in results["cases"].items()]
    if "large" in results:
        mems.append(("synthetic4m (threads=2)", results["large"]))
    for n, m in mems:
        b = m["rss_bytes_per_agent"]
        lines.append(f"| {n} | {m['peak_agents']:,} | {b:.0f} B | {m['bytes_per_agent']} B | < 100 B | "
                     f"{'yes' if b < 100 else 'no'} |")
    if "large" in results:
        m = results["large"]
        lines += ["", f"synthetic4m: {m['days']} days, {m['spawned']:,} agents spawned, "
                      f"{m['wall_s']:.1f} s with threads=2, peak RSS {m['peak_kb'] / 1024:.0f} MiB"]
    lines += ["", f"load average: start {results['machine']['load_average_start']}, "
                  f"end {results['machine']['load_average_end']}; {results['elapsed_s']:.0f} s in all"]
    table = "\n".join(lines)
    print()
    print(table)
    results["table"] = table
    output.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
