"""Building a route network from a line layer: corridor against shapely + NetworkX.

    .venv/bin/python benchmarks/build_network.py            # 200,000 segments (~1-2 min)
    .venv/bin/python benchmarks/build_network.py --quick    # 20,000 segments (a few seconds)

Both sides start from the same GeoPackage files and end with a contracted network of places and
junctions whose routes keep their full lines and geodesic km on WGS84:

- corridor: ``corridor.geo.build_network(lines, places, snap_tolerance_m=..., ...)``.
- peer: pyogrio reads the layers (Arrow), ``shapely.node`` nodes all lines at once, line ends
  are merged on a grid of the merge tolerance, pyproj's ``Geod.inv`` (vectorised) measures every
  segment, a NetworkX ``Graph`` holds the noded pieces (which drops duplicate pieces and
  loops), places are snapped with a shapely ``STRtree.query_nearest`` within the tolerance and
  split their piece (``shapely.ops.substring``), and chains of degree-2 nodes between places and
  junctions are contracted into one route whose line is the merged pieces
  (``shapely.line_merge``).

Each side runs in its own fresh process, so its peak resident memory (``ru_maxrss``) is its own;
the time is wall clock inside that process, from reading the files to the finished network,
best of ``--repeats`` (the peer once at full size). Everything goes to
``benchmarks/results-build-network.json`` (``-quick`` for --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SNAP_M = 2000.0
MERGE_M = 1.0


# ---------------------------------------------------------------------------------- data
def make_data(folder: Path, segments: int, seed: int = 2026) -> dict:
    """A jittered grid of roads, unnoded, as a GeoPackage, and places near the roads.

    n horizontal and n vertical roads over a 4 x 4 degree box (about 440 km a side, 2-20 km
    between roads), each a polyline of k segments with vertices jittered across the road by up
    to a twentieth of the road spacing; roads are cut into 5 features that meet end to end, and one
    cut in four leaves a 0.3 m gap (for endpoint merging); 1% of the features are duplicated.
    Places: 1 per 100 segments, uniform in the box (all within the snap tolerance of a road).
    """
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    n = max(4, int(round(np.sqrt(segments / 500.0) * 10 / 2)) * 2 // 2)
    k = segments // (2 * n)
    spacing = 4.0 / n
    geoms, modes = [], []
    gap = 0.3 / 111320.0
    for axis in (0, 1):
        for i in range(n):
            along = np.linspace(0.0, 4.0, k + 1)
            across = (i + 0.5) * spacing + rng.uniform(-0.05, 0.05, k + 1) * spacing
            xy = np.column_stack([along, across] if axis == 0 else [across, along])
            cuts = np.linspace(0, k, 6).astype(int)
            for c in range(5):
                piece = xy[cuts[c] : cuts[c + 1] + 1].copy()
                if c > 0 and rng.random() < 0.25:
                    piece[0, axis] += gap  # a small gap at the joint
                geoms.append(shapely.linestrings(piece + [30.0, 0.0]))
                modes.append("road" if rng.random() < 0.97 else "foot")
    dup = rng.choice(len(geoms), size=len(geoms) // 100, replace=False)
    geoms += [geoms[i] for i in dup]
    modes += [modes[i] for i in dup]
    lines = gpd.GeoDataFrame({"mode": modes}, geometry=geoms, crs="EPSG:4326")
    n_places = max(20, segments // 100)
    px = 30.0 + rng.uniform(0.05, 3.95, n_places)
    py = rng.uniform(0.05, 3.95, n_places)
    places = gpd.GeoDataFrame(
        {"name": [f"P{i}" for i in range(n_places)]},
        geometry=shapely.points(px, py),
        crs="EPSG:4326",
    )
    lines_path, places_path = folder / "lines.gpkg", folder / "places.gpkg"
    lines.to_file(lines_path, layer="lines", engine="pyogrio")
    places.to_file(places_path, layer="places", engine="pyogrio")
    total = int(sum(len(shapely.get_coordinates(g)) - 1 for g in geoms))
    return {
        "lines": str(lines_path),
        "places": str(places_path),
        "features": len(geoms),
        "segments": total,
        "roads": 2 * n,
        "places_count": n_places,
    }


# ---------------------------------------------------------------------------------- sides
def run_corridor(lines: str, places: str) -> dict:
    import corridor.geo

    t0 = time.perf_counter()
    net, report = corridor.geo.build_network(
        lines, places, snap_tolerance_m=SNAP_M, merge_tolerance_m=MERGE_M
    )
    seconds = time.perf_counter() - t0
    s = report.stats
    # Route lines start at the places themselves: the stubs to the roads are in the km (once
    # per route at the place); the peer has none, so they are taken out for the comparison.
    routes = net.routes
    ends = routes["from"].value_counts().add(routes["to"].value_counts(), fill_value=0)
    attached = report.places[report.places["attached"]]
    stub_km = float((attached["distance_m"] * ends.reindex(attached.index).fillna(0)).sum()) / 1000
    return {
        "seconds": seconds,
        "graph_nodes": s["graph_nodes"],
        "graph_edges": s["graph_edges"],
        "locations": net.num_locations,
        "routes": net.num_routes,
        "route_km": float(routes["distance_km"].sum()) - stub_km,
        "stub_km": stub_km,
        "places_attached": int(report.places["attached"].sum()),
        "inner_seconds": s["seconds"],
    }


def run_peer(lines: str, places: str) -> dict:
    import networkx as nx
    import pyogrio
    import shapely
    import shapely.ops
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    phases = {}
    t0 = time.perf_counter()
    gdf = pyogrio.read_dataframe(lines, use_arrow=True)
    pdf = pyogrio.read_dataframe(places, use_arrow=True)
    phases["read"] = time.perf_counter() - t0

    t = time.perf_counter()
    noded = shapely.node(shapely.multilinestrings(gdf.geometry.values))
    parts = shapely.get_parts(noded)
    phases["node"] = time.perf_counter() - t

    t = time.perf_counter()
    coords, index = shapely.get_coordinates(parts, return_index=True)
    starts = np.r_[0, np.flatnonzero(np.diff(index)) + 1]
    ends = np.r_[starts[1:] - 1, len(index) - 1]
    # Line ends merged on a grid of the merge tolerance (in degrees at these latitudes).
    grid = MERGE_M / 111320.0
    end_xy = np.vstack([coords[starts], coords[ends]])
    _, node_of = np.unique(np.round(end_xy / grid), axis=0, return_inverse=True)
    node_of = node_of.ravel()
    u, v = node_of[: len(parts)], node_of[len(parts) :]
    node_xy = np.zeros((node_of.max() + 1, 2))
    node_xy[node_of] = end_xy
    # Geodesic km of every piece: one vectorised Geod.inv over all segments.
    same = index[1:] == index[:-1]
    _, _, seg_m = geod.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    seg_m = np.where(same, seg_m, 0.0)
    part_km = np.add.reduceat(np.r_[seg_m, 0.0], starts)[: len(parts)] / 1000.0
    graph = nx.MultiGraph()  # two pieces may join the same two nodes (a road crossed twice)
    graph.add_edges_from(
        (int(a), int(b), i, {"part": i, "km": float(km)})
        for i, (a, b, km) in enumerate(zip(u, v, part_km))
        if a != b
    )
    phases["graph"] = time.perf_counter() - t

    t = time.perf_counter()
    points = pdf.geometry.values
    tree = shapely.STRtree(parts)
    found = tree.query_nearest(points, max_distance=SNAP_M / 111320.0, all_matches=False)
    lines_of = dict(enumerate(parts))
    next_part = len(parts)
    place_nodes = set()
    next_node = len(node_xy)
    by_part: dict[int, list[int]] = {}
    for p, j in zip(found[0], found[1]):
        by_part.setdefault(int(j), []).append(int(p))
    for j, plist in by_part.items():
        line = lines_of[j]
        a, b = int(u[j]), int(v[j])
        if a == b:
            continue
        dists = sorted(float(shapely.line_locate_point(line, points[p])) for p in plist)
        graph.remove_edge(a, b, key=j)
        prev, prev_d = a, 0.0
        for d in dists + [line.length]:
            if d <= prev_d:
                continue
            piece = shapely.ops.substring(line, prev_d, d)
            node = b if d >= line.length else next_node
            if node != b:
                next_node += 1
                place_nodes.add(node)
            km = geod.geometry_length(piece) / 1000.0
            lines_of[next_part] = piece
            graph.add_edge(prev, node, key=next_part, part=next_part, km=km)
            next_part += 1
            prev, prev_d = node, d
    phases["snap"] = time.perf_counter() - t

    t = time.perf_counter()
    keep = place_nodes | {n for n, d in graph.degree() if d != 2}
    seen = set()  # edge keys walked
    routes = []
    for start in keep:
        for _, first, key in list(graph.edges(start, keys=True)):
            if key in seen:
                continue
            path_parts, km = [], 0.0
            prev, cur, k = start, first, key
            while True:
                seen.add(k)
                data = graph.edges[prev, cur, k]
                path_parts.append(lines_of[data["part"]])
                km += data["km"]
                if cur in keep or cur == start:
                    break
                nxt = [(n, kk) for _, n, kk in graph.edges(cur, keys=True) if kk not in seen]
                if not nxt:
                    break
                prev, (cur, k) = cur, nxt[0]
            if cur == start:
                continue
            line = shapely.line_merge(shapely.multilinestrings(path_parts))
            routes.append((start, cur, km, line))
    phases["contract"] = time.perf_counter() - t
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "phases": phases,
        "graph_nodes": graph.number_of_nodes(),
        "graph_edges": graph.number_of_edges(),
        "locations": len({r[0] for r in routes} | {r[1] for r in routes}),
        "routes": len(routes),
        "route_km": float(sum(r[2] for r in routes)),
        "places_attached": len(found[0]),
    }


def worker(side: str, lines: str, places: str) -> None:
    """Runs one side in this (fresh) process and prints JSON: result, peak memory."""
    import corridor  # noqa: F401  (import cost outside the timing, as for the peer's imports)
    import networkx  # noqa: F401
    import pyogrio  # noqa: F401
    import shapely  # noqa: F401

    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = run_corridor(lines, places) if side == "corridor" else run_peer(lines, places)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_rss_mib"] = peak_kb / 1024.0
    result["peak_over_imports_mib"] = (peak_kb - base_kb) / 1024.0
    print(json.dumps(result))


def spawn(side: str, data: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", side, data["lines"], data["places"]],
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{side} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 segments")
    parser.add_argument("--segments", type=int, default=None, help="segments (default 200,000)")
    parser.add_argument("--repeats", type=int, default=3, help="corridor runs (best of)")
    parser.add_argument("--peer-repeats", type=int, default=1, help="peer runs (best of)")
    parser.add_argument(
        "--worker", nargs=3, metavar=("SIDE", "LINES", "PLACES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0
    segments = args.segments or (20_000 if args.quick else 200_000)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="corridor-bench-build-") as tmp:
        t = time.perf_counter()
        data = make_data(Path(tmp), segments)
        made = time.perf_counter() - t
        print(
            f"data: {data['segments']:,} segments in {data['features']:,} features "
            f"({data['roads']} roads), {data['places_count']:,} places; made in {made:.1f} s"
        )
        spawn("corridor", data)  # warm-up (file cache, first import)
        ours = [spawn("corridor", data) for _ in range(args.repeats)]
        theirs = [spawn("peer", data) for _ in range(args.peer_repeats)]
    best = min(ours, key=lambda r: r["seconds"])
    peer = min(theirs, key=lambda r: r["seconds"])
    ratio = peer["seconds"] / best["seconds"]
    km_diff = abs(best["route_km"] - peer["route_km"]) / peer["route_km"]
    rows = [
        ("time (s)", f"{best['seconds']:.3f}", f"{peer['seconds']:.3f}"),
        ("peak RSS (MiB)", f"{best['peak_rss_mib']:.0f}", f"{peer['peak_rss_mib']:.0f}"),
        ("peak over imports (MiB)", f"{best['peak_over_imports_mib']:.0f}",
         f"{peer['peak_over_imports_mib']:.0f}"),
        ("graph nodes / edges", f"{best['graph_nodes']:,} / {best['graph_edges']:,}",
         f"{peer['graph_nodes']:,} / {peer['graph_edges']:,}"),
        ("locations / routes", f"{best['locations']:,} / {best['routes']:,}",
         f"{peer['locations']:,} / {peer['routes']:,}"),
        ("route km (without stubs)", f"{best['route_km']:,.1f}", f"{peer['route_km']:,.1f}"),
        ("places attached", f"{best['places_attached']:,}", f"{peer['places_attached']:,}"),
    ]
    print(f"\n{'':26} {'corridor':>22} {'shapely + NetworkX':>22}")
    for name, a, b in rows:
        print(f"{name:26} {a:>22} {b:>22}")
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in peer["phases"].items())
    print(f"\npeer phases: {phases}")
    print(f"speed: shapely + NetworkX / corridor = {ratio:.1f}x (target >= 5x); "
          f"route km differ by {km_diff:.2e} (relative)")
    import corridor
    import networkx
    import shapely

    results = {
        "started": started,
        "segments": data["segments"],
        "features": data["features"],
        "places": data["places_count"],
        "snap_tolerance_m": SNAP_M,
        "merge_tolerance_m": MERGE_M,
        "corridor": ours,
        "peer": theirs,
        "ratio": ratio,
        "route_km_relative_difference": km_diff,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
            "corridor": corridor.__version__,
            "shapely": shapely.__version__,
            "geos": shapely.geos_version_string,
            "networkx": networkx.__version__,
        },
    }
    name = "results-build-network-quick.json" if args.quick else "results-build-network.json"
    (HERE / name).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
