"""Route networks from GIS layers: noding, snapping places, border crossings, contraction.

:func:`build_network` turns a line layer (roads, tracks, ferry lanes, rivers), a point layer of
places and, optionally, a polygon layer of countries into a :class:`corridor.Network` whose
routes follow the lines, with a :class:`BuildReport` of everything that was snapped, merged,
dropped and repaired. The work is done in C++ (``corridor._core``) with the GIL released; see
``docs/build_network.md`` for the steps and their rules.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from corridor import _core
from corridor.network import Network

__all__ = ["BuildReport", "NetworkBuild", "build_network"]

_ISSUE_COLUMNS = ["kind", "layer", "feature", "name", "lon", "lat", "distance_m", "message"]
_ROUTE_COLUMNS = ["speed_km_h", "class", "border", "source_fid", "segments"]


@dataclass(frozen=True, eq=False)
class BuildReport:
    """What :func:`build_network` did, as counts and tables.

    Attributes
    ----------
    stats : dict
        Counts: ``line_features, line_parts, segments, places, border_shapes,
        repaired_features, dropped_features, crossings`` (split points where lines cross or
        touch), ``merged_points, joined_dangles, duplicate_segments, zero_length_segments,
        graph_nodes, graph_edges`` (before contraction), ``places_on_vertex, places_on_edge,
        places_shared, places_beyond, border_crossings, border_posts_used, pruned_edges,
        loops_dropped, junctions, locations, routes``, and ``seconds`` (wall time).
    issues : pandas.DataFrame
        One row per thing done to the input or found wrong with it: ``kind`` (repaired,
        dropped, merged, joined, duplicate, unsnapped, shared_point, border_post, loop),
        ``layer`` (lines, places, borders), ``feature`` (the source feature id, -1 if none),
        ``name`` (place or country), ``lon, lat`` (where, WGS84), ``distance_m`` and a
        ``message`` naming the file, layer and feature.
    places : pandas.DataFrame
        One row per input place, indexed by name: ``attached``, ``how`` (vertex, edge, shared,
        beyond), ``distance_m`` (to the point it was attached to, or to the nearest line),
        ``location`` (its id in the network, -1 if dropped) and that point's ``lon, lat``.
    crossings : pandas.DataFrame
        One row per border crossing: ``country_a, country_b`` (sorted), ``lon, lat``,
        ``location`` (the crossing's location id, or the border post's), ``post`` (the
        border-post place used, "" if none) and ``post_distance_m``.
    routes : pandas.DataFrame
        Per route (indexed by route id, as ``Network.routes``): ``speed_km_h`` (time-averaged
        over the route's parts, NaN if the layer gave none), ``class`` and ``source_fid`` (of
        the route's longest part), ``border`` (``"A|B"`` per boundary the route crosses or ends
        at, ``;``-separated) and ``segments`` (straight segments in its line).
    sources : dict
        The layers built from (``lines``, ``places``, ``borders``).
    """

    stats: dict[str, Any]
    issues: pd.DataFrame
    places: pd.DataFrame
    crossings: pd.DataFrame
    routes: pd.DataFrame
    sources: dict[str, str]

    @property
    def unsnapped(self) -> pd.DataFrame:
        """The places that were not attached to any line, farthest first."""
        beyond = self.places[~self.places["attached"]]
        return beyond.sort_values("distance_m", ascending=False)

    def summary(self) -> pd.Series:
        """The counts as a Series."""
        return pd.Series(self.stats, name="count")

    def to_text(self, max_issues: int = 20) -> str:
        """The report as text, as ``corridor build-network`` prints it."""
        s = self.stats
        src = self.sources
        layers = f"{src.get('lines', '?')} + {src.get('places', '?')}"
        if src.get("borders"):
            layers += f" + {src['borders']}"
        attached = s["places"] - s["places_beyond"]
        lines = [
            f"built a network from {layers} in {s['seconds']:.2f} s",
            f"  lines      {s['line_features']:,} features, {s['line_parts']:,} parts, "
            f"{s['segments']:,} segments; {s['repaired_features']:,} repaired, "
            f"{s['dropped_features']:,} dropped",
            f"  noding     {s['crossings']:,} crossings and touches split, "
            f"{s['merged_points']:,} line ends/crossings merged, "
            f"{s['joined_dangles']:,} dangling ends joined",
            f"  cleaned    {s['duplicate_segments']:,} duplicate and "
            f"{s['zero_length_segments']:,} zero-length segments removed",
            f"  graph      {s['graph_nodes']:,} nodes and {s['graph_edges']:,} edges before "
            f"contraction; {s['pruned_edges']:,} dead-end edges pruned, "
            f"{s['loops_dropped']:,} loops dropped",
            f"  places     {s['places']:,}: {attached:,} attached ({s['places_on_vertex']:,} on a "
            f"vertex, {s['places_on_edge']:,} on an edge split there, {s['places_shared']:,} "
            f"sharing another's point), {s['places_beyond']:,} beyond the snap tolerance",
        ]
        for name, row in self.unsnapped.iterrows():
            dist = row["distance_m"]
            text = "no line at all" if not np.isfinite(dist) else _distance_text(dist)
            lines.append(f"               {name}: {text} from the nearest line")
        if s["border_shapes"]:
            lines.append(
                f"  borders    {s['border_crossings']:,} crossings "
                f"({s['border_posts_used']:,} at a border post)"
                + (": " + ", ".join(self._crossing_pairs()) if s["border_crossings"] else "")
            )
        lines.append(
            f"  network    {s['locations']:,} locations ({s['junctions']:,} junctions), "
            f"{s['routes']:,} routes"
        )
        shown = self.issues[~self.issues["kind"].isin(["border_post"])]
        if len(shown):
            counts = ", ".join(f"{v:,} {k}" for k, v in shown["kind"].value_counts().items())
            lines.append(f"  report     {len(shown):,} entries ({counts})")
            for message in shown["message"].head(max_issues):
                lines.append(f"    {message}")
            if len(shown) > max_issues:
                lines.append(f"    ... and {len(shown) - max_issues:,} more (layer build_report)")
        return "\n".join(lines)

    def _crossing_pairs(self) -> list[str]:
        pairs = self.crossings["country_a"] + "-" + self.crossings["country_b"]
        return [f"{n} {p}" for p, n in pairs.value_counts().sort_index().items()]

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"<corridor.geo.BuildReport: {s['locations']:,} locations, {s['routes']:,} routes; "
            f"{s['places'] - s['places_beyond']}/{s['places']} places attached, "
            f"{s['border_crossings']} border crossings, {len(self.issues):,} report entries>"
        )


class NetworkBuild(NamedTuple):
    """What :func:`build_network` returns: the network and the report (unpack as a pair)."""

    network: Network
    report: BuildReport

    def write(
        self,
        path: str | os.PathLike,
        *,
        crs: str | None = None,
        driver: str | None = None,
        densify_km: float = 25.0,
    ) -> list[Path]:
        """Write the network's ``locations`` and ``routes`` layers, atomically.

        In a GeoPackage, ``routes`` also gets the report's route fields (``speed_km_h, class,
        border, source_fid, segments``) and a point layer ``build_report`` holds
        :attr:`BuildReport.issues`. Other formats get the two network layers only, as
        :meth:`Network.write` writes them.
        """
        routes = self.report.routes
        attrs = {c: routes[c].to_numpy() for c in _ROUTE_COLUMNS} if len(routes) else {}
        if attrs:
            attrs["class"] = routes["class"].astype(str).tolist()
            attrs["border"] = routes["border"].astype(str).tolist()
        issues_frame = self.report.issues
        issues = {
            "kind": issues_frame["kind"].astype(str).tolist(),
            "layer": issues_frame["layer"].astype(str).tolist(),
            "feature": issues_frame["feature"].to_numpy(dtype=np.int64),
            "name": issues_frame["name"].astype(str).tolist(),
            "lon": issues_frame["lon"].to_numpy(dtype=float),
            "lat": issues_frame["lat"].to_numpy(dtype=float),
            "distance_m": issues_frame["distance_m"].to_numpy(dtype=float),
            "message": issues_frame["message"].astype(str).tolist(),
        }
        written = _core.write_build(
            self.network._core, attrs, issues, os.fspath(path), crs or "", driver or "",
            float(densify_km),
        )
        return [Path(p) for p in written]


def _distance_text(metres: float) -> str:
    return f"{metres / 1000:,.2f} km" if metres >= 1000 else f"{metres:,.1f} m"


def _as_path(layer: Any, folder: list[str], stem: str) -> str:
    """A path for `layer`: itself if it is one, else a GeoPackage written to a temp folder."""
    if isinstance(layer, (str, os.PathLike)):
        return os.fspath(layer)
    if hasattr(layer, "to_file"):  # a GeoDataFrame or GeoSeries
        if not folder:
            folder.append(tempfile.mkdtemp(prefix="corridor-build-"))
        path = os.path.join(folder[0], f"{stem}.gpkg")
        frame = layer.to_frame() if not hasattr(layer, "columns") else layer
        try:
            import pyogrio
        except ImportError:  # pragma: no cover - geopandas without pyogrio
            frame.to_file(path, layer=stem, driver="GPKG", index=False)
        else:
            # GeoPackage 1.2: what every GDAL reads without a version warning.
            pyogrio.write_dataframe(
                frame, path, layer=stem, driver="GPKG", dataset_options={"VERSION": "1.2"}
            )
        return path
    raise TypeError(f"{stem}: expected a path or a GeoDataFrame, got {type(layer).__name__}")


def build_network(
    lines: str | os.PathLike | Any,
    places: str | os.PathLike | Any,
    borders: str | os.PathLike | Any | None = None,
    *,
    snap_tolerance_m: float = 1000.0,
    merge_tolerance_m: float = 1.0,
    border_post_tolerance_m: float | None = None,
    country_field: str = "name",
    mode_field: str = "mode",
    speed_field: str = "speed",
    class_field: str | None = None,
    class_modes: Mapping[str, str] | None = None,
    capacity_field: str = "capacity_per_day",
    lines_layer: str | None = None,
    places_layer: str | None = None,
    borders_layer: str | None = None,
    contract: bool = True,
    prune_dead_ends: bool = False,
    keep_unsnapped: bool = True,
    threads: int | None = None,
) -> NetworkBuild:
    """Build a route network from a line layer, a layer of places and (optionally) countries.

    Lines that cross without a shared vertex are split where they cross; duplicate and
    zero-length segments are removed; line ends (and crossings) closer than
    ``merge_tolerance_m`` are merged and a line end that close to another line is joined to
    it. Each place is attached to the nearest vertex or line (splitting it) within
    ``snap_tolerance_m``. With ``borders``, every boundary a line crosses gets a border-crossing
    location (or uses a border-post place, ``kind = border_crossing``, within
    ``border_post_tolerance_m``), and places, junctions and crossings get their country. Chains
    of degree-2 points between places, junctions and crossings are contracted into one route
    that keeps the full line. Lengths are geodesic on WGS84 whatever the layers' CRS.

    Parameters
    ----------
    lines : path or GeoDataFrame
        Line layer (any OGR format and CRS): LineString or MultiLineString features. Optional
        fields: ``mode_field`` (road, foot, sea, river, air), ``speed_field`` (km/h),
        ``class_field`` and ``capacity_field`` (people per day).
    places : path or GeoDataFrame
        Point layer (or CSV) read like a locations file: ``name`` (unique), and optional
        ``kind, country, region, population, capacity, screening_per_day``.
    borders : path or GeoDataFrame, optional
        Polygon layer of countries (or admin areas) with a ``country_field``.
    snap_tolerance_m : float
        Places farther than this from every line are not attached (they are reported, and kept
        as isolated locations unless ``keep_unsnapped=False``), metres, > 0.
    merge_tolerance_m : float
        Line ends and crossings closer than this are merged, metres, >= 0.
    border_post_tolerance_m : float, optional
        A border-post place this close to a crossing stands for it (default
        ``snap_tolerance_m``), metres, >= 0.
    country_field : str
        Country name field of ``borders``.
    mode_field, speed_field, capacity_field : str
        Fields of ``lines``; absent fields are ignored (mode road, no speed, no capacity limit).
    class_field : str, optional
        A class field of ``lines`` (e.g. OSM ``highway``) that sets the mode where
        ``mode_field`` is empty: ``class_modes`` first, then ferry -> sea; path, footway,
        track, steps, pedestrian, bridleway -> foot; river, canal -> river; else road.
    class_modes : mapping, optional
        Class value -> mode name, e.g. ``{"ferry_route": "sea", "trail": "foot"}``.
    lines_layer, places_layer, borders_layer : str, optional
        Layer names in multi-layer sources.
    contract : bool
        Contract degree-2 chains into routes (False: one route per straight piece).
    prune_dead_ends : bool
        Remove dead-end spurs that lead to no place (repeatedly) before contracting.
    keep_unsnapped : bool
        Keep places that were not attached, as isolated locations.
    threads : int, optional
        Worker threads (all cores by default); the result does not depend on it.

    Returns
    -------
    NetworkBuild
        ``(network, report)``: a :class:`corridor.Network` and its :class:`BuildReport`;
        ``NetworkBuild.write(path)`` exports both.

    Raises
    ------
    corridor.InputError
        An empty layer, a missing field, a bad attribute value (naming file, feature, field),
        or bad options.
    corridor.CrsError
        A layer without a CRS whose coordinates are not lon/lat, or a CRS PROJ cannot
        transform (naming file and layer).
    corridor.IoError
        A file or layer that cannot be opened.
    """
    folder: list[str] = []
    paths: dict[str, str] = {}
    try:
        paths = {
            "lines": _as_path(lines, folder, "lines"),
            "places": _as_path(places, folder, "places"),
            "borders": "" if borders is None else _as_path(borders, folder, "borders"),
        }
        raw = _core.build_network_from_layers(
            paths["lines"],
            paths["places"],
            paths["borders"],
            lines_layer or "",
            places_layer or "",
            borders_layer or "",
            country_field,
            mode_field or "",
            speed_field or "",
            class_field or "",
            [(str(k), str(v)) for k, v in (class_modes or {}).items()],
            capacity_field or "",
            float(snap_tolerance_m),
            float(merge_tolerance_m),
            math.nan if border_post_tolerance_m is None else float(border_post_tolerance_m),
            bool(contract),
            bool(prune_dead_ends),
            bool(keep_unsnapped),
            int(threads or 0),
        )
    except _core.Error as exc:
        # Name a frame given in memory rather than the temporary file it was written to.
        message = str(exc)
        for key, value in paths.items() if folder else ():
            if value and value.startswith(folder[0]):
                message = message.replace(value, f"<{key} GeoDataFrame>")
        if message == str(exc):
            raise
        raise type(exc)(message) from None
    finally:
        if folder:
            import shutil

            shutil.rmtree(folder[0], ignore_errors=True)
    network = Network(raw["network"])
    issues = pd.DataFrame(raw["issues"], columns=_ISSUE_COLUMNS)
    issues["kind"] = issues["kind"].astype("category")
    places_frame = pd.DataFrame(raw["places"]).set_index("name")
    places_frame["how"] = places_frame["how"].astype("category")
    crossings = pd.DataFrame(raw["crossings"])
    routes = pd.DataFrame(raw["route_attributes"], columns=_ROUTE_COLUMNS)
    routes.index.name = "id"
    sources = {k: v for k, v in paths.items() if v}
    if folder:  # layers given as frames: say so rather than name a deleted temp file
        sources = {
            k: (v if not v.startswith(folder[0]) else f"<{k} GeoDataFrame>")
            for k, v in sources.items()
        }
    report = BuildReport(
        stats=dict(raw["stats"]),
        issues=issues,
        places=places_frame,
        crossings=crossings,
        routes=routes,
        sources=sources,
    )
    return NetworkBuild(network, report)
