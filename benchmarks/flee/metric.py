#!/usr/bin/env python3
"""Averaged relative difference of a Flee-format out.csv (the Flee validation metric).

Re-implements (does not copy) what Flee 3.1's flee/postprocessing/extract-validation-results.py
prints as "Error (normal)" and "Error (rescaled)":

  camps    = columns "<name> sim" (name = all words but the last) with matching "<name> data"
  E(t)     = sum_c |sim_c(t) - data_c(t)| / max(U(t), 1),   U = column "refugees in camps (UNHCR)"
  normal   = mean_t E(t) over every row (day) of the file
  rescaled = same with sim_c(t) * U(t) / S(t) where S = "refugees in camps (simulation)",
             only when S(t) > 0 (else the rescaled sim is 0, as in Flee)
Each |difference| is rounded to 4 decimals first (Flee's analysis.abs_diffs, numpy round-half-even).
Pure Python (no numpy/pandas) so corridor's tests can import it.

Usage: metric.py OUT_CSV [OUT_CSV ...]   -> prints "file  normal  rescaled  days"
"""
import csv
import sys

ROUND_NDIGITS = 4


def _round(x):
    # numpy.round(x, 4): scale, round half to even, unscale
    s = 10.0 ** ROUND_NDIGITS
    return round(x * s) / s


def averaged_relative_difference(path):
    """Return (error_normal, error_rescaled, n_days) for a Flee out.csv."""
    with open(path, newline="", encoding="latin1") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], [r for r in rows[1:] if r]
    col = {name: i for i, name in enumerate(header)}
    camps = [" ".join(h.split()[:-1]) for h in header
             if " sim" in h and "numAgents" not in h and h.endswith(" sim")]
    un_i = col["refugees in camps (UNHCR)"]
    st_i = col["refugees in camps (simulation)"]
    normal = rescaled = 0.0
    for r in rows:
        un, simtot = float(r[un_i]), float(r[st_i])
        denom = max(un, 1.0)
        dn = dr = 0.0
        for c in camps:
            sim, data = float(r[col[c + " sim"]]), float(r[col[c + " data"]])
            sim_rs = sim * un / simtot if simtot > 0 else 0.0
            dn += _round(abs(sim - data))
            dr += _round(abs(sim_rs - data))
        normal += dn / denom
        rescaled += dr / denom
    n = len(rows)
    return normal / n, rescaled / n, n


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for p in argv:
        en, er, n = averaged_relative_difference(p)
        print("%s\t%.6f\t%.6f\t%d" % (p, en, er, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
