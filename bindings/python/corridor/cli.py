"""The ``corridor`` command line.

Subcommands:

``corridor export LOCATIONS ROUTES -o OUT``
    Read a network and write its ``locations`` and ``routes`` layers (format from OUT's
    extension: .gpkg, .geojson, .fgb, .shp, .csv), printing a summary.
``corridor info LOCATIONS ROUTES``
    Read a network and print its summary.
``corridor flee CASE_DIR --settings simsetting.yml --seed N [--threads N] [--engine expected] -o out.csv``
    Run the agent engine on a Flee case and write Flee's out.csv (a drop-in for Flee's run.py).
``corridor run SCENARIO.toml -o OUTDIR [--engine expected|agents] [--seed N] [--threads N]``
    Run a contingency scenario and write its projection (GeoPackage, CSVs, summary.md, chart)
    into OUTDIR, replacing it as a whole, printing the sites over capacity and the backlog.
    ``--engine agents`` moves whole people as agents, one random run per ``--seed``.
``corridor build-network --lines L --places P [--borders B] -o OUT.gpkg``
    Build a route network from GIS layers (roads and tracks, places, countries): noding,
    snapping, border crossings, contraction; prints what was snapped, merged, dropped and
    repaired (docs/build_network.md).
``corridor sitrep SCENARIO.toml [--day N] [--since N] [--exercise LOG.jsonl] -o report.html [--pdf]``
    A self-contained situation report (HTML, and PDF through headless Chromium) for a day of
    the scenario, or of a saved table-top exercise.
``corridor ensemble SCENARIO.toml --members N [--vary PATH=SPEC ...] [--spec F.toml] [--scheduler ADDRESS] -o OUTDIR``
    Run an uncertainty ensemble (locally, or on a Dask cluster) and write its bands,
    exceedance probabilities and fan charts into OUTDIR.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import corridor
from corridor.network import Network, read_network


def _summary_text(network: Network, label: str) -> str:
    s = network.summary()
    kinds = ", ".join(f"{v} {k}" for k, v in s["locations_by_kind"].items())
    modes = ", ".join(f"{v} {k}" for k, v in s["routes_by_mode"].items())
    lines = [
        f"network {label}",
        f"  locations   {s['locations']:>8,}  ({kinds})",
        f"  countries   {len(s['countries']):>8,}  ({', '.join(s['countries'])})",
        f"  population  {s['population']:>8,.0f}",
        f"  shelter     {s['shelter_capacity']:>8,.0f}  places at sites with a capacity",
        f"  routes      {s['routes']:>8,}  ({modes}; {s['closed_routes']} closed)",
        f"  route km    {s['route_km']:>8,.0f}",
        f"  components  {s['components']:>8,}",
    ]
    return "\n".join(lines)


def _add_network_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("locations", help="locations file (CSV, Flee CSV or any OGR point layer)")
    parser.add_argument("routes", help="routes file (CSV, Flee CSV or any OGR line layer)")
    parser.add_argument("--locations-layer", default=None, help="layer name in LOCATIONS")
    parser.add_argument("--routes-layer", default=None, help="layer name in ROUTES")


def _read(args: argparse.Namespace) -> Network:
    return read_network(
        args.locations,
        args.routes,
        locations_layer=args.locations_layer,
        routes_layer=args.routes_layer,
    )


def _cmd_export(args: argparse.Namespace) -> int:
    network = _read(args)
    if not args.quiet:
        print(_summary_text(network, f"{args.locations} + {args.routes}"))
    written = network.write(args.output, crs=args.crs, driver=args.driver, densify_km=args.densify_km)
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    network = _read(args)
    print(_summary_text(network, f"{args.locations} + {args.routes}"))
    return 0


def _cmd_flee(args: argparse.Namespace) -> int:
    import corridor.flee as flee

    case = flee.load_case(args.case_dir, settings=args.settings, days=args.days, compat=args.compat)
    progress = sys.stderr.isatty() and not args.quiet
    result = flee.run(
        case, seed=args.seed, threads=args.threads, progress=progress, engine=args.engine
    )
    written = result.to_flee_csv(args.output)
    if not args.quiet:
        print(
            f"{case.name}: {result.days} days, {int(result.raw['spawned'][-1]):,} agents; "
            f"averaged relative difference {result.error():.4f} "
            f"(rescaled {result.error(rescaled=True):.4f})"
        )
        print(f"wrote {written}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from corridor.scenario import Scenario

    scenario = Scenario.from_toml(args.scenario)
    progress = sys.stderr.isatty() and not args.quiet
    try:
        projection = scenario.run(
            engine=args.engine, seed=args.seed, progress=progress, threads=args.threads
        )
    except KeyboardInterrupt:
        print(f"corridor: interrupted; {args.output} left as it was", file=sys.stderr)
        return 130
    written = projection.write(args.output)
    if not args.quiet:
        print(_projection_text(projection))
        for path in written:
            print(f"wrote {path}")
    return 0


def _projection_text(projection) -> str:
    import pandas as pd

    summary = projection.summary()
    dates = projection.dates
    spawned = float(projection.raw["spawned"][-1]) if projection.days else 0.0
    first = dates[0].strftime("%Y-%m-%d") if projection.days else "-"
    last = dates[-1].strftime("%Y-%m-%d") if projection.days else "-"
    agents = projection.info["engine"] == "agents"
    seed = f" (seed {projection.info['seed']})" if agents else ""
    lines = [
        (
            f"scenario {projection.name}: {projection.days} days, {first} to {last}, "
            f"engine {projection.info['engine']}{seed}; {spawned:,.0f} people displaced"
        )
    ]
    over = summary[summary["days_over_capacity"] > 0].sort_values("first_over_capacity")
    if over.empty:
        lines.append("  over capacity  none")
    else:
        lines.append(f"  over capacity  {len(over)} site{'s' if len(over) != 1 else ''}:")
        for name, row in over.iterrows():
            peak = row["peak_population"] / row["capacity"] if row["capacity"] > 0 else float("inf")
            lines.append(
                f"    {name}: from {row['first_over_capacity']:%Y-%m-%d}, "
                f"{row['days_over_capacity']} days, peak {row['peak_population']:,.0f} "
                f"of {row['capacity']:,.0f} places ({peak:.0%})"
            )
    backlog = summary[summary["peak_backlog"] > 0].sort_values("peak_backlog", ascending=False)
    if backlog.empty:
        lines.append("  peak backlog   none")
    else:
        name, row = next(iter(backlog.iterrows()))
        wait = row["longest_wait_days"]
        lines.append(
            f"  peak backlog   {row['peak_backlog']:,.0f} people waiting at {name} on "
            f"{row['peak_backlog_date']:%Y-%m-%d}"
            + (f" (longest wait {wait:.1f} days)" if pd.notna(wait) else "")
        )
    fired = projection.triggers
    if not fired.empty:
        lines.append(f"  triggers fired {len(fired)}:")
        for row in fired.itertuples(index=False):
            lines.append(f"    {row.date:%Y-%m-%d} {row.location} {row.metric} {row.value:,.2f}"
                         f" -> {row.action}")
    return "\n".join(lines)


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from corridor.ensembles import ensemble, parse_vary_text, read_ensemble_spec
    from corridor.scenario import Scenario

    spec = read_ensemble_spec(args.spec) if args.spec else {}
    vary = dict(spec.get("vary", {}))
    vary.update(parse_vary_text(args.vary or []))
    members = args.members if args.members is not None else spec.get("members", 100)
    seed = args.seed if args.seed is not None else spec.get("seed")
    engine = args.engine if args.engine is not None else spec.get("engine")
    scenario = Scenario.from_toml(args.scenario)
    client = None
    if args.scheduler:
        from distributed import Client

        try:
            client = Client(args.scheduler, timeout="20s")
        except OSError as exc:
            raise corridor.IoError(f"--scheduler {args.scheduler}: cannot connect: {exc}") from None
    progress = sys.stderr.isatty() and not args.quiet
    kwargs = {k: spec[k] for k in ("metrics", "sites") if k in spec}
    try:
        result = ensemble(scenario, members=members, vary=vary, seed=seed, client=client,
                          progress=progress, engine=engine, workers=args.workers, **kwargs)
    except KeyboardInterrupt:
        print(f"corridor: interrupted; {args.output} left as it was", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            client.close()
    written = result.write(args.output)
    if not args.quiet:
        print(_ensemble_text(result))
        for path in written:
            print(f"wrote {path}")
    return 0


def _ensemble_text(result) -> str:
    lines = [
        f"ensemble {result.name}: {result.size} members, {result.days} days, engine "
        f"{result.info['engine']}, seed {result.seed}"
    ]
    for path, how in result.info["vary"].items():
        lines.append(f"  vary  {path} ~ {how}")
    summary = result.summary()
    risky = summary[summary["p_over_capacity"] > 0] if not summary.empty else summary
    if risky.empty:
        lines.append("  over capacity  in no member")
    else:
        lines.append("  chance of running out of shelter (share of members), median date:")
        for row in risky.itertuples(index=False):
            when = "" if row.first_over_capacity_median is None or str(
                row.first_over_capacity_median) == "NaT" else (
                f", median first day {row.first_over_capacity_median:%Y-%m-%d}")
            lines.append(
                f"    {row.site}: {row.p_over_capacity:.0%}{when}; peak population "
                f"{row.peak_population_p5:,.0f}-{row.peak_population_p95:,.0f} (5-95%)"
            )
    fired = result.triggers()
    for row in fired.itertuples(index=False):
        lines.append(f"  trigger {row.trigger} ({row.location} {row.metric}): fired in "
                     f"{row.p_fired:.0%} of members")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corridor",
        description="Migration routes and flows: networks, routes, layers, scenario projections.",
    )
    parser.add_argument("--version", action="version", version=f"corridor {corridor.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    export = sub.add_parser("export", help="write a network's locations and routes layers")
    _add_network_args(export)
    export.add_argument("-o", "--output", required=True, help="output file (.gpkg, .geojson, .fgb, .shp, .csv)")
    export.add_argument("--crs", default=None, help="output CRS, e.g. EPSG:3857 (default EPSG:4326)")
    export.add_argument("--driver", default=None, help="OGR driver name (default: from the extension)")
    export.add_argument("--densify-km", type=float, default=25.0, help="longest segment of a route line (km)")
    export.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    export.set_defaults(func=_cmd_export)

    info = sub.add_parser("info", help="print a network's summary")
    _add_network_args(info)
    info.set_defaults(func=_cmd_info)

    fl = sub.add_parser("flee", help="run the agent engine on a Flee case (like Flee's run.py)")
    fl.add_argument("case_dir", help="Flee case folder with input_csv/ and source_data/")
    fl.add_argument("--settings", default=None, help="simsetting.yml (default: CASE_DIR/simsetting.yml)")
    fl.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    fl.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    fl.add_argument(
        "--engine",
        choices=["agents", "expected"],
        default="agents",
        help="agents (default) or the deterministic expected-flow engine",
    )
    fl.add_argument("--days", type=int, default=None, help="simulated days (default: sim_period.csv)")
    fl.add_argument("--compat", choices=["flee-3.1"], default=None,
                    help="run as PyPI Flee 3.1's run.py does (no conflicts.csv, no capacity_scaling)")
    fl.add_argument("-o", "--output", required=True, help="out.csv to write (Flee's format)")
    fl.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    fl.set_defaults(func=_cmd_flee)

    rn = sub.add_parser("run", help="run a contingency scenario and write its projection")
    rn.add_argument("scenario", help="scenario TOML file (see docs/scenario.md)")
    rn.add_argument("-o", "--output", required=True,
                    help="output folder (replaced as a whole: projection.gpkg, site_daily.csv, "
                         "balance.csv, summary.md, busiest_sites.png)")
    rn.add_argument("--engine", choices=["expected", "agents"], default=None,
                    help="engine (default: the scenario's, else expected)")
    rn.add_argument("--seed", type=int, default=None,
                    help="random seed of the agent engine (default: the scenario's)")
    rn.add_argument("--threads", type=int, default=None,
                    help="agent engine's worker threads (default: all cores; same result)")
    rn.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    rn.set_defaults(func=_cmd_run)

    en = sub.add_parser("ensemble", help="run an ensemble of scenario variants (local or Dask)")
    en.add_argument("scenario", help="scenario TOML file (see docs/scenario.md)")
    en.add_argument("-o", "--output", required=True,
                    help="output folder (replaced as a whole: ensemble.gpkg, bands.csv, "
                         "exceedance.csv, members.csv, summary.csv, fan_charts.png)")
    en.add_argument("--members", type=int, default=None, help="number of members (default 100)")
    en.add_argument("--vary", action="append", metavar="PATH=SPEC",
                    help="a varied value: PATH=uniform:LOW:HIGH, normal:MEAN:SD[:LOW:HIGH], "
                         "triangular:LOW:MODE:HIGH, lognormal:MEDIAN:SIGMA, "
                         "loguniform:LOW:HIGH, or A,B,C (alternatives); repeatable")
    en.add_argument("--spec", default=None,
                    help="ensemble TOML file (members, seed, engine, metrics, sites, [vary])")
    en.add_argument("--seed", type=int, default=None, help="seed of the draws (default: random)")
    en.add_argument("--engine", choices=["expected", "agents"], default=None,
                    help="engine (default: the scenario's, else expected)")
    en.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="Dask scheduler address (tcp://host:8786); default: this machine's cores")
    en.add_argument("--workers", type=int, default=None,
                    help="local threads (default: all cores; ignored with --scheduler)")
    en.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    en.set_defaults(func=_cmd_ensemble)
    sr = sub.add_parser("sitrep", help="run a scenario and write a situation report (HTML, PDF)")
    sr.add_argument("scenario", help="scenario TOML file (see docs/scenario.md)")
    sr.add_argument("-o", "--output", required=True,
                    help="report to write: NAME.html, or NAME.pdf for a PDF and NAME.html")
    sr.add_argument("--day", type=int, default=None,
                    help="day reported, counted from 0 (default: the last day)")
    sr.add_argument("--since", type=int, default=None,
                    help="day of the previous report: list what changed since")
    sr.add_argument("--title", default=None, help="the report's heading")
    sr.add_argument("--log", default=None, metavar="LOG.csv",
                    help="exercise log CSV with columns day, kind, description")
    sr.add_argument("--exercise", default=None, metavar="LOG.jsonl",
                    help="a saved exercise log (Exercise.save_log): replay it and report on it")
    sr.add_argument("--pdf", action="store_true",
                    help="also print NAME.pdf with headless Chromium")
    sr.add_argument("--engine", choices=["expected", "agents"], default=None,
                    help="engine (default: the scenario's, else expected)")
    sr.add_argument("--seed", type=int, default=None,
                    help="random seed of the agent engine (default: the scenario's)")
    sr.add_argument("--threads", type=int, default=None,
                    help="agent engine's worker threads (default: all cores; same result)")
    sr.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    sr.set_defaults(func=_cmd_sitrep)
    bn = sub.add_parser("build-network",
                        help="build a route network from line, place and country layers")
    bn.add_argument("--lines", required=True,
                    help="line layer (roads, tracks, ferries; any OGR format)")
    bn.add_argument("--places", required=True,
                    help="places layer (points or CSV, as a locations file)")
    bn.add_argument("--borders", default=None, help="country polygon layer (optional)")
    bn.add_argument("-o", "--output", required=True,
                    help="output file (.gpkg also gets the route fields and a build_report layer)")
    bn.add_argument("--snap-tolerance-m", type=float, default=1000.0,
                    help="places farther than this from every line are not attached (default 1000)")
    bn.add_argument("--merge-tolerance-m", type=float, default=1.0,
                    help="line ends and crossings closer than this are merged (default 1)")
    bn.add_argument("--border-post-tolerance-m", type=float, default=None,
                    help="a border post this close stands for a crossing (default: snap tolerance)")
    bn.add_argument("--country-field", default="name",
                    help="country field of BORDERS (default name)")
    bn.add_argument("--mode-field", default="mode", help="mode field of LINES (default mode)")
    bn.add_argument("--speed-field", default="speed",
                    help="speed field of LINES, km/h (default speed)")
    bn.add_argument("--class-field", default=None, help="class field of LINES, e.g. highway")
    bn.add_argument("--class-mode", action="append", default=[], metavar="CLASS=MODE",
                    help="map a class value to a mode, e.g. ferry_route=sea (repeatable)")
    bn.add_argument("--lines-layer", default=None, help="layer name in LINES")
    bn.add_argument("--places-layer", default=None, help="layer name in PLACES")
    bn.add_argument("--borders-layer", default=None, help="layer name in BORDERS")
    bn.add_argument("--no-contract", action="store_true",
                    help="keep one route per straight piece (no degree-2 contraction)")
    bn.add_argument("--prune-dead-ends", action="store_true",
                    help="remove dead-end spurs that lead to no place")
    bn.add_argument("--drop-unsnapped", action="store_true",
                    help="leave out places beyond the snap tolerance (default: kept, isolated)")
    bn.add_argument("--crs", default=None, help="output CRS, e.g. EPSG:3857 (default EPSG:4326)")
    bn.add_argument("--max-report", type=int, default=20, help="report lines to print (default 20)")
    bn.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    bn.set_defaults(func=_cmd_build_network)
    return parser


def _cmd_sitrep(args: argparse.Namespace) -> int:
    """``corridor sitrep SCENARIO.toml [--day N] [--since N] -o report.html [--pdf]``."""
    import pandas as pd

    from corridor.scenario import Scenario
    from corridor.sitrep import read_log, write_sitrep

    scenario = Scenario.from_toml(args.scenario)
    log = read_log(args.log) if args.log else None  # a bad log fails before the run
    progress = sys.stderr.isatty() and not args.quiet
    try:
        if args.exercise:
            from corridor.exercise import Exercise

            exercise = Exercise.replay(scenario, args.exercise)
            projection = exercise.projection
            played = exercise.report_log()
            log = played if log is None else pd.concat([played, log], ignore_index=True)
        else:
            projection = scenario.run(
                engine=args.engine, seed=args.seed, progress=progress, threads=args.threads
            )
    except KeyboardInterrupt:
        print(f"corridor: interrupted; {args.output} left as it was", file=sys.stderr)
        return 130
    written = write_sitrep(projection, args.output, day=args.day, since=args.since,
                           title=args.title, log=log, pdf=True if args.pdf else None)
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
    return 0


def _cmd_build_network(args: argparse.Namespace) -> int:
    """``corridor build-network --lines L --places P [--borders B] -o OUT.gpkg``."""
    from corridor.geo import build_network

    class_modes = {}
    for item in args.class_mode:
        value, sep, mode = item.partition("=")
        if not sep or not value or not mode:
            raise corridor.InputError(f"--class-mode: expected CLASS=MODE, got {item!r}")
        class_modes[value] = mode
    build = build_network(
        args.lines,
        args.places,
        args.borders,
        snap_tolerance_m=args.snap_tolerance_m,
        merge_tolerance_m=args.merge_tolerance_m,
        border_post_tolerance_m=args.border_post_tolerance_m,
        country_field=args.country_field,
        mode_field=args.mode_field,
        speed_field=args.speed_field,
        class_field=args.class_field,
        class_modes=class_modes,
        lines_layer=args.lines_layer,
        places_layer=args.places_layer,
        borders_layer=args.borders_layer,
        contract=not args.no_contract,
        prune_dead_ends=args.prune_dead_ends,
        keep_unsnapped=not args.drop_unsnapped,
    )
    written = build.write(args.output, crs=args.crs)
    if not args.quiet:
        print(build.report.to_text(max_issues=args.max_report))
        for path in written:
            print(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except corridor.Error as exc:
        print(f"corridor: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
