"""corridor's flow estimation side by side with the Python tools people would otherwise use.

    .venv/bin/python benchmarks/flows.py [--quick] [--only ppml|ipf] [--budget S] [--repeats N]
                                         [--output PATH]

1. PPML with origin and destination fixed effects: ``corridor.flows.fit_gravity`` (fixed
   effects concentrated out in C++) against statsmodels' Poisson GLM with dummy variables
   (``sm.GLM(y, X, family=Poisson()).fit()``, its default IRLS), on generated OD matrices of
   100 x 100, 200 x 200 and 500 x 500 (diagonal left out, zeros kept). The design statsmodels
   needs is dense: 249,500 x 1,000 (2 GB) at 500 x 500. statsmodels runs in a subprocess with a
   time budget (--budget, default 900 s); a run past it is stopped and reported as a lower
   bound of the ratio. Check: the coefficients agree to 1e-6 relative where statsmodels
   finished.
2. IPF on a 2,000 x 2,000 table: a doubly constrained gravity model (seed d^-2 between random
   points, zero diagonal; log-normal margins) to a margin tolerance of 1e-3 people:
   ``corridor.flows.ipf2`` against a NumPy implementation (the textbook loop: scale rows, scale
   columns, check the margins), the same sweeps and criterion. Check: the same number of sweeps
   and fitted tables within 1e-6 relative.

Times are wall clock, best of --repeats (default 3) after one untimed warm-up; statsmodels once.
Everything goes to benchmarks/results-flows.json (results-flows-quick.json for --quick,
results-flows-ipf.json or results-flows-ppml.json for --only).
--quick: PPML 60 x 60 and 100 x 100, IPF 500 x 500. --only: one of the two benchmarks (IPF
takes seconds; PPML is nearly all of a full run, in statsmodels).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def best_of(fn, repeats: int) -> tuple[float, object]:
    fn()  # warm-up
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def od_problem(n: int, seed: int = 2026):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2000, (n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, 1.0)  # not used (the diagonal is out of the sample)
    a = rng.normal(0, 1, n)
    g = rng.normal(0, 1, n)
    mu = np.exp(6.0 + a[:, None] + g[None, :] - 1.2 * np.log(d))
    y = rng.poisson(mu).astype(float)
    np.fill_diagonal(y, 0.0)
    return y, d


STATSMODELS_CHILD = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    import statsmodels.api as sm
    sys.path.insert(0, {here!r})
    from flows import od_problem
    n = {n}
    y, d = od_problem(n)
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    t0 = time.perf_counter()
    rows = len(i)
    x = np.zeros((rows, 1 + n + n - 1))
    x[:, 0] = np.log(d[i, j])
    x[np.arange(rows), 1 + i] = 1.0
    keep = j > 0
    x[np.arange(rows)[keep], n + j[keep]] = 1.0
    t1 = time.perf_counter()
    res = sm.GLM(y[i, j], x, family=sm.families.Poisson()).fit()
    t2 = time.perf_counter()
    print(json.dumps({{"design_s": t1 - t0, "fit_s": t2 - t1, "coef": float(res.params[0]),
                       "iterations": int(res.fit_history["iteration"]),
                       "design_gb": x.nbytes / 1e9}}))
    """
)


def run_statsmodels(n: int, budget: float) -> dict:
    code = STATSMODELS_CHILD.format(here=str(HERE), n=n)
    t = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=budget
        )
    except subprocess.TimeoutExpired:
        return {"finished": False, "wall_s": time.perf_counter() - t, "budget_s": budget}
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        return {"finished": False, "error": proc.stderr[-2000:], "wall_s": wall}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update({"finished": True, "wall_s": wall})
    return out


def bench_ppml(sizes: list[int], budget: float, repeats: int) -> list[dict]:
    from corridor import flows

    rows = []
    for n in sizes:
        y, d = od_problem(n)
        t, fit = best_of(lambda: flows.fit_gravity(y, d, fixed_effects="both"), repeats)
        entry = {
            "n": n,
            "corridor_s": t,
            "corridor_coef": float(fit.params["log_distance"]),
            "corridor_iterations": fit.iterations,
            "load_before_statsmodels": loadavg(),
        }
        print(f"PPML {n} x {n}: corridor {t * 1000:.1f} ms (coef {entry['corridor_coef']:.8f}); "
              f"statsmodels ...", flush=True)
        sm = run_statsmodels(n, budget)
        entry["statsmodels"] = sm
        if sm.get("finished"):
            entry["ratio"] = sm["fit_s"] / t
            entry["coef_rel_diff"] = abs(sm["coef"] - entry["corridor_coef"]) / abs(sm["coef"])
            entry["agree"] = entry["coef_rel_diff"] < 1e-6
            print(f"    statsmodels {sm['fit_s']:.2f} s fit (+{sm['design_s']:.2f} s design, "
                  f"{sm['iterations']} IRLS iterations): {entry['ratio']:.0f}x; coef rel diff "
                  f"{entry['coef_rel_diff']:.1e}", flush=True)
        else:
            entry["ratio_lower_bound"] = sm["wall_s"] / t
            why = sm.get("error", "").strip().splitlines()[-1:]
            why = why or [f"past the {budget:.0f} s budget"]
            print(f"    statsmodels did not finish ({why[0]}) after {sm['wall_s']:.0f} s: "
                  f">= {entry['ratio_lower_bound']:.0f}x", flush=True)
        rows.append(entry)
    return rows


def ipf_numpy(rows: np.ndarray, cols: np.ndarray, seed: np.ndarray, tol: float, max_iter: int):
    m = seed.copy()
    for it in range(1, max_iter + 1):
        r = m.sum(axis=1)
        m *= np.divide(rows, r, out=np.zeros_like(r), where=r > 0)[:, None]
        c = m.sum(axis=0)
        m *= np.divide(cols, c, out=np.zeros_like(c), where=c > 0)[None, :]
        err = max(np.abs(m.sum(axis=1) - rows).max(), np.abs(m.sum(axis=0) - cols).max())
        if err <= tol:
            return m, it, True
    return m, max_iter, False


def bench_ipf(n: int, repeats: int) -> dict:
    from corridor import flows

    # A doubly constrained gravity model, the usual use: seed d^-2 between points in a
    # 2,000 km square (diagonal 0, structural), margins log-normal outflows and inflows.
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 2000, (n, 2))
    d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(d2, np.inf)
    seed = 1.0 / d2
    del d2
    rows = rng.lognormal(8, 1, n)
    cols = rng.lognormal(8, 1, n)
    cols *= rows.sum() / cols.sum()
    tol = 1e-3  # people, on totals of about 5,000 per place
    load = loadavg()
    tc, r = best_of(lambda: flows.ipf2(rows, cols, seed=seed, tol=tol, max_iter=10_000), repeats)
    tn, (m, it, ok) = best_of(lambda: ipf_numpy(rows, cols, seed, tol, 10_000), repeats)
    diff = float(np.abs(r.fitted - m).max() / np.abs(m).max())
    entry = {
        "n": n,
        "load_before": load,
        "corridor_s": tc,
        "numpy_s": tn,
        "ratio": tn / tc,
        "corridor_sweeps": r.iterations,
        "numpy_sweeps": it,
        "both_converged": bool(r.converged and ok),
        "max_rel_diff": diff,
        "agree": bool(r.iterations == it and diff < 1e-6),
    }
    print(f"IPF {n} x {n}: corridor {tc:.3f} s ({r.iterations} sweeps), NumPy {tn:.3f} s "
          f"({it} sweeps): {entry['ratio']:.1f}x; max rel diff {diff:.1e}", flush=True)
    return entry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["ppml", "ipf"])
    parser.add_argument("--budget", type=float, default=900.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    import corridor

    statsmodels = None
    if args.only != "ipf":
        import statsmodels

    started = _dt.datetime.now(_dt.timezone.utc)
    load0 = loadavg()
    sizes = [60, 100] if args.quick else [100, 200, 500]
    ppml = None if args.only == "ipf" else bench_ppml(sizes, args.budget, args.repeats)
    ipf = None if args.only == "ppml" else bench_ipf(500 if args.quick else 2000, args.repeats)
    result = {
        "started_utc": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_start": load0,
            "load_end": loadavg(),
        },
        "versions": {
            "corridor": corridor.__version__,
            "numpy": np.__version__,
            "statsmodels": statsmodels.__version__ if statsmodels else None,
        },
        "ppml": ppml,
        "ipf": ipf,
    }
    name = "results-flows" + ("-quick" if args.quick else "")
    name += f"-{args.only}" if args.only else ""
    out = args.output or HERE / (name + ".json")
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"load average {load0} -> {result['machine']['load_end']}; wrote {out}")
    ok = all(e.get("agree", True) for e in ppml or []) and (ipf is None or ipf["agree"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
