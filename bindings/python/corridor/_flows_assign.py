"""Assignment of an origin-destination matrix to a network's routes, for
:mod:`corridor.flows`. The routing and splitting run in the C++ core (``_core.assign``)."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor import _core
from corridor._core import InputError
from corridor.network import Network, _geopandas, _shapely

__all__ = ["Assignment", "assign"]


@dataclass(frozen=True, eq=False)
class Assignment:
    """An OD matrix put onto routes.

    Attributes
    ----------
    routes : pandas.DataFrame
        The network's routes (``Network.routes``, indexed by route id) with ``flow_forward``
        (people travelling from -> to), ``flow_backward`` (to -> from) and ``flow`` (both).
    paths : pandas.DataFrame
        One row per path used: ``origin, destination, flow, share`` (of the pair's flow),
        ``cost`` (km, or days with ``weight="time"``), ``distance_km``, ``hops``, ``via``
        (location names joined by " > "), ``location_ids`` and ``route_ids`` (arrays).
    border_crossings : pandas.DataFrame
        One row per route and direction with flow whose two ends are in different named
        countries: ``route, from, to, from_country, to_country, flow``.
    assigned, unassigned, intrazonal : float
        People put on paths; people of pairs with no path; people on the OD diagonal.
    unreachable : list of (str, str)
        Pairs with a positive flow and no open path.
    method : str
    network : corridor.Network
    """

    routes: pd.DataFrame
    paths: pd.DataFrame
    border_crossings: pd.DataFrame
    assigned: float
    unassigned: float
    intrazonal: float
    unreachable: list
    method: str
    network: Network = field(repr=False)

    def border_flows(self) -> pd.DataFrame:
        """People crossing each border, by direction: ``from_country, to_country, flow``."""
        b = self.border_crossings
        if b.empty:
            return pd.DataFrame({"from_country": [], "to_country": [], "flow": []})
        return b.groupby(["from_country", "to_country"], as_index=False)["flow"].sum()

    def to_geodataframe(self, layer: str = "routes", *, crs=None, densify_km: float = 25.0):
        """A layer as a GeoDataFrame in EPSG:4326 (or ``crs``).

        ``"routes"``: the network's route layer (:meth:`corridor.Network.to_geodataframe`)
        with the flow columns; ``"paths"``: one line per path used, along its routes.
        """
        gpd = _geopandas()
        if layer == "routes":
            frame = self.network.to_geodataframe("routes", densify_km=densify_km)
            for column in ("flow_forward", "flow_backward", "flow"):
                frame[column] = self.routes[column].to_numpy()
        elif layer == "paths":
            shapely = _shapely()
            lines = [
                shapely.LineString(
                    _core.path_line(self.network._core, loc, rt, float(densify_km))
                )
                for loc, rt in zip(self.paths["location_ids"], self.paths["route_ids"])
            ]
            columns = [
                "origin", "destination", "flow", "share", "cost", "distance_km", "hops", "via"
            ]
            frame = gpd.GeoDataFrame(self.paths[columns].copy(), geometry=lines, crs="EPSG:4326")
        else:
            raise InputError(f"layer must be 'routes' or 'paths', got {layer!r}")
        return frame if crs is None else frame.to_crs(crs)

    def write(
        self,
        path: str | os.PathLike,
        *,
        layers: tuple[str, ...] = ("routes", "paths"),
        crs=None,
        driver: str | None = None,
        densify_km: float = 25.0,
    ) -> list[Path]:
        """Write the layers with OGR (through GeoPandas/pyogrio): both in one GeoPackage by
        default, or ``NAME_routes.EXT`` and ``NAME_paths.EXT`` for single-layer formats.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        out = Path(path)
        multi = out.suffix.lower() == ".gpkg" or (driver or "").upper() == "GPKG"
        written: list[Path] = []
        for layer in layers:
            frame = self.to_geodataframe(layer, crs=crs, densify_km=densify_km)
            target = out if multi else out.with_name(f"{out.stem}_{layer}{out.suffix}")
            kwargs: dict[str, Any] = {"layer": layer} if multi else {}
            if driver:
                kwargs["driver"] = driver
            frame.to_file(target, **kwargs)
            if target not in written:
                written.append(target)
        return written

    def __repr__(self) -> str:
        used = int((self.routes["flow"] > 0).sum())
        return (
            f"<Assignment {self.method}: {self.assigned:,.1f} people on {len(self.paths)} paths "
            f"over {used} routes; {len(self.border_crossings)} border crossings used; "
            f"{self.unassigned:,.1f} unassigned>"
        )


def assign(
    network: Network,
    od: Any,
    method: str = "shortest",
    theta: float = 0.01,
    *,
    k: int = 3,
    weight: str = "distance",
    include_closed: bool = False,
    speeds: dict[str, float] | None = None,
    keep_paths: bool = True,
) -> Assignment:
    """Put an origin-destination matrix onto the network's routes.

    Parameters
    ----------
    network : corridor.Network
    od : pandas.DataFrame or array_like
        People from each origin (rows) to each destination (columns), >= 0. A DataFrame's
        labels are location names; an array must be n x n over all locations in network order.
    method : {"shortest", "logit"}
        ``"shortest"``: all-or-nothing on the shortest route. ``"logit"``: shared over the
        ``k`` shortest loop-free routes in proportion to ``exp(-theta * (cost - cheapest))``.
    theta : float
        Logit cost sensitivity, per km (per day with ``weight="time"``), >= 0; 0 shares
        equally.
    k : int
        Logit: most routes per pair, >= 1.
    weight, include_closed, speeds
        As in :meth:`corridor.Network.shortest_route`.
    keep_paths : bool
        Return the paths used (one row each).

    Returns
    -------
    Assignment

    Warns
    -----
    RuntimeWarning
        When some pairs with flow have no path (they are listed in ``unreachable``).
    """
    if not isinstance(network, Network):
        raise InputError(f"network: expected a corridor.Network, got {type(network).__name__}")
    names = network._names()
    if isinstance(od, pd.DataFrame):
        origins = np.asarray([network._id(str(o)) for o in od.index], dtype=np.int64)
        destinations = np.asarray([network._id(str(d)) for d in od.columns], dtype=np.int64)
        matrix = od.to_numpy(dtype=float)
    else:
        try:
            matrix = np.asarray(od, dtype=float)
        except (TypeError, ValueError) as e:
            raise InputError(f"od: not numeric ({e})") from None
        n = network.num_locations
        if matrix.shape != (n, n):
            raise InputError(
                f"od: an array must be {n} x {n} (all locations in network order), got "
                f"{' x '.join(map(str, matrix.shape))}; or pass a DataFrame labelled by name"
            )
        origins = destinations = np.arange(n, dtype=np.int64)
    r = _core.assign(
        network._core, origins, destinations, matrix, method, float(theta), int(k), weight,
        include_closed, speeds, keep_paths,
    )
    routes = network.routes
    routes["flow_forward"] = r["forward"]
    routes["flow_backward"] = r["backward"]
    routes["flow"] = r["forward"] + r["backward"]

    offsets = r["path_offsets"].astype(np.int64)
    locs, rts = r["path_locations"], r["path_routes"]
    location_ids = [locs[offsets[q] + q : offsets[q + 1] + q + 1] for q in range(len(offsets) - 1)]
    route_ids = [rts[offsets[q] : offsets[q + 1]] for q in range(len(offsets) - 1)]
    name_array = np.asarray(names, dtype=object)
    paths = pd.DataFrame(
        {
            "origin": name_array[origins[r["od_row"]]] if len(r["od_row"]) else [],
            "destination": name_array[destinations[r["od_col"]]] if len(r["od_col"]) else [],
            "flow": r["flow"],
            "share": r["share"],
            "cost": r["cost"],
            "distance_km": r["distance_km"],
            "hops": np.diff(offsets),
            "via": [" > ".join(name_array[ids]) for ids in location_ids],
            "location_ids": location_ids,
            "route_ids": route_ids,
        }
    )
    for column in ("origin", "destination", "via"):
        paths[column] = paths[column].astype(str)

    country = network.locations["country"].to_numpy(dtype=object)
    raw = network._core.route_columns()
    f_id, t_id = np.asarray(raw["from_id"]), np.asarray(raw["to_id"])
    rows = []
    for flows, a, b in ((r["forward"], f_id, t_id), (r["backward"], t_id, f_id)):
        crosses = (flows > 0) & (country[a] != country[b]) & (country[a] != "") & (country[b] != "")
        for rid in np.nonzero(crosses)[0]:
            rows.append(
                (int(rid), names[a[rid]], names[b[rid]], country[a[rid]], country[b[rid]],
                 float(flows[rid]))
            )
    border = pd.DataFrame(
        rows, columns=["route", "from", "to", "from_country", "to_country", "flow"]
    )
    border = border.sort_values(["route", "from"], ignore_index=True)

    unreachable = [(names[origins[i]], names[destinations[j]]) for i, j in r["unreachable"]]
    if unreachable:
        warnings.warn(
            f"{len(unreachable)} OD pairs with flow have no open path ({r['unassigned']:,.1f} "
            f"people unassigned), e.g. {unreachable[0][0]} -> {unreachable[0][1]}",
            RuntimeWarning,
            stacklevel=2,
        )
    return Assignment(
        routes=routes,
        paths=paths,
        border_crossings=border,
        assigned=float(r["assigned"]),
        unassigned=float(r["unassigned"]),
        intrazonal=float(r["intrazonal"]),
        unreachable=unreachable,
        method=method,
        network=network,
    )
