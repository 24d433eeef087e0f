// corridor — Network and NetworkBuilder.
//
// Design notes: the builder keeps plain vectors plus a name index; build() counts arcs per
// tail, prefix-sums them into CSR offsets and fills the arcs in route order, so out_arcs(v)
// lists routes in the order they were added (the routing tie-break relies on that order).
#include "corridor/network.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "corridor/error.hpp"

namespace corridor {
namespace {

// Transparent hashing so lookups by string_view allocate nothing.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
using NameIndex = std::unordered_map<std::string, LocationId, NameHash, std::equal_to<>>;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Trim surrounding blanks; treat '-' and ' ' as '_' so "Border crossing" parses.
  const auto first = out.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  out = out.substr(first, out.find_last_not_of(" \t") - first + 1);
  std::replace(out.begin(), out.end(), '-', '_');
  std::replace(out.begin(), out.end(), ' ', '_');
  return out;
}

std::string prefix(std::string_view where) {
  return where.empty() ? std::string() : std::string(where) + ", ";
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

[[noreturn]] void fail(std::string_view where, std::string_view field, const std::string& what) {
  throw InputError(prefix(where) + "field '" + std::string(field) + "': " + what);
}

void check_count(double value, std::string_view where, std::string_view field) {
  if (std::isnan(value)) fail(where, field, "is NaN");
  if (value < 0) fail(where, field, format_number(value) + " is negative");
}

void check_lon_lat(const LonLat& p, std::string_view where, std::string_view what) {
  const std::string lat_field = std::string(what) + "lat";
  const std::string lon_field = std::string(what) + "lon";
  if (!std::isfinite(p.lat)) fail(where, lat_field, format_number(p.lat) + " is not a finite number");
  if (!std::isfinite(p.lon)) fail(where, lon_field, format_number(p.lon) + " is not a finite number");
  if (p.lat < -90.0 || p.lat > 90.0)
    fail(where, lat_field, format_number(p.lat) + " is out of range [-90, 90]");
  if (p.lon < -180.0 || p.lon > 180.0)
    fail(where, lon_field, format_number(p.lon) + " is out of range [-180, 180]");
}

}  // namespace

// ----------------------------------------------------------------------------------- kinds --

std::string_view to_string(LocationKind kind) noexcept {
  switch (kind) {
    case LocationKind::kConflictZone: return "conflict_zone";
    case LocationKind::kTown: return "town";
    case LocationKind::kTransit: return "transit";
    case LocationKind::kBorderCrossing: return "border_crossing";
    case LocationKind::kCamp: return "camp";
    case LocationKind::kReception: return "reception";
    case LocationKind::kDestination: return "destination";
  }
  return "town";
}

std::optional<LocationKind> parse_location_kind(std::string_view text) noexcept {
  const std::string key = lower(text);
  static const std::pair<std::string_view, LocationKind> kNames[] = {
      {"conflict_zone", LocationKind::kConflictZone},
      {"conflict", LocationKind::kConflictZone},
      {"origin", LocationKind::kConflictZone},
      {"town", LocationKind::kTown},
      {"default", LocationKind::kTown},
      {"transit", LocationKind::kTransit},
      {"transit_hub", LocationKind::kTransit},
      {"forwarding_hub", LocationKind::kTransit},
      {"marker", LocationKind::kTransit},
      {"border_crossing", LocationKind::kBorderCrossing},
      {"border", LocationKind::kBorderCrossing},
      {"camp", LocationKind::kCamp},
      {"idpcamp", LocationKind::kCamp},
      {"idp_camp", LocationKind::kCamp},
      {"reception", LocationKind::kReception},
      {"reception_site", LocationKind::kReception},
      {"destination", LocationKind::kDestination},
  };
  for (const auto& [name, kind] : kNames) {
    if (key == name) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(Mode mode) noexcept {
  switch (mode) {
    case Mode::kRoad: return "road";
    case Mode::kFoot: return "foot";
    case Mode::kSea: return "sea";
    case Mode::kRiver: return "river";
    case Mode::kAir: return "air";
  }
  return "road";
}

std::optional<Mode> parse_mode(std::string_view text) noexcept {
  const std::string key = lower(text);
  static const std::pair<std::string_view, Mode> kNames[] = {
      {"road", Mode::kRoad}, {"foot", Mode::kFoot},   {"walk", Mode::kFoot},
      {"sea", Mode::kSea},   {"ferry", Mode::kSea},   {"boat", Mode::kSea},
      {"river", Mode::kRiver}, {"air", Mode::kAir},
  };
  for (const auto& [name, mode] : kNames) {
    if (key == name) return mode;
  }
  return std::nullopt;
}

// --------------------------------------------------------------------------------- Network --

struct Network::Data {
  std::vector<Location> locations;
  std::vector<Route> routes;
  std::vector<std::uint32_t> offsets{0};
  std::vector<Arc> arcs;
  NameIndex index;
};

Network::Network() : data_(std::make_shared<const Data>()) {}
Network::Network(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

std::size_t Network::num_locations() const noexcept { return data_->locations.size(); }
std::size_t Network::num_routes() const noexcept { return data_->routes.size(); }
std::size_t Network::num_arcs() const noexcept { return data_->arcs.size(); }
std::span<const Location> Network::locations() const noexcept { return data_->locations; }
std::span<const Route> Network::routes() const noexcept { return data_->routes; }
const Location& Network::location(LocationId id) const { return data_->locations.at(id); }
const Route& Network::route(RouteId id) const { return data_->routes.at(id); }

std::optional<LocationId> Network::find(std::string_view name) const noexcept {
  const auto it = data_->index.find(name);
  if (it == data_->index.end()) return std::nullopt;
  return it->second;
}

LocationId Network::id(std::string_view name) const {
  if (auto found = find(name)) return *found;
  throw InputError("unknown location '" + std::string(name) + "'");
}

std::span<const Arc> Network::out_arcs(LocationId id) const noexcept {
  const auto& d = *data_;
  if (id >= d.locations.size()) return {};
  return std::span<const Arc>(d.arcs).subspan(d.offsets[id], d.offsets[id + 1] - d.offsets[id]);
}

std::span<const std::uint32_t> Network::arc_offsets() const noexcept { return data_->offsets; }
std::span<const Arc> Network::arcs() const noexcept { return data_->arcs; }

std::vector<std::uint32_t> Network::components(std::uint32_t* count) const {
  // Union-find over all routes (direction and closure ignored), then relabel by lowest id.
  const std::size_t n = num_locations();
  std::vector<std::uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0u);
  auto root = [&](std::uint32_t v) {
    while (parent[v] != v) {
      parent[v] = parent[parent[v]];
      v = parent[v];
    }
    return v;
  };
  for (const Route& r : data_->routes) {
    const auto a = root(r.from);
    const auto b = root(r.to);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
  constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  std::vector<std::uint32_t> label_of_root(n, kNone);
  std::vector<std::uint32_t> labels(n);
  std::uint32_t next = 0;
  for (std::uint32_t v = 0; v < n; ++v) {
    const auto r = root(v);
    if (label_of_root[r] == kNone) label_of_root[r] = next++;
    labels[v] = label_of_root[r];
  }
  if (count != nullptr) *count = next;
  return labels;
}

// -------------------------------------------------------------------------- NetworkBuilder --

struct NetworkBuilder::State {
  std::vector<Location> locations;
  std::vector<Route> routes;
  NameIndex index;
};

NetworkBuilder::NetworkBuilder() : state_(std::make_unique<State>()) {}
NetworkBuilder::~NetworkBuilder() = default;
NetworkBuilder::NetworkBuilder(NetworkBuilder&&) noexcept = default;
NetworkBuilder& NetworkBuilder::operator=(NetworkBuilder&&) noexcept = default;

LocationId NetworkBuilder::add_location(Location location, std::string_view where) {
  if (location.name.empty()) fail(where, "name", "is empty");
  if (state_->index.contains(location.name)) {
    fail(where, "name", "duplicate location name '" + location.name + "'");
  }
  check_lon_lat(location.position, where, "");
  check_count(location.population, where, "population");
  check_count(location.capacity, where, "capacity");
  check_count(location.screening_per_day, where, "screening_per_day");
  if (std::isinf(location.population)) fail(where, "population", "is infinite");
  if (state_->locations.size() >= 0xFFFFFFFEu) throw InputError("too many locations");
  const auto id = static_cast<LocationId>(state_->locations.size());
  state_->index.emplace(location.name, id);
  state_->locations.push_back(std::move(location));
  return id;
}

RouteId NetworkBuilder::add_route(Route route, std::string_view where) {
  const auto n = state_->locations.size();
  if (route.from >= n) fail(where, "from", "unknown location id " + std::to_string(route.from));
  if (route.to >= n) fail(where, "to", "unknown location id " + std::to_string(route.to));
  if (route.from == route.to) {
    fail(where, "to", "route from '" + state_->locations[route.from].name + "' to itself");
  }
  if (!std::isfinite(route.distance_km)) {
    fail(where, "distance_km", format_number(route.distance_km) + " is not a finite number");
  }
  if (route.distance_km < 0) {
    fail(where, "distance_km", format_number(route.distance_km) + " is negative");
  }
  check_count(route.capacity_per_day, where, "capacity_per_day");
  if (!route.geometry.empty()) {
    if (route.geometry.size() < 2) fail(where, "geometry", "a line needs at least 2 points");
    for (const LonLat& p : route.geometry) check_lon_lat(p, where, "geometry ");
  }
  if (state_->routes.size() >= 0x7FFFFFFEu) throw InputError("too many routes");
  const auto id = static_cast<RouteId>(state_->routes.size());
  state_->routes.push_back(std::move(route));
  return id;
}

RouteId NetworkBuilder::add_route(std::string_view from, std::string_view to, Route route,
                                  std::string_view where) {
  const auto a = find(from);
  if (!a) fail(where, "from", "unknown location '" + std::string(from) + "'");
  const auto b = find(to);
  if (!b) fail(where, "to", "unknown location '" + std::string(to) + "'");
  route.from = *a;
  route.to = *b;
  return add_route(std::move(route), where);
}

std::optional<LocationId> NetworkBuilder::find(std::string_view name) const noexcept {
  const auto it = state_->index.find(name);
  if (it == state_->index.end()) return std::nullopt;
  return it->second;
}

std::size_t NetworkBuilder::num_locations() const noexcept { return state_->locations.size(); }
std::size_t NetworkBuilder::num_routes() const noexcept { return state_->routes.size(); }
const Location& NetworkBuilder::location(LocationId id) const {
  return state_->locations.at(id);
}

Network NetworkBuilder::build() {
  auto data = std::make_shared<Network::Data>();
  data->locations = std::move(state_->locations);
  data->routes = std::move(state_->routes);
  data->index = std::move(state_->index);
  state_ = std::make_unique<State>();

  const std::size_t n = data->locations.size();
  std::vector<std::uint32_t> degree(n + 1, 0);
  for (const Route& r : data->routes) {
    ++degree[r.from + 1];
    if (!r.directed) ++degree[r.to + 1];
  }
  std::partial_sum(degree.begin(), degree.end(), degree.begin());
  data->offsets = degree;
  data->arcs.resize(data->offsets[n]);
  std::vector<std::uint32_t> cursor(data->offsets.begin(), data->offsets.end() - 1);
  for (RouteId id = 0; id < data->routes.size(); ++id) {
    const Route& r = data->routes[id];
    data->arcs[cursor[r.from]++] = Arc{r.to, id, r.distance_km};
    if (!r.directed) data->arcs[cursor[r.to]++] = Arc{r.from, id, r.distance_km};
  }
  return Network(std::move(data));
}

}  // namespace corridor
