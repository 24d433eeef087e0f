"""Ensembles of the bundled exercise scenario: serial, local threads and a 2-worker Dask cluster.

    .venv/bin/python benchmarks/ensemble.py [--members N] [--agent-members N] [--repeats N]
                                            [--output PATH]

1. The expected engine: a ``--members`` (default 1,000) member ensemble of
   ``data/exercise/scenario.toml`` varied as ``data/exercise/ensemble.toml`` says, run
   serially (``workers=1``), on local threads (``workers=2``) and on a ``LocalCluster`` of 2
   worker processes with 1 thread each (``client=``); best of ``--repeats`` (default 2) each,
   in this one run. The cluster is started before timing (its start-up is reported on its
   own); every timing includes drawing the members, checking each member's scenario with the
   reader, running them and gathering the arrays. The results of all three are checked to be
   identical.
2. The agent engine: the same with ``--agent-members`` (default 16) members.

Targets (issue 6): 1,000 members serially in < 10 s; the 2-worker LocalCluster >= 1.6x faster
than serial. Writes benchmarks/results-ensemble.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from agents import loadavg  # noqa: E402  (same folder)
from expected import cpu_name  # noqa: E402


def best_of(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), times, result


def same(a, b) -> bool:
    return all(np.array_equal(a.arrays[k], b.arrays[k], equal_nan=True) for k in a.arrays)


def bench(engine: str, members: int, repeats: int, client) -> dict:
    import corridor
    from corridor.ensembles import read_ensemble_spec

    scenario = corridor.Scenario.from_toml(ROOT / "data" / "exercise" / "scenario.toml")
    spec = read_ensemble_spec(ROOT / "data" / "exercise" / "ensemble.toml")
    kw = dict(members=members, vary=spec["vary"], seed=spec["seed"], engine=engine,
              progress=False)
    # Warm-up: imports and first-call costs, here and in the Dask workers' processes.
    corridor.ensemble(scenario, **{**kw, "members": 4}, workers=1)
    corridor.ensemble(scenario, **{**kw, "members": 8}, client=client, batch_size=1)
    out: dict = {"engine": engine, "members": members}
    runs = {}
    for label, extra in (("serial", {"workers": 1}), ("threads2", {"workers": 2}),
                         ("dask2", {"client": client})):
        print(f"  {engine}: {label} ...", flush=True)
        best, times, result = best_of(lambda: corridor.ensemble(scenario, **kw, **extra), repeats)
        out[label] = {"best_s": best, "times_s": times, "per_member_ms": best / members * 1e3}
        runs[label] = result
    out["identical"] = same(runs["serial"], runs["threads2"]) and same(runs["serial"], runs["dask2"])
    out["speedup_threads2"] = out["serial"]["best_s"] / out["threads2"]["best_s"]
    out["speedup_dask2"] = out["serial"]["best_s"] / out["dask2"]["best_s"]
    return out


def table(results: dict) -> str:
    rows = [
        "| engine | members | serial | 2 threads | speed-up | LocalCluster 2 workers | speed-up | identical | target | met? |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["runs"]:
        if r["engine"] == "expected":
            target = "serial < 10 s (1,000 members); Dask >= 1.6x"
            met = (("yes" if r["serial"]["best_s"] < 10 * r["members"] / 1000 else "**no**")
                   + "; " + ("yes" if r["speedup_dask2"] >= 1.6 else "**no**"))
        else:
            target = "Dask >= 1.6x"
            met = "yes" if r["speedup_dask2"] >= 1.6 else "**no**"
        rows.append(
            f"| {r['engine']} | {r['members']:,} | {r['serial']['best_s']:.2f} s "
            f"({r['serial']['per_member_ms']:.1f} ms/member) | {r['threads2']['best_s']:.2f} s | "
            f"{r['speedup_threads2']:.2f}x | {r['dask2']['best_s']:.2f} s | "
            f"**{r['speedup_dask2']:.2f}x** | {'yes' if r['identical'] else 'NO'} | {target} | {met} |"
        )
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--agent-members", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--output", type=Path, default=HERE / "results-ensemble.json")
    args = ap.parse_args(argv)

    import corridor
    from distributed import Client, LocalCluster

    results: dict = {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([".venv/bin/python", "benchmarks/ensemble.py",
                             *(argv if argv is not None else sys.argv[1:])]),
        "machine": {"cpu": cpu_name(), "cpus": os.cpu_count(), "os": platform.platform(),
                    "python": platform.python_version(), "load_average_start": loadavg()},
        "corridor_version": corridor.__version__,
        "runs": [],
    }
    t = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        results["cluster_start_s"] = time.perf_counter() - t
        results["runs"].append(bench("expected", args.members, args.repeats, client))
        if args.agent_members:
            results["runs"].append(bench("agents", args.agent_members, args.repeats, client))
    results["machine"]["load_average_end"] = loadavg()
    text = table(results)
    results["table"] = text
    print()
    print(text)
    print(f"\nLocalCluster start-up (not timed above): {results['cluster_start_s']:.1f} s; "
          f"load average {results['machine']['load_average_start']} -> "
          f"{results['machine']['load_average_end']}")
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
