"""The route network: locations and routes as DataFrames, shortest routes, map layers.

The heavy lifting (validation, adjacency, Dijkstra, Yen, geodesics, OGR writes) happens in
:mod:`corridor._core`, with the GIL released; this module turns its columns into pandas,
shapely and geopandas objects.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor import _core

__all__ = ["Network", "Route", "read_network"]

_LOCATION_COLUMNS = [
    "name",
    "country",
    "region",
    "kind",
    "lon",
    "lat",
    "population",
    "capacity",
    "screening_per_day",
]


def _geopandas():
    try:
        import geopandas
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "this needs geopandas: pip install 'corridor[geo]' (or pip install geopandas)"
        ) from exc
    return geopandas


def _shapely():
    try:
        import shapely
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("this needs shapely: pip install shapely") from exc
    return shapely


def read_network(
    locations: str | os.PathLike,
    routes: str | os.PathLike,
    *,
    locations_layer: str | None = None,
    routes_layer: str | None = None,
) -> Network:
    """Read a network from a locations file and a routes file.

    Parameters
    ----------
    locations : path
        CSV with columns ``name, lat, lon`` (optional ``country, region, kind, population,
        capacity, screening_per_day``), a Flee ``locations.csv``, or any OGR point layer
        (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, ...).
    routes : path
        CSV with columns ``from, to`` (optional ``distance_km, mode, capacity_per_day, closed,
        directed``), a Flee ``routes.csv``, or any OGR line layer. A route without a distance
        gets its geodesic length on WGS84 (along its line, if it has one).
    locations_layer, routes_layer : str, optional
        Layer names in multi-layer sources; the first layer by default.

    Returns
    -------
    Network

    Raises
    ------
    corridor.InputError
        Bad data; the message names the file, the line or feature, and the field.
    corridor.IoError
        A file or layer that cannot be opened or read.
    """
    core = _core.read_network(
        os.fspath(locations),
        os.fspath(routes),
        locations_layer or "",
        routes_layer or "",
    )
    return Network(core)


@dataclass(frozen=True, eq=False)
class Route:
    """A way through the network: locations joined by routes (the network's legs).

    Attributes
    ----------
    locations : list of str
        Names of the locations passed through, origin first.
    location_ids, route_ids : numpy.ndarray
        Ids of those locations and of the legs taken, in order.
    distance_km : float
        Length along the legs, km.
    cost : float
        What was minimised: km for ``weight="distance"``, days for ``weight="time"``.
    weight : str
        ``"distance"`` or ``"time"``.
    """

    locations: list[str]
    location_ids: np.ndarray
    route_ids: np.ndarray
    distance_km: float
    cost: float
    weight: str
    network: Network = field(repr=False)

    @property
    def origin(self) -> str:
        return self.locations[0]

    @property
    def destination(self) -> str:
        return self.locations[-1]

    @property
    def hops(self) -> int:
        """Number of legs."""
        return len(self.route_ids)

    def coords(self, densify_km: float = 25.0) -> np.ndarray:
        """The route's line as an (N, 2) array of lon/lat degrees, along geodesics."""
        return _core.path_line(self.network._core, self.location_ids, self.route_ids, densify_km)

    @property
    def geometry(self):
        """The route's line as a shapely ``LineString`` in lon/lat (EPSG:4326)."""
        return _shapely().LineString(self.coords())

    @property
    def __geo_interface__(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": self.coords().tolist()},
            "properties": {
                "origin": self.origin,
                "destination": self.destination,
                "via": " > ".join(self.locations),
                "hops": self.hops,
                "distance_km": self.distance_km,
            },
        }

    def __repr__(self) -> str:
        unit = "days" if self.weight == "time" else "km"
        cost = "" if self.weight == "distance" else f", {self.cost:,.2f} {unit}"
        return (
            f"Route({self.origin} -> {self.destination}, {self.hops} legs, "
            f"{self.distance_km:,.1f} km{cost})"
        )


class Network:
    """An immutable route network of locations and the routes between them.

    Build one with :func:`read_network` or :meth:`Network.from_frames`. A network never
    changes once built, so one object can serve many runs and threads at once; it pickles
    compactly (arrays) for Dask.
    """

    __slots__ = ("_core", "_locations", "_routes", "_name_list")

    def __init__(self, core: _core.Network | None = None):
        self._core = core if core is not None else _core.Network()
        self._locations: pd.DataFrame | None = None
        self._routes: pd.DataFrame | None = None
        self._name_list: list[str] | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frames(cls, locations: pd.DataFrame, routes: pd.DataFrame) -> Network:
        """Build a network from DataFrames with the CSV columns.

        ``locations`` needs ``name, lon, lat``; ``routes`` needs ``from, to, distance_km``.
        Other columns are optional, as in :func:`read_network`. Errors name the row (0-based,
        in frame order) and the column.
        """
        loc_cols: dict[str, Any] = {}
        for column in _LOCATION_COLUMNS:
            if column in locations:
                values = locations[column]
                if column in ("name", "country", "region", "kind"):
                    loc_cols[column] = values.fillna("").astype(str).tolist()
                else:
                    loc_cols[column] = values.to_numpy(dtype=float, na_value=np.nan)
        for column in ("capacity", "screening_per_day"):
            if column in loc_cols:  # an empty cell means no limit
                loc_cols[column] = np.where(np.isnan(loc_cols[column]), np.inf, loc_cols[column])
        if "population" in loc_cols:
            loc_cols["population"] = np.nan_to_num(loc_cols["population"], nan=0.0)
        route_cols: dict[str, Any] = {}
        for column in ("from", "to", "mode"):
            if column in routes:
                route_cols[column] = routes[column].fillna("").astype(str).tolist()
        for column in ("distance_km", "capacity_per_day", "closed", "directed"):
            if column in routes:
                route_cols[column] = routes[column].to_numpy(dtype=float, na_value=np.nan)
        if "capacity_per_day" in route_cols:
            cap = route_cols["capacity_per_day"]
            route_cols["capacity_per_day"] = np.where(np.isnan(cap), np.inf, cap)
        for column in ("closed", "directed"):
            if column in route_cols:
                route_cols[column] = np.nan_to_num(route_cols[column], nan=0.0)
        return cls(_core.build_network(loc_cols, route_cols))

    # ------------------------------------------------------------------ tables
    @property
    def num_locations(self) -> int:
        return self._core.num_locations

    @property
    def num_routes(self) -> int:
        return self._core.num_routes

    def __len__(self) -> int:
        return self._core.num_locations

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._core.find(name) is not None

    @property
    def locations(self) -> pd.DataFrame:
        """Locations, one row per location, indexed by location id.

        Columns: ``name, country, region, kind, lon, lat, population, capacity,
        screening_per_day`` (capacities are ``inf`` where unlimited).
        """
        if self._locations is None:
            cols = self._core.location_columns()
            frame = pd.DataFrame({c: cols[c] for c in _LOCATION_COLUMNS})
            frame["kind"] = frame["kind"].astype("category")
            frame.index.name = "id"
            self._locations = frame
        return self._locations.copy()

    @property
    def routes(self) -> pd.DataFrame:
        """Routes (the network's legs), one row per route, indexed by route id.

        Columns: ``from, to`` (names), ``distance_km, mode, capacity_per_day`` (``inf`` where
        unlimited), ``closed, directed``.
        """
        if self._routes is None:
            cols = self._core.route_columns()
            names = np.asarray(self._names(), dtype=object)
            frame = pd.DataFrame(
                {
                    "from": names[cols["from_id"]] if len(names) else [],
                    "to": names[cols["to_id"]] if len(names) else [],
                    "distance_km": cols["distance_km"],
                    "mode": pd.Categorical(cols["mode"]),
                    "capacity_per_day": cols["capacity_per_day"],
                    "closed": cols["closed"],
                    "directed": cols["directed"],
                }
            )
            frame.index.name = "id"
            self._routes = frame
        return self._routes.copy()

    def components(self) -> pd.Series:
        """Weakly connected component of each location (0 = the one holding location 0)."""
        labels, _ = self._core.components()
        return pd.Series(labels, index=pd.Index(self._names(), name="name"), name="component")

    def _names(self) -> list[str]:
        # Cached: converting 100k names to Python costs tens of ms, and routing asks often.
        if self._name_list is None:
            self._name_list = list(self._core.location_columns()["name"])
        return self._name_list

    def _id(self, name: str | int) -> int:
        if isinstance(name, (int, np.integer)):
            if not 0 <= int(name) < self._core.num_locations:
                raise _core.InputError(f"location id {name} is out of range")
            return int(name)
        return self._core.id(str(name))

    def _ids(self, names: Iterable[str | int] | None) -> np.ndarray | None:
        if names is None:
            return None
        if isinstance(names, (str, int, np.integer)):
            names = [names]
        return np.asarray([self._id(n) for n in names], dtype=np.int64)

    # ------------------------------------------------------------------ routing
    def _route(self, path: _core.Path, weight: str) -> Route:
        names = self._names()
        ids = path.locations
        return Route(
            locations=[names[i] for i in ids],
            location_ids=ids,
            route_ids=path.routes,
            distance_km=path.distance_km,
            cost=path.cost,
            weight=weight,
            network=self,
        )

    def shortest_route(
        self,
        origin: str,
        destination: str,
        *,
        weight: str = "distance",
        include_closed: bool = False,
        speeds: dict[str, float] | None = None,
    ) -> Route | None:
        """The shortest route from ``origin`` to ``destination`` (Dijkstra).

        Parameters
        ----------
        origin, destination : str
            Location names.
        weight : {"distance", "time"}
            Minimise km, or days at the speed of each leg's mode.
        include_closed : bool
            Also use routes that are closed in the network.
        speeds : dict, optional
            km per day by mode (``{"road": 200, "foot": 35, "sea": 300, "river": 100,
            "air": 5000}`` by default).

        Returns
        -------
        Route or None
            None when the destination cannot be reached.
        """
        path = _core.shortest_path(
            self._core, self._id(origin), self._id(destination), weight, include_closed, speeds
        )
        return None if path is None else self._route(path, weight)

    def k_routes(
        self,
        origin: str,
        destination: str,
        k: int = 3,
        *,
        weight: str = "distance",
        include_closed: bool = False,
        speeds: dict[str, float] | None = None,
    ) -> list[Route]:
        """Up to ``k`` shortest loop-free routes, shortest first (Yen's algorithm)."""
        if k < 1:
            raise _core.InputError(f"k must be >= 1, got {k}")
        paths = _core.k_shortest_paths(
            self._core,
            self._id(origin),
            self._id(destination),
            int(k),
            weight,
            include_closed,
            speeds,
        )
        return [self._route(p, weight) for p in paths]

    def distances(
        self,
        sources: Sequence[str] | str | None = None,
        targets: Sequence[str] | str | None = None,
        *,
        weight: str = "distance",
        include_closed: bool = False,
        speeds: dict[str, float] | None = None,
        threads: int | None = None,
    ) -> pd.DataFrame:
        """Shortest-route km (or days) from each source to each target.

        All locations by default. ``inf`` where a target cannot be reached. Runs on
        ``threads`` threads (all cores by default); the result does not depend on it.
        """
        names = self._names()
        src = self._ids(sources)
        if src is None:
            src = np.arange(self._core.num_locations, dtype=np.int64)
        dst = self._ids(targets)
        matrix = _core.cost_matrix(
            self._core, src, dst, weight, include_closed, speeds, int(threads or 0)
        )
        columns = names if dst is None else [names[i] for i in dst]
        return pd.DataFrame(
            matrix,
            index=pd.Index([names[i] for i in src], name="origin"),
            columns=pd.Index(columns, name="destination"),
        )

    # ------------------------------------------------------------------ geometry and export
    def _location_geometry(self):
        shapely = _shapely()
        frame = self.locations
        return shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy())

    def _route_geometry(self, densify_km: float):
        shapely = _shapely()
        offsets, coords = _core.route_lines(self._core, densify_km)
        indices = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        if len(indices) == 0:
            return np.array([], dtype=object)
        return shapely.linestrings(coords, indices=indices)

    def to_geodataframe(self, layer: str = "routes", *, crs=None, densify_km: float = 25.0):
        """A layer as a GeoDataFrame: ``"routes"`` (lines along geodesics) or ``"locations"``.

        Geometries are in EPSG:4326 (lon/lat) unless ``crs`` is given.
        """
        gpd = _geopandas()
        if layer == "locations":
            frame = gpd.GeoDataFrame(
                self.locations, geometry=self._location_geometry(), crs="EPSG:4326"
            )
        elif layer == "routes":
            frame = gpd.GeoDataFrame(
                self.routes, geometry=self._route_geometry(densify_km), crs="EPSG:4326"
            )
        else:
            raise _core.InputError(f"layer must be 'locations' or 'routes', got {layer!r}")
        return frame if crs is None else frame.to_crs(crs)

    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection of the locations then the routes (``layer`` property)."""
        features = []
        for row in self.locations.itertuples(index=False):
            props = {c: _json_value(getattr(row, c)) for c in _LOCATION_COLUMNS if c not in ("lon", "lat")}
            props["layer"] = "locations"
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                    "properties": props,
                }
            )
        offsets, coords = _core.route_lines(self._core, 25.0)
        routes = self.routes
        for i, row in enumerate(routes.to_dict("records")):
            props = {k: _json_value(v) for k, v in row.items()}
            props["layer"] = "routes"
            line = coords[offsets[i] : offsets[i + 1]].tolist()
            features.append(
                {"type": "Feature", "geometry": {"type": "LineString", "coordinates": line}, "properties": props}
            )
        return {"type": "FeatureCollection", "features": features}

    def write(
        self,
        path: str | os.PathLike,
        *,
        crs: str | None = None,
        driver: str | None = None,
        densify_km: float = 25.0,
    ) -> list[Path]:
        """Write the ``locations`` and ``routes`` layers, atomically.

        The format follows the extension: ``.gpkg`` (both layers in one file), ``.geojson``
        (RFC 7946), ``.fgb``, ``.shp`` and ``.csv``; single-layer formats write two files,
        ``NAME_locations.EXT`` and ``NAME_routes.EXT``. Route lines follow the geodesic, with
        no segment longer than ``densify_km``.

        Parameters
        ----------
        path : path
            Output file.
        crs : str, optional
            Any CRS PROJ knows (``"EPSG:3035"``, WKT, PROJ string); EPSG:4326 by default.
        driver : str, optional
            OGR driver name, to override the extension.
        densify_km : float
            Longest segment of a written route line, km.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        written = _core.write_network(
            self._core, os.fspath(path), crs or "", driver or "", float(densify_km)
        )
        return [Path(p) for p in written]

    # ------------------------------------------------------------------ pickling and display
    def __reduce__(self):
        # The core pickles itself as versioned columns; the caches are rebuilt on demand.
        return (Network, (self._core,))

    def summary(self) -> dict[str, Any]:
        """Counts and totals: locations by kind, routes by mode, km, components."""
        loc = self.locations
        rt = self.routes
        _, n_components = self._core.components()
        finite = loc["capacity"].replace(np.inf, np.nan)
        return {
            "locations": len(loc),
            "locations_by_kind": {
                str(k): int(v) for k, v in loc["kind"].value_counts(sort=False).items() if v
            },
            "countries": sorted({c for c in loc["country"] if c}),
            "population": float(loc["population"].sum()),
            "shelter_capacity": float(finite.sum()),
            "routes": len(rt),
            "routes_by_mode": {
                str(k): int(v) for k, v in rt["mode"].value_counts(sort=False).items() if v
            },
            "route_km": float(rt["distance_km"].sum()),
            "closed_routes": int(rt["closed"].sum()),
            "components": int(n_components),
        }

    def __repr__(self) -> str:
        s = self.summary()
        kinds = ", ".join(f"{v} {k}" for k, v in s["locations_by_kind"].items())
        modes = ", ".join(f"{v} {k}" for k, v in s["routes_by_mode"].items())
        return (
            f"<corridor.Network: {s['locations']} locations ({kinds}); "
            f"{s['routes']} routes ({modes}; {s['route_km']:,.0f} km, {s['closed_routes']} closed); "
            f"{s['components']} component{'s' if s['components'] != 1 else ''}>"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = [
            ("Locations", f"{s['locations']:,}"),
            *((f"&nbsp;&nbsp;{html.escape(k)}", f"{v:,}") for k, v in s["locations_by_kind"].items()),
            ("Countries", html.escape(", ".join(s["countries"])) or "-"),
            ("Population", f"{s['population']:,.0f}"),
            ("Shelter capacity", f"{s['shelter_capacity']:,.0f}"),
            ("Routes", f"{s['routes']:,} ({s['route_km']:,.0f} km, {s['closed_routes']} closed)"),
            *((f"&nbsp;&nbsp;{html.escape(k)}", f"{v:,}") for k, v in s["routes_by_mode"].items()),
            ("Connected components", f"{s['components']}"),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
        return f"<div><strong>corridor.Network</strong><table>{body}</table></div>"


def _json_value(value: Any) -> Any:
    """A value GeoJSON can hold: numpy scalars unwrapped, inf and NaN as null."""
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value
