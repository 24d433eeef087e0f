#!/usr/bin/env python3
"""Print the README results table (Markdown) from benchmarks/flee/runs/timings.tsv: one row per
case (and variant), mean over seeds of the errors, wall time and peak RSS, plus the per-seed values."""
import csv
import os
import sys
from collections import OrderedDict


def main(path):
    groups = OrderedDict()
    with open(path, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            try:
                float(r["error_normal"])
            except ValueError:
                continue  # failed run
            groups.setdefault(r["case"], []).append(r)
    print("| case | days | seeds | error (normal) mean | error (rescaled) mean | per seed (normal / rescaled) | wall s mean | peak RSS MB | flee |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case, rs in groups.items():
        mean = lambda k: sum(float(r[k]) for r in rs) / len(rs)
        per = "; ".join("s%s: %.3f / %.3f" % (r["seed"], float(r["error_normal"]), float(r["error_rescaled"])) for r in rs)
        print("| %s | %s | %s | %.3f | %.3f | %s | %.0f | %.0f | %s |" % (
            case, rs[0]["days"], ",".join(r["seed"] for r in rs), mean("error_normal"),
            mean("error_rescaled"), per, mean("wall_s"), max(float(r["peak_rss_mb"]) for r in rs),
            rs[0]["flee_version"]))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", "timings.tsv"))
