"""Type stubs for corridor._core, the C++ extension module (use the corridor package)."""

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__version__: str

class Error(RuntimeError): ...
class InputError(Error, ValueError): ...
class IoError(Error, OSError): ...
class CrsError(Error, ValueError): ...

class Network:
    def __init__(self) -> None: ...
    @property
    def num_locations(self) -> int: ...
    @property
    def num_routes(self) -> int: ...
    @property
    def num_arcs(self) -> int: ...
    def find(self, name: str) -> int | None: ...
    def id(self, name: str) -> int: ...
    def location_columns(self) -> dict[str, Any]: ...
    def route_columns(self) -> dict[str, Any]: ...
    def components(self) -> tuple[npt.NDArray[np.uint32], int]: ...

class Path:
    @property
    def locations(self) -> npt.NDArray[np.uint32]: ...
    @property
    def routes(self) -> npt.NDArray[np.uint32]: ...
    @property
    def distance_km(self) -> float: ...
    @property
    def cost(self) -> float: ...
    def __len__(self) -> int: ...

def build_network(locations: dict[str, Any], routes: dict[str, Any]) -> Network: ...
def shortest_path(
    network: Network, source: int, target: int, weight: str = ..., include_closed: bool = ...,
    speeds: dict[str, float] | None = ...,
) -> Path | None: ...
def k_shortest_paths(
    network: Network, source: int, target: int, k: int, weight: str = ...,
    include_closed: bool = ..., speeds: dict[str, float] | None = ...,
) -> list[Path]: ...
def shortest_path_tree(
    network: Network, source: int, weight: str = ..., include_closed: bool = ...,
    speeds: dict[str, float] | None = ...,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint32]]: ...
def cost_matrix(
    network: Network, sources: npt.ArrayLike, targets: npt.ArrayLike | None = ...,
    weight: str = ..., include_closed: bool = ..., speeds: dict[str, float] | None = ...,
    threads: int = ...,
) -> npt.NDArray[np.float64]: ...
def simple_paths(
    network: Network, source: int, max_hops: int, weight: str = ..., include_closed: bool = ...,
    speeds: dict[str, float] | None = ...,
) -> list[Path]: ...
def read_network(
    locations: str, routes: str, locations_layer: str = ..., routes_layer: str = ...
) -> Network: ...
def write_network(
    network: Network, path: str, crs: str = ..., driver: str = ..., densify_km: float = ...
) -> list[str]: ...
def driver_for_path(path: str) -> str: ...
def geodesic_distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float: ...
def densify_geodesic(
    lon1: float, lat1: float, lon2: float, lat2: float, max_segment_km: float
) -> npt.NDArray[np.float64]: ...
def route_line(network: Network, route: int, max_segment_km: float = ...) -> npt.NDArray[np.float64]: ...
def route_lines(
    network: Network, max_segment_km: float = ...
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def path_line(
    network: Network, locations: npt.ArrayLike, routes: npt.ArrayLike, max_segment_km: float = ...
) -> npt.NDArray[np.float64]: ...

# Flee cases and the engines that run them.

class FleeCase:
    @property
    def name(self) -> str: ...
    @property
    def start_date(self) -> str: ...
    @property
    def days(self) -> int: ...
    @property
    def network(self) -> Network: ...
    @property
    def unsupported_settings(self) -> list[str]: ...
    @property
    def notes(self) -> list[str]: ...
    @property
    def settings(self) -> dict[str, Any]: ...
    @property
    def camp_names(self) -> list[str]: ...
    @property
    def camp_ids(self) -> npt.NDArray[np.uint32]: ...
    @property
    def observed(self) -> npt.NDArray[np.float64]: ...
    @property
    def total(self) -> npt.NDArray[np.float64]: ...

def read_flee_case(case_dir: str, settings: str = ..., days: int = ...) -> FleeCase: ...
def as_flee31_run(case: FleeCase) -> FleeCase: ...
def run_agents(
    case: FleeCase, seed: int = ..., threads: int = ...,
    on_day: Callable[[int], object] | None = ...,
) -> dict[str, Any]: ...
def run_expected(
    case: FleeCase, on_day: Callable[[int], object] | None = ...
) -> dict[str, Any]:
    """Keys: days, population (days x locations), in_transit, spawned, departed (days)."""

# Contingency scenarios and projections.

class Scenario:
    """A resolved scenario (names turned into ids), read-only."""
    @property
    def name(self) -> str: ...
    @property
    def start_date(self) -> str: ...
    @property
    def days(self) -> int: ...
    @property
    def engine(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def cohorts(self) -> list[str]: ...
    @property
    def cohort_shares(self) -> list[float]: ...
    @property
    def network(self) -> Network: ...
    @property
    def movement(self) -> dict[str, float | int | bool]: ...
    @property
    def planning(self) -> dict[str, float | int]: ...
    @property
    def num_events(self) -> int: ...
    @property
    def num_triggers(self) -> int: ...
    @property
    def events(self) -> list[dict[str, Any]]:
        """Each: type, day, until_day (None = never), locations (names), routes (ids),
        countries, people, over_days, cohort_shares, capacity and screening_per_day (None =
        unchanged), where."""
    @property
    def triggers(self) -> list[dict[str, Any]]:
        """Each: location (name), metric, threshold, above, then (an event dict), where."""

def parse_scenario(
    toml: str, name: str = ..., base_dir: str = ..., network: Network | None = ...
) -> Scenario: ...
def read_scenario(path: str) -> Scenario: ...
def run_projection(
    scenario: Scenario,
    on_day: Callable[[int], object] | None = ...,
    engine: Literal["expected", "agents"] = ...,
    seed: int | None = ...,
    threads: int = ...,
    merge_cohorts: bool = ...,
) -> dict[str, Any]:
    """Runs on ``engine`` ("expected": expected numbers of people; "agents": whole people, one
    run per ``seed``, None = the scenario's; ``threads`` 0 = all cores, same result;
    ``merge_cohorts``: the expected engine carries totals only when every displacement splits
    its people alike and there are no reception pathways, the same to rounding).

    Keys: days, num_locations, num_routes, cohorts; population, arrivals, backlog (days x
    locations x cohorts); screened, capacity, screening_per_day, open (uint8), water_l, taps,
    toilets, covered_m2, site_area_m2, kcal (days x locations); route_flow (days x routes);
    spawned, at_locations, in_transit, departed (days); fired (list of {trigger, day, value}); work
    ({hops, slots, passes}: the expected engine's work, 0 with agents)."""
def site_needs(
    people: float, first_phase: bool = ..., planning: dict[str, float] | None = ...
) -> dict[str, float]: ...
def default_planning() -> dict[str, float | int]: ...
def default_movement() -> dict[str, float | int | bool]: ...
def default_cohorts() -> tuple[list[str], list[float]]: ...

def ipf2(
    row_totals: npt.ArrayLike,
    col_totals: npt.ArrayLike,
    seed: npt.ArrayLike | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> tuple[npt.NDArray[np.float64], int, bool, float]: ...
def ipf3(
    origin_by_birth: npt.ArrayLike,
    destination_by_birth: npt.ArrayLike,
    seed: npt.ArrayLike | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> tuple[npt.NDArray[np.float64], int, bool, float]: ...
def flows_from_stocks(
    stock_t0: npt.ArrayLike,
    stock_t1: npt.ArrayLike,
    method: str = "demo",
    births: npt.ArrayLike | None = None,
    deaths: npt.ArrayLike | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> dict[str, Any]:
    """Keys: by_birth (born x origin x destination), od, births, deaths, entered, left (born x
    place), iterations, converged, max_margin_error."""
def gravity(
    masses_o: npt.ArrayLike,
    masses_d: npt.ArrayLike,
    distances: npt.ArrayLike,
    beta: float,
    deterrence: Literal["power", "exponential"] = "power",
    outflows: npt.ArrayLike | None = None,
    inflows: npt.ArrayLike | None = None,
    k: float = 1.0,
    exponent_o: float = 1.0,
    exponent_d: float = 1.0,
    include_self: bool = False,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> dict[str, Any]:
    """Keys: flows, constraint, iterations, converged, max_margin_error."""
def radiation(
    masses: npt.ArrayLike, distances: npt.ArrayLike, outflows: npt.ArrayLike,
    finite_size: bool = True,
) -> npt.NDArray[np.float64]: ...
def fit_ppml(
    flows: npt.ArrayLike,
    regressors: list[npt.ArrayLike],
    names: list[str],
    sample: npt.ArrayLike | None = None,
    fixed_effects: Literal["none", "origin", "destination", "both"] = "both",
    tol: float = 1e-12,
    max_iter: int = 100,
) -> dict[str, Any]:
    """Keys: names, coef, cov_robust, cov_model, origin_effects, destination_effects, fitted,
    deviance, null_deviance, log_likelihood, null_log_likelihood, pseudo_r2, r2, iterations,
    converged, n_obs, dropped_origins, dropped_destinations."""
def assign(
    network: Network,
    origins: npt.ArrayLike,
    destinations: npt.ArrayLike,
    od: npt.ArrayLike,
    method: Literal["shortest", "logit"] = "shortest",
    theta: float = 0.01,
    k: int = 3,
    weight: str = "distance",
    include_closed: bool = False,
    speeds: dict[str, float] | None = None,
    keep_paths: bool = True,
) -> dict[str, Any]:
    """Keys: forward, backward (per route), od_row, od_col, flow, share, cost, distance_km,
    path_offsets, path_locations, path_routes (the paths), assigned, unassigned, intrazonal,
    unreachable."""
def geodesic_matrix(
    lon_o: npt.ArrayLike, lat_o: npt.ArrayLike, lon_d: npt.ArrayLike, lat_d: npt.ArrayLike
) -> npt.NDArray[np.float64]: ...

# Building networks from GIS layers (corridor.geo).
def build_network_from_layers(
    lines: str,
    places: str,
    borders: str = "",
    lines_layer: str = "",
    places_layer: str = "",
    borders_layer: str = "",
    country_field: str = "name",
    mode_field: str = "mode",
    speed_field: str = "speed",
    class_field: str = "",
    class_modes: list[tuple[str, str]] = ...,
    capacity_field: str = "capacity_per_day",
    snap_tolerance_m: float = 1000.0,
    merge_tolerance_m: float = 1.0,
    border_post_tolerance_m: float = ...,
    contract: bool = True,
    prune_dead_ends: bool = False,
    keep_unsnapped: bool = True,
    threads: int = 0,
) -> dict[str, Any]:
    """network, stats, and the columns of issues, places, crossings and route_attributes."""
def write_build(
    network: Network,
    route_attributes: dict[str, Any],
    issues: dict[str, Any],
    path: str,
    crs: str = "",
    driver: str = "",
    densify_km: float = 25.0,
) -> list[str]: ...
