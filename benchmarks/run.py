"""corridor benchmarks, side by side with its peers, in one run.

Run with ``./dev bench`` (installs benchmarks/requirements.txt first), or directly::

    .venv/bin/python benchmarks/run.py [--quick] [--only shortest|kroutes|gpkg] [--output PATH]

Benchmarks (see benchmarks/README.md for the figures and notes):

shortest
    Shortest-route km from 100 sources to every location of a generated 100k-location,
    300k-route network: corridor ``Network.distances`` (threads=1 and threads=2) vs igraph
    ``Graph.distances`` vs NetworkX ``single_source_dijkstra_path_length`` (NetworkX is timed on
    a subset of sources and scaled per source).
kroutes
    The 5 shortest loop-free routes for 100 random pairs on the same network, in two sets:
    "regional" pairs 50-150 km apart and "long" pairs 300-500 km apart: corridor
    ``Network.k_routes`` vs NetworkX ``shortest_simple_paths`` (timed on a subset of pairs and
    scaled per pair).
gpkg
    Writing a 100k-route network (locations points + routes lines) to GeoPackage: corridor
    ``Network.write`` vs GeoPandas ``to_file(engine="pyogrio")`` vs
    ``pyogrio.write_dataframe(use_arrow=True)``, writing the same two layers with the same
    fields and vertices.

Every input is generated here from a seeded numpy Generator, so each run times the same data.
Times are wall-clock (``time.perf_counter``), the best of N repetitions after one warm-up.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
LON_RANGE = (20.0, 40.0)
LAT_RANGE = (0.0, 20.0)
BENCHMARKS = ("shortest", "kroutes", "gpkg")

# Sizes: the full run (the README figures) and --quick (a smoke run of a few seconds).
FULL = {
    "locations": 100_000,
    "routes": 300_000,
    "sources": 100,
    "nx_sources": 5,
    "k": 5,
    # (name, great-circle separation km, pairs, pairs NetworkX is timed on)
    "pair_sets": [("regional", (50.0, 150.0), 100, 10), ("long", (300.0, 500.0), 100, 3)],
    "gpkg_locations": 34_000,
    "gpkg_routes": 100_000,
    "densify_km": 5.0,
    "repeat": 3,
}
QUICK = {
    "locations": 10_000,
    "routes": 30_000,
    "sources": 20,
    "nx_sources": 2,
    "k": 5,
    "pair_sets": [("regional", (50.0, 150.0), 10, 3), ("long", (150.0, 300.0), 10, 2)],
    "gpkg_locations": 3_400,
    "gpkg_routes": 10_000,
    "densify_km": 5.0,
    "repeat": 2,
}
TOLERANCE_KM = 1e-6


# ---------------------------------------------------------------------------- timing
def best_of(fn: Callable[[], object], repeat: int, warmup: Callable[[], object] | None = None):
    """Best wall-clock time of ``repeat`` calls of ``fn`` after one warm-up call.

    ``warmup`` (default: ``fn`` itself) runs once untimed. Returns (seconds, last result).
    """
    (warmup or fn)()
    best = float("inf")
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------- data
def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance on the sphere of mean Earth radius, km (vectorised)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def _snake_order(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points in boustrophedon order: rows of equal count by latitude, alternating in longitude.

    Returns (order, row of each position). Consecutive points are close, so chaining them
    connects the network with short links.
    """
    n = len(lon)
    rows = max(1, int(np.sqrt(n)))
    by_lat = np.argsort(lat, kind="stable")
    row_of_rank = (np.arange(n) * rows) // n
    order = np.empty(n, dtype=np.int64)
    for r in range(rows):
        members = by_lat[row_of_rank == r]
        members = members[np.argsort(lon[members], kind="stable")]
        if r % 2:
            members = members[::-1]
        order[row_of_rank == r] = members
    return order, row_of_rank


def _knn_candidates(lon: np.ndarray, lat: np.ndarray, k: int) -> np.ndarray | None:
    """Edges to the k nearest neighbours, nearest rank first, or None without scipy."""
    try:
        from scipy.spatial import cKDTree
    except ImportError:
        return None
    # Equirectangular plane scaled at the box's mid latitude: good enough to pick neighbours.
    scale = np.cos(np.radians(np.mean(LAT_RANGE)))
    xy = np.column_stack([lon * scale, lat])
    _, nbr = cKDTree(xy).query(xy, k=k + 1)
    n = len(lon)
    return np.concatenate(
        [np.column_stack([np.arange(n), nbr[:, rank]]) for rank in range(1, k + 1)]
    )


def _grid_candidates(order: np.ndarray, row: np.ndarray, lon: np.ndarray, k: int) -> np.ndarray:
    """Without scipy: each point to the nearest-by-longitude point of the next row, then
    skip-links along the snake (2, 3, ... positions ahead)."""
    parts = []
    rows = row.max() + 1
    starts = np.searchsorted(row, np.arange(rows + 1))
    for r in range(rows - 1):
        here = order[starts[r] : starts[r + 1]]
        nxt = order[starts[r + 1] : starts[r + 2]]
        nxt_sorted = nxt[np.argsort(lon[nxt])]
        pos = np.clip(np.searchsorted(lon[nxt_sorted], lon[here]), 0, len(nxt_sorted) - 1)
        parts.append(np.column_stack([here, nxt_sorted[pos]]))
    for skip in range(2, k + 2):
        parts.append(np.column_stack([order[:-skip], order[skip:]]))
    return np.concatenate(parts)


def make_network_frames(
    n_locations: int, n_routes: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """A planar-like random network: uniform points in a lon/lat box, a spanning chain in
    snake order (so it is connected), topped up with k-nearest-neighbour links.

    Returns (locations with name, lon, lat; routes with from, to, distance_km; generator name).
    """
    if n_routes < n_locations - 1:
        raise ValueError("need at least n_locations - 1 routes for a connected network")
    rng = np.random.default_rng(seed)
    lon = rng.uniform(*LON_RANGE, n_locations)
    lat = rng.uniform(*LAT_RANGE, n_locations)
    order, row = _snake_order(lon, lat)
    chain = np.column_stack([order[:-1], order[1:]])

    generator = "chain+knn"
    for k in range(3, 40):
        cand = _knn_candidates(lon, lat, k)
        if cand is None:
            generator = "chain+grid"
            cand = _grid_candidates(order, row, lon, k)
        edges = np.concatenate([chain, cand])
        edges = np.sort(edges, axis=1)
        edges = edges[edges[:, 0] != edges[:, 1]]
        # Unique undirected edges, keeping the first occurrence (chain, then nearest ranks).
        _, first = np.unique(edges[:, 0] * n_locations + edges[:, 1], return_index=True)
        first.sort()
        if len(first) >= n_routes:
            edges = edges[first[:n_routes]]
            break
    else:  # pragma: no cover - only for absurd densities
        raise ValueError(f"cannot make {n_routes} distinct routes on {n_locations} locations")
    # Shuffle the route order so that no library gets a conveniently sorted edge list.
    edges = edges[rng.permutation(len(edges))]
    flip = rng.random(len(edges)) < 0.5
    edges[flip] = edges[flip][:, ::-1]

    names = np.array([f"L{i:06d}" for i in range(n_locations)], dtype=object)
    locations = pd.DataFrame({"name": names, "lon": lon, "lat": lat})
    a, b = edges[:, 0], edges[:, 1]
    routes = pd.DataFrame(
        {
            "from": names[a],
            "to": names[b],
            "distance_km": haversine_km(lon[a], lat[a], lon[b], lat[b]),
        }
    )
    return locations, routes, generator


class Workload:
    """The generated network in each library's form (built once, shared by the benchmarks)."""

    def __init__(self, cfg: dict, seed: int):
        import corridor

        t0 = time.perf_counter()
        self.locations, self.routes, self.generator = make_network_frames(
            cfg["locations"], cfg["routes"], seed
        )
        self.gen_seconds = time.perf_counter() - t0
        self.names = self.locations["name"].to_numpy()
        self.index = {name: i for i, name in enumerate(self.names)}
        self.edges = np.column_stack(
            [
                self.routes["from"].map(self.index).to_numpy(),
                self.routes["to"].map(self.index).to_numpy(),
            ]
        ).astype(np.int64)
        self.weights = self.routes["distance_km"].to_numpy()
        self.setup_seconds: dict[str, float] = {}

        t0 = time.perf_counter()
        self.net = corridor.Network.from_frames(self.locations, self.routes)
        self.setup_seconds["corridor"] = time.perf_counter() - t0
        if not np.array_equal(self.net.locations["name"].to_numpy(), self.names):
            raise RuntimeError("corridor did not keep the location order of the frame")
        self._igraph = None
        self._nx = None

    @property
    def igraph(self):
        if self._igraph is None:
            import igraph as ig

            t0 = time.perf_counter()
            g = ig.Graph(n=len(self.names), edges=self.edges.tolist(), directed=False)
            g.es["w"] = self.weights.tolist()
            self.setup_seconds["igraph"] = time.perf_counter() - t0
            self._igraph = g
        return self._igraph

    @property
    def nx(self):
        if self._nx is None:
            import networkx as nx

            t0 = time.perf_counter()
            g = nx.Graph()
            g.add_nodes_from(range(len(self.names)))
            g.add_weighted_edges_from(
                zip(self.edges[:, 0].tolist(), self.edges[:, 1].tolist(), self.weights.tolist()),
                weight="w",
            )
            self.setup_seconds["networkx"] = time.perf_counter() - t0
            self._nx = g
        return self._nx


# ---------------------------------------------------------------------------- benchmarks
def bench_shortest(w: Workload, cfg: dict, seed: int) -> dict:
    import networkx as nx

    rng = np.random.default_rng(seed + 1)
    n = len(w.names)
    src = np.sort(rng.choice(n, cfg["sources"], replace=False))
    src_names = w.names[src].tolist()
    repeat = cfg["repeat"]
    rows = []

    def corridor_run(threads):
        return lambda: w.net.distances(src_names, threads=threads)

    t1, d1 = best_of(corridor_run(1), repeat)
    rows.append({"impl": "corridor (threads=1)", "seconds": t1, "sources_timed": len(src)})
    log(f"  corridor threads=1: {t1:.3f} s")
    t2, d2 = best_of(corridor_run(2), repeat)
    rows.append({"impl": "corridor (threads=2)", "seconds": t2, "sources_timed": len(src)})
    log(f"  corridor threads=2: {t2:.3f} s")
    corridor_km = d1.to_numpy()
    if not np.array_equal(corridor_km, d2.to_numpy()):
        raise RuntimeError("corridor distances depend on the thread count")
    if list(d1.columns) != w.names.tolist():
        raise RuntimeError("unexpected column order in corridor distances")

    g = w.igraph
    src_list = src.tolist()
    ti, di = best_of(lambda: g.distances(source=src_list, weights="w"), repeat)
    rows.append({"impl": "igraph", "seconds": ti, "sources_timed": len(src)})
    log(f"  igraph: {ti:.3f} s")
    igraph_km = np.asarray(di, dtype=float)
    del di

    # Informational: 100 random targets instead of all. Each search still settles nearly the
    # whole network (it stops at the last target), but the result is 100x smaller, so this
    # compares the searches without most of the result conversion (igraph's is Python lists).
    tgt = np.sort(rng.choice(n, 100, replace=False))
    tgt_names, tgt_list = w.names[tgt].tolist(), tgt.tolist()
    tc_t, dc_t = best_of(lambda: w.net.distances(src_names, tgt_names, threads=1), repeat)
    ti_t, di_t = best_of(lambda: g.distances(source=src_list, target=tgt_list, weights="w"), repeat)
    log(f"  100 targets: corridor threads=1 {tc_t:.3f} s, igraph {ti_t:.3f} s")
    diff_targets = float(np.max(np.abs(dc_t.to_numpy() - np.asarray(di_t, dtype=float))))
    diff_targets = max(diff_targets, float(np.max(np.abs(dc_t.to_numpy() - corridor_km[:, tgt]))))

    G = w.nx
    nx_src = src_list[: cfg["nx_sources"]]

    def nx_run():
        return [nx.single_source_dijkstra_path_length(G, s, weight="w") for s in nx_src]

    tn, dn = best_of(
        nx_run, 1, warmup=lambda: nx.single_source_dijkstra_path_length(G, nx_src[0], weight="w")
    )
    tn_scaled = tn * len(src) / len(nx_src)
    rows.append(
        {"impl": "networkx", "seconds": tn_scaled, "sources_timed": len(nx_src), "scaled": True}
    )
    log(f"  networkx: {tn:.3f} s for {len(nx_src)} sources -> {tn_scaled:.3f} s scaled")
    nx_km = np.full((len(nx_src), n), np.inf)
    for r, lengths in enumerate(dn):
        nx_km[r, list(lengths.keys())] = list(lengths.values())

    diff_igraph = float(np.max(np.abs(corridor_km - igraph_km)))
    diff_nx = float(np.max(np.abs(corridor_km[: len(nx_src)] - nx_km)))
    finite = bool(np.isfinite(corridor_km).all())
    agree = max(diff_igraph, diff_nx, diff_targets) < TOLERANCE_KM and finite
    log(f"  max |diff| km: igraph {diff_igraph:.2e}, networkx {diff_nx:.2e}; all finite: {finite}")

    for row in rows:
        row["ms_per_source"] = 1e3 * row["seconds"] / len(src)
    return {
        "title": f"Shortest-route km, {len(src)} sources x all {n:,} locations",
        "unit": "ms per source",
        "sources": len(src),
        "rows": rows,
        "ratios": {
            "igraph / corridor (threads=1)": ti / t1,
            "igraph / corridor (threads=2)": ti / t2,
            "networkx / corridor (threads=1)": tn_scaled / t1,
            "networkx / corridor (threads=2)": tn_scaled / t2,
        },
        "informational": {
            "100 targets: corridor (threads=1) seconds": tc_t,
            "100 targets: igraph seconds": ti_t,
            "100 targets: igraph / corridor (threads=1)": ti_t / tc_t,
        },
        "targets": {
            "igraph / corridor (threads=1)": 1.0,
            "networkx / corridor (threads=1)": 20.0,
        },
        "max_abs_diff_km": {"igraph": diff_igraph, "networkx": diff_nx},
        "agree": agree,
        "notes": [
            (
                f"NetworkX timed on the first {len(nx_src)} of the {len(src)} sources and scaled "
                "per source."
            ),
            (
                "igraph returns a list of lists and corridor a DataFrame; both conversions are "
                "inside the timing, as a user would see them."
            ),
        ],
    }


def choose_pairs(
    w: Workload, count: int, km: tuple[float, float], seed: int
) -> list[tuple[int, int]]:
    """Random (origin, destination) pairs whose great-circle separation lies in ``km``."""
    rng = np.random.default_rng(seed + 2)
    lon = w.locations["lon"].to_numpy()
    lat = w.locations["lat"].to_numpy()
    pairs = []
    while len(pairs) < count:
        a = int(rng.integers(len(lon)))
        d = haversine_km(lon[a], lat[a], lon, lat)
        ok = np.flatnonzero((d >= km[0]) & (d <= km[1]))
        if len(ok):
            pairs.append((a, int(rng.choice(ok))))
    return pairs


def bench_kroutes(w: Workload, cfg: dict, seed: int, pair_set: tuple) -> dict:
    import networkx as nx

    k = cfg["k"]
    set_name, band, n_pairs, n_nx_pairs = pair_set
    pairs = choose_pairs(w, n_pairs, band, seed + int(band[0]))
    named = [(w.names[a], w.names[b]) for a, b in pairs]
    rows = []

    def corridor_run():
        return [w.net.k_routes(a, b, k=k) for a, b in named]

    tc, routes = best_of(corridor_run, cfg["repeat"], warmup=lambda: w.net.k_routes(*named[0], k=k))
    rows.append({"impl": "corridor", "seconds": tc, "pairs_timed": len(pairs)})
    log(f"  corridor: {tc:.3f} s")
    unreachable = sum(1 for r in routes if not r)
    if unreachable:
        raise RuntimeError(f"{unreachable} benchmark pairs are unreachable")
    hops = [r[0].hops for r in routes]

    G = w.nx
    nx_pairs = pairs[:n_nx_pairs]

    def nx_run():
        return [
            list(itertools.islice(nx.shortest_simple_paths(G, a, b, weight="w"), k))
            for a, b in nx_pairs
        ]

    tn, paths = best_of(
        nx_run,
        1,
        warmup=lambda: list(
            itertools.islice(nx.shortest_simple_paths(G, *nx_pairs[0], weight="w"), k)
        ),
    )
    tn_scaled = tn * len(pairs) / len(nx_pairs)
    rows.append(
        {"impl": "networkx", "seconds": tn_scaled, "pairs_timed": len(nx_pairs), "scaled": True}
    )
    log(f"  networkx: {tn:.3f} s for {len(nx_pairs)} pairs -> {tn_scaled:.3f} s scaled")

    max_diff = 0.0
    same_count = True
    for ours, theirs in zip(routes, paths):
        if len(ours) != len(theirs):
            same_count = False
            continue
        for r, p in zip(ours, theirs):
            max_diff = max(max_diff, abs(r.cost - nx.path_weight(G, p, weight="w")))
    agree = same_count and max_diff < TOLERANCE_KM
    log(
        f"  max |cost diff| km over {len(nx_pairs)} pairs x {k} routes: {max_diff:.2e}; "
        f"same counts: {same_count}"
    )

    for row in rows:
        row["ms_per_pair"] = 1e3 * row["seconds"] / len(pairs)
    return {
        "title": f"k={k} shortest loop-free routes, {len(pairs)} {set_name} pairs "
        f"{band[0]:.0f}-{band[1]:.0f} km apart",
        "unit": "ms per pair",
        "pairs": len(pairs),
        "pair_km": list(band),
        "k": k,
        "hops_of_shortest": {
            "min": int(min(hops)),
            "median": float(np.median(hops)),
            "max": int(max(hops)),
        },
        "rows": rows,
        "ratios": {"networkx / corridor": tn_scaled / tc},
        "targets": {"networkx / corridor": 20.0},
        "max_abs_cost_diff_km": max_diff,
        "agree": agree,
        "notes": [
            (
                f"NetworkX timed on the first {len(nx_pairs)} of the {len(pairs)} pairs and "
                "scaled per pair."
            ),
            (
                f"Pairs are drawn at random among those {band[0]:.0f}-{band[1]:.0f} km apart (great "
                "circle); NetworkX's time grows steeply with the separation, corridor's hardly."
            ),
        ],
    }


def _count_vertices(path: Path, layer: str) -> tuple[int, int]:
    import pyogrio
    import shapely

    frame = pyogrio.read_dataframe(path, layer=layer, columns=[])
    return len(frame), int(shapely.get_num_coordinates(frame.geometry.values).sum())


def bench_gpkg(cfg: dict, seed: int) -> dict:
    import corridor
    import geopandas  # noqa: F401 - GeoDataFrame.to_file
    import pyogrio
    import shapely

    locations, routes, _ = make_network_frames(cfg["gpkg_locations"], cfg["gpkg_routes"], seed + 3)
    net = corridor.Network.from_frames(locations, routes)
    densify = cfg["densify_km"]

    def frames():
        return (
            net.to_geodataframe("locations"),
            net.to_geodataframe("routes", densify_km=densify),
        )

    # Informational: what a GeoPandas user pays to get the lines before writing them.
    frames_seconds, (loc_gdf, route_gdf) = best_of(frames, cfg["repeat"])
    vertices = int(shapely.get_num_coordinates(route_gdf.geometry.values).sum())
    log(
        f"  {len(loc_gdf):,} locations, {len(route_gdf):,} routes, {vertices:,} route vertices; "
        f"to_geodataframe (both layers) {frames_seconds:.3f} s"
    )

    tmp = Path(tempfile.mkdtemp(prefix="corridor-bench-"))
    rows = []
    try:
        out = {name: tmp / f"{name}.gpkg" for name in ("corridor", "geopandas", "arrow")}

        def corridor_write():
            net.write(out["corridor"], densify_km=densify)

        def geopandas_write():
            loc_gdf.to_file(out["geopandas"], layer="locations", driver="GPKG", engine="pyogrio")
            route_gdf.to_file(out["geopandas"], layer="routes", driver="GPKG", engine="pyogrio")

        def arrow_write():
            pyogrio.write_dataframe(
                loc_gdf, out["arrow"], layer="locations", driver="GPKG", use_arrow=True
            )
            pyogrio.write_dataframe(
                route_gdf, out["arrow"], layer="routes", driver="GPKG", use_arrow=True
            )

        aligned = False
        impls = [
            ("corridor", "corridor", corridor_write),
            ("geopandas to_file (pyogrio)", "geopandas", geopandas_write),
            ("pyogrio write_dataframe (arrow)", "arrow", arrow_write),
        ]
        for label, key, fn in impls:
            path = out[key]
            if key != "corridor" and not aligned:
                # Give the peers exactly the fields corridor wrote, in its order (corridor
                # writes the route id but not the locations' lon/lat columns).
                fields = {
                    layer: list(pyogrio.read_info(out["corridor"], layer=layer)["fields"])
                    for layer in ("locations", "routes")
                }
                loc_gdf = loc_gdf.reset_index()[fields["locations"] + ["geometry"]]
                route_gdf = route_gdf.reset_index()[fields["routes"] + ["geometry"]]
                aligned = True
            try:
                best = float("inf")
                # One warm-up, then the timed writes; removing the old file is not timed.
                for attempt in range(cfg["repeat"] + 1):
                    if path.exists():
                        path.unlink()
                    gc.collect()
                    t0 = time.perf_counter()
                    fn()
                    if attempt:
                        best = min(best, time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - e.g. no pyarrow: report it, go on
                log(f"  {label}: FAILED ({type(exc).__name__}: {exc})")
                rows.append(
                    {"impl": label, "seconds": None, "error": f"{type(exc).__name__}: {exc}"}
                )
                continue
            counts = {layer: _count_vertices(path, layer) for layer in ("locations", "routes")}
            size = path.stat().st_size
            rows.append(
                {
                    "impl": label,
                    "seconds": best,
                    "features": {layer: c[0] for layer, c in counts.items()},
                    "vertices": {layer: c[1] for layer, c in counts.items()},
                    "fields": {
                        layer: list(pyogrio.read_info(path, layer=layer)["fields"])
                        for layer in ("locations", "routes")
                    },
                    "bytes": size,
                }
            )
            log(f"  {label}: {best:.3f} s ({size / 1e6:.1f} MB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    by = {r["impl"]: r for r in rows}
    tc = by["corridor"]["seconds"]
    ratios = {}
    for label in ("geopandas to_file (pyogrio)", "pyogrio write_dataframe (arrow)"):
        if by.get(label, {}).get("seconds") and tc:
            ratios[f"{label} / corridor"] = by[label]["seconds"] / tc
    ok = [r for r in rows if r.get("seconds") is not None]
    same_shape = all(
        r["features"] == ok[0]["features"] and r["vertices"] == ok[0]["vertices"] for r in ok
    )
    same_fields = all(r["fields"] == ok[0]["fields"] for r in ok)
    log(
        f"  same features and vertex counts in every file: {same_shape}; same fields: {same_fields}"
    )
    with_frames = {
        f"({label} + to_geodataframe) / corridor": (by[label]["seconds"] + frames_seconds) / tc
        for label in ("geopandas to_file (pyogrio)", "pyogrio write_dataframe (arrow)")
        if by.get(label, {}).get("seconds") and tc
    }
    for row in rows:
        if row.get("seconds") is not None:
            row["us_per_route"] = 1e6 * row["seconds"] / len(route_gdf)
    return {
        "title": f"GeoPackage write, {len(loc_gdf):,} locations + {len(route_gdf):,} routes "
        f"(densify_km={densify:g})",
        "unit": "s per file",
        "route_vertices": vertices,
        "rows": rows,
        "ratios": ratios,
        "targets": {k: 1.0 for k in ratios},
        "to_geodataframe_seconds": frames_seconds,
        "ratios_including_to_geodataframe": with_frames,
        "agree": same_shape and same_fields,
        "notes": [
            (
                "Peers write the GeoDataFrames that corridor's own to_geodataframe() gives, cut to "
                "the fields corridor writes (same features, fields and vertices); building those "
                f"frames ({frames_seconds:.2f} s: geodesic densification and shapely lines) is not "
                "in the peers' time, while corridor.write densifies inside its timed call."
            ),
            (
                "corridor links the system GDAL; pyogrio ships its own GDAL build (versions in the "
                "results)."
            ),
        ],
    }


# ---------------------------------------------------------------------------- report
def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict:
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {
        "load_average_start": load,
        "cpu": cpu or platform.processor(),
        "cores": cores,
        "memory_gib": mem_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def library_versions() -> dict:
    import corridor

    versions = {"corridor": getattr(corridor, "__version__", _version("corridor"))}
    for dist in (
        "igraph",
        "networkx",
        "numpy",
        "pandas",
        "scipy",
        "geopandas",
        "shapely",
        "pyogrio",
        "pyarrow",
    ):
        versions[dist] = _version(dist)
    try:
        import pyogrio

        versions["gdal (pyogrio)"] = pyogrio.__gdal_version_string__
    except ImportError:
        pass
    gdal = None
    for attr in ("gdal_version", "__gdal_version__"):
        gdal = getattr(corridor._core, attr, None)
        if gdal is not None:
            gdal = gdal() if callable(gdal) else gdal
            break
    if gdal is None:
        try:
            gdal = subprocess.run(
                ["gdal-config", "--version"], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            gdal = None
    versions["gdal (corridor, system)"] = gdal
    return versions


def print_table(results: dict) -> None:
    print()
    for res in results["benchmarks"].values():
        print(res["title"])
        per = [k for k in res["rows"][0] if k.startswith(("ms_per", "us_per"))]
        per = per[0] if per else None
        corridor_s = res["rows"][0]["seconds"]
        print(f"  {'implementation':34s} {'total s':>10s} {(per or ''):>14s} {'/ corridor':>12s}")
        for row in res["rows"]:
            if row.get("seconds") is None:
                print(f"  {row['impl']:34s} {'failed':>10s}")
                continue
            ratio = row["seconds"] / corridor_s if corridor_s else float("nan")
            flag = " (scaled)" if row.get("scaled") else ""
            per_val = f"{row[per]:14.3f}" if per else ""
            print(f"  {row['impl']:34s} {row['seconds']:10.3f} {per_val} {ratio:11.2f}x{flag}")
        for label, ratio in res["ratios"].items():
            target = res["targets"].get(label)
            verdict = ""
            if target is not None:
                verdict = f"  target >= {target:g}x: {'met' if ratio >= target else 'MISSED'}"
            print(f"  ratio {label}: {ratio:.2f}{verdict}")
        for label, ratio in res.get("ratios_including_to_geodataframe", {}).items():
            print(f"  ratio {label}: {ratio:.2f}  (informational)")
        for label, value in res.get("informational", {}).items():
            print(f"  {label}: {value:.3f}  (informational)")
        print(f"  results agree: {res['agree']}")
        for note in res["notes"]:
            print(f"  note: {note}")
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="JSON results (default: benchmarks/results.json, or "
        "benchmarks/results-quick.json with --quick)",
    )
    args = parser.parse_args(argv)

    cfg = dict(QUICK if args.quick else FULL)
    selected = args.only or list(BENCHMARKS)
    output = args.output or HERE / ("results-quick.json" if args.quick else "results.json")
    started = time.perf_counter()

    results = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "seed": args.seed,
        "machine": machine_info(),
        "versions": library_versions(),
        "config": {k: v for k, v in cfg.items()},
        "benchmarks": {},
    }
    log(
        f"corridor {results['versions']['corridor']} on {results['machine']['cpu']}, "
        f"{results['machine']['cores']} cores ({results['mode']} run)"
    )

    workload = None
    if {"shortest", "kroutes"} & set(selected):
        log(f"generating {cfg['locations']:,} locations, {cfg['routes']:,} routes ...")
        workload = Workload(cfg, args.seed)
        log(
            f"  generated in {workload.gen_seconds:.1f} s ({workload.generator}); corridor "
            f"network built in {workload.setup_seconds['corridor']:.2f} s"
        )
    if "shortest" in selected:
        log("shortest routes ...")
        results["benchmarks"]["shortest"] = bench_shortest(workload, cfg, args.seed)
    if "kroutes" in selected:
        for pair_set in cfg["pair_sets"]:
            log(f"k shortest loop-free routes, {pair_set[0]} pairs ...")
            key = "kroutes" if pair_set[0] == "regional" else f"kroutes_{pair_set[0]}"
            results["benchmarks"][key] = bench_kroutes(workload, cfg, args.seed, pair_set)
    if "gpkg" in selected:
        log("GeoPackage write ...")
        results["benchmarks"]["gpkg"] = bench_gpkg(cfg, args.seed)
    if workload is not None:
        results["network"] = {
            "locations": len(workload.names),
            "routes": len(workload.weights),
            "generator": workload.generator,
            "build_seconds": workload.setup_seconds,
        }
    results["total_seconds"] = time.perf_counter() - started
    # Other work on the machine skews timings: keep the load averages for the reader.
    if hasattr(os, "getloadavg"):
        results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    # With --only, keep the other benchmarks of an earlier run of the same mode.
    if args.only and output.exists():
        try:
            old = json.loads(output.read_text())
            if old.get("mode") == results["mode"]:
                merged = old.get("benchmarks", {})
                merged.update(results["benchmarks"])
                results["benchmarks"] = merged
        except (OSError, ValueError):
            pass
    output.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print_table(results)
    log(f"total {results['total_seconds']:.0f} s; results written to {output}")
    disagree = [name for name, res in results["benchmarks"].items() if not res["agree"]]
    if disagree:
        log(f"RESULTS DISAGREE in: {', '.join(disagree)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
