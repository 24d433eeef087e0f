#!/usr/bin/env python3
"""Benchmark-only helper: run Flee (PyPI `flee` 3.1, BSD-3-Clause, Groen et al.) serially on one case.

This file is NOT part of corridor and contains no Flee code: it only *calls* Flee's public API,
in the same order as Flee's own runner script `runscripts/run.py` (not shipped on PyPI), and
writes the same out.csv (Day,Date,<camp> sim,<camp> data,<camp> error,...,Total error,
refugees in camps (UNHCR),total refugees (simulation),raw UNHCR refugee count,
refugees in camps (simulation),refugee_debt).  It needs a separate venv with Flee installed:
    python3 -m venv /tmp/flee-venv
    /tmp/flee-venv/bin/pip install --no-deps flee numpy pandas pyyaml beartype networkx \
        python-dateutil six tzdata

Usage: run_flee.py CASE_DIR SIMSETTING [--days N] [--seed S] -o OUT_CSV
CASE_DIR holds input_csv/ and source_data/.  Like FabFlee, the run executes with CASE_DIR as the
working directory (Flee reads demographics/location_changes files relative to the CWD).
Flee's (very chatty) stderr goes to /dev/null unless --keep-stderr is given.
"""
import argparse
import os
import random
import sys
import traceback
from datetime import datetime, timedelta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("case_dir")
    ap.add_argument("simsetting")
    ap.add_argument("--days", type=int, default=0, help="override sim_period Length if > 0")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--sum-from-camps", choices=["yml", "true", "false"], default="yml",
                    help="spawn from the summed camp data (True) or the 'total' series (False); "
                         "'yml' = spawn_rules.sum_from_camps of SIMSETTING (Flee 3.1 ignores that "
                         "key and defaults to False, later Flee honours it; see README)")
    ap.add_argument("--keep-stderr", action="store_true")
    args = ap.parse_args()
    out_path = os.path.abspath(args.out)
    yml = os.path.abspath(args.simsetting)
    real_stderr = sys.stderr
    if not args.keep_stderr:
        sys.stderr = open(os.devnull, "w")
    try:
        run(os.path.abspath(args.case_dir), yml, args.days, args.seed, out_path,
            sum_from_camps(args.sum_from_camps, yml))
    except Exception:
        traceback.print_exc(file=real_stderr)
        sys.exit(1)


def sum_from_camps(choice, yml):
    if choice != "yml":
        return choice == "true"
    import yaml
    with open(yml) as f:
        cfg = yaml.safe_load(f) or {}
    return bool((cfg.get("spawn_rules") or {}).get("sum_from_camps", False))


def run(case_dir, yml, days, seed, out_path, sfc):
    import numpy as np
    from flee import flee, spawning, InputGeography
    from flee.datamanager import handle_refugee_data, read_period
    import flee.postprocessing.analysis as a
    from flee.SimulationSettings import SimulationSettings

    random.seed(seed)
    np.random.seed(seed)
    os.chdir(case_dir)
    inp, val = "input_csv", "source_data"

    # Flee 3.1 names this reader read_conflict_period (later versions: read_sim_period); same format.
    read = getattr(read_period, "read_sim_period", None) or read_period.read_conflict_period
    start_date, end_time = read("%s/sim_period.csv" % inp)
    if days > 0:
        end_time = days
    flee.SimulationSettings.ReadFromYML(yml)
    flee.SimulationSettings.ConflictInputFile = "%s/conflicts.csv" % inp

    e = flee.Ecosystem()
    ig = InputGeography.InputGeography()
    ig.ReadLocationsFromCSV("%s/locations.csv" % inp)
    ig.ReadLinksFromCSV("%s/routes.csv" % inp)
    ig.ReadClosuresFromCSV("%s/closures.csv" % inp)
    e, lm = ig.StoreInputGeographyInEcosystem(e)
    if SimulationSettings.spawn_rules["read_from_agents_csv_file"]:
        ig.ReadAgentsFromCSV(e, "%s/agents.csv" % inp)

    d = handle_refugee_data.RefugeeTable(
        csvformat="generic", data_directory=val, start_date=start_date,
        data_layout="data_layout.csv",
        population_scaledown_factor=SimulationSettings.optimisations["PopulationScaleDownFactor"])
    d.ReadL1Corrections("%s/registration_corrections.csv" % inp)

    camp_locations = e.get_camp_names()
    header = "Day,Date,"
    for name in camp_locations:
        spawning.add_initial_refugees(e, d, lm[name])
        header += "%s sim,%s data,%s error," % (name, name, name)
    header += ("Total error,refugees in camps (UNHCR),total refugees (simulation),"
               "raw UNHCR refugee count,refugees in camps (simulation),refugee_debt")
    idp = SimulationSettings.log_levels["idp_totals"] > 0
    if idp:
        header += ",total IDPs"

    with open(out_path, "w") as out:
        out.write(header + "\n")
        t0 = datetime.strptime(start_date, "%Y-%m-%d")
        for t in range(0, end_time):
            ig.AddNewConflictZones(e, t)
            _, refugees_raw, refugee_debt = spawning.spawn_daily_displaced(e, t, d, SumFromCamps=sfc)
            spawning.refresh_spawn_weights(e)
            e.enact_border_closures(t)
            e.evolve()

            loc_data = [d.get_field(name, t) for name in camp_locations]
            sims = [lm[name].numAgents for name in camp_locations]
            in_camps_sim = sum(sims)
            errors = [a.rel_error(s, x) for s, x in zip(sims, loc_data)]
            abs_errors = [a.abs_error(s, x) for s, x in zip(sims, loc_data)]

            row = "%s,%s" % (t, (t0 + timedelta(days=t)).strftime("%Y-%m-%d"))
            for s, x, err in zip(sims, loc_data, errors):
                row += ",%s,%s,%s" % (s, x, err)
            if refugees_raw > 0:
                row += ",%s,%s,%s,%s,%s,%s" % (
                    float(np.sum(abs_errors)) / float(refugees_raw), int(sum(loc_data)),
                    e.numAgents(), refugees_raw, in_camps_sim, refugee_debt)
            else:
                row += ",0.0,0,{},0,{},0".format(e.numAgents(), in_camps_sim)
            if idp:
                row += ",{}".format(e.numIDPs())
            out.write(row + "\n")
            out.flush()


if __name__ == "__main__":
    main()
