// corridor — the route network: locations, routes and a compact adjacency.
//
// Design notes:
// - A Network is immutable once built. NetworkBuilder validates every value as it is added
//   (the reader passes a "where" string such as "locations.csv line 12" so the error names
//   the place) and freezes the result into CSR arrays of directed arcs. A two-way route gives
//   two arcs, a directed one a single arc; each arc remembers its route.
// - Network is a cheap handle (a shared pointer to const data): copies share the data, and
//   every method is const, so one network serves many runs and threads at once.
// - Closures, capacity changes and new sites during a run are an overlay held by the run,
//   never edits of the network. The `closed` flag here is the state the network starts in.
// - Unlimited capacities are +infinity, so comparisons need no special case.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corridor {

/// Index of a location in a Network, 0 .. num_locations()-1.
using LocationId = std::uint32_t;
/// Index of a route in a Network, 0 .. num_routes()-1.
using RouteId = std::uint32_t;

/// +infinity: an unlimited capacity.
inline constexpr double kUnlimited = std::numeric_limits<double>::infinity();

/// What a location is for the model.
enum class LocationKind : std::uint8_t {
  kConflictZone,    ///< origin of displacement ("conflict_zone"; Flee "conflict_zone")
  kTown,            ///< ordinary place ("town"; Flee "town", "default")
  kTransit,         ///< transit hub or waypoint ("transit"; Flee "forwarding_hub", "marker")
  kBorderCrossing,  ///< border crossing point ("border_crossing")
  kCamp,            ///< camp ("camp"; Flee "camp", "idpcamp")
  kReception,       ///< reception or screening site ("reception")
  kDestination,     ///< final destination ("destination")
};

/// Canonical lower-case name of a kind, e.g. "conflict_zone".
std::string_view to_string(LocationKind kind) noexcept;
/// Parses a kind, accepting corridor's names and Flee's (case-insensitive); nullopt if unknown.
std::optional<LocationKind> parse_location_kind(std::string_view text) noexcept;

/// How people travel along a route.
enum class Mode : std::uint8_t { kRoad, kFoot, kSea, kRiver, kAir };

/// Canonical lower-case name of a mode, e.g. "road".
std::string_view to_string(Mode mode) noexcept;
/// Parses a mode (case-insensitive; "walk" is accepted for foot, "ferry" and "boat" for sea);
/// nullopt if unknown.
std::optional<Mode> parse_mode(std::string_view text) noexcept;

/// A geographic position in degrees on WGS84.
struct LonLat {
  double lon = 0.0;  ///< longitude, degrees east, [-180, 180]
  double lat = 0.0;  ///< latitude, degrees north, [-90, 90]
  friend bool operator==(const LonLat&, const LonLat&) = default;
};

/// A place in the network.
struct Location {
  std::string name;     ///< unique, non-empty
  std::string country;  ///< may be empty
  std::string region;   ///< may be empty
  LonLat position;      ///< WGS84 degrees
  LocationKind kind = LocationKind::kTown;
  double population = 0.0;             ///< resident people, >= 0
  double capacity = kUnlimited;        ///< shelter capacity in people, >= 0; kUnlimited if none
  double screening_per_day = kUnlimited;  ///< screening throughput, people/day, >= 0
};

/// A route between two locations.
struct Route {
  LocationId from = 0;
  LocationId to = 0;
  double distance_km = 0.0;  ///< length along the route, km, finite and >= 0
  Mode mode = Mode::kRoad;
  double capacity_per_day = kUnlimited;  ///< people per day, >= 0; kUnlimited if none
  bool closed = false;    ///< closed when the network is built (runs may open it)
  bool directed = false;  ///< true: only from -> to; false: both ways
  /// Optional polyline from `from` to `to` in WGS84 degrees (>= 2 points); empty means the
  /// geodesic between the two locations.
  std::vector<LonLat> geometry;
};

/// One directed arc of the adjacency: travelling `route` from the arc's tail to `target`.
struct Arc {
  LocationId target;
  RouteId route;
  double distance_km;
};

/// An immutable route network. Thread-safe: all methods are const and copies share data.
class Network {
 public:
  /// An empty network.
  Network();

  std::size_t num_locations() const noexcept;
  std::size_t num_routes() const noexcept;
  /// Number of directed arcs (two per two-way route, one per directed route).
  std::size_t num_arcs() const noexcept;

  std::span<const Location> locations() const noexcept;
  std::span<const Route> routes() const noexcept;
  const Location& location(LocationId id) const;  ///< throws std::out_of_range
  const Route& route(RouteId id) const;           ///< throws std::out_of_range

  /// Id of the location named `name`, or nullopt.
  std::optional<LocationId> find(std::string_view name) const noexcept;
  /// Id of the location named `name`; throws InputError naming it if unknown.
  LocationId id(std::string_view name) const;

  /// Arcs leaving `id`, in the order their routes were added.
  std::span<const Arc> out_arcs(LocationId id) const noexcept;
  /// CSR offsets, size num_locations()+1: out_arcs(v) = arcs()[offsets[v], offsets[v+1]).
  std::span<const std::uint32_t> arc_offsets() const noexcept;
  /// All arcs, grouped by tail location.
  std::span<const Arc> arcs() const noexcept;

  /// Weakly connected components (direction ignored, closed routes included).
  /// Returns the component label of each location, 0-based, numbered in order of each
  /// component's lowest location id; `count` receives the number of components.
  std::vector<std::uint32_t> components(std::uint32_t* count = nullptr) const;

 private:
  friend class NetworkBuilder;
  struct Data;
  explicit Network(std::shared_ptr<const Data> data);
  std::shared_ptr<const Data> data_;
};

/// Validates locations and routes as they are added and freezes them into a Network.
/// Not thread-safe; build() may be called once.
class NetworkBuilder {
 public:
  NetworkBuilder();
  ~NetworkBuilder();
  NetworkBuilder(NetworkBuilder&&) noexcept;
  NetworkBuilder& operator=(NetworkBuilder&&) noexcept;

  /// Adds a location and returns its id. Throws InputError for an empty or duplicate name,
  /// a non-finite or out-of-range coordinate, or a negative or NaN population or capacity.
  /// @param where  prefix for error messages, e.g. "locations.csv line 12" (may be empty)
  LocationId add_location(Location location, std::string_view where = {});

  /// Adds a route between existing location ids and returns its id. Throws InputError for an
  /// unknown id, a negative or non-finite distance, a negative or NaN capacity, a route from a
  /// location to itself, or a geometry with fewer than 2 points or bad coordinates.
  RouteId add_route(Route route, std::string_view where = {});

  /// Adds a route between two locations named `from` and `to` (InputError if unknown).
  RouteId add_route(std::string_view from, std::string_view to, Route route,
                    std::string_view where = {});

  /// Id of a location added so far, or nullopt.
  std::optional<LocationId> find(std::string_view name) const noexcept;
  std::size_t num_locations() const noexcept;
  std::size_t num_routes() const noexcept;
  const Location& location(LocationId id) const;

  /// Freezes everything added into a Network. The builder is left empty.
  Network build();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace corridor
