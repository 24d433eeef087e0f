// corridor — a scenario run day by day on either engine: events and triggers, reception
// queues and screening, cohorts, and the daily needs of every site.
//
// Design notes:
// - One driver, two engines. ScenarioRun is a template over the engine: the expected-flow engine
//   (flow_engine.hpp, fractions of people) and the agent engine (agent_engine.hpp, whole
//   agents) share one control surface, so the scenario's logic exists once and the engine's
//   calls are direct (no virtual call). Where the agent engine needs whole numbers the driver
//   makes them (kWholePeople): a displacement's cohort totals are its people rounded and shared
//   out by largest remainders, and day j of n adds floor(total x j / n) - floor(total x (j-1) / n)
//   of each, in integers, so the days add up to the total exactly; a site's screening releases
//   floor(credit) people a day, where the credit is the day's throughput plus the fraction left
//   over from the day before (unused whole places are not saved up).
// - Closures come from several sources that overlap (a route closed on its own, a location, a
//   border, a site not yet open or closed to arrivals), so each keeps its own state and an arc is
//   closed while any of them says so; reopening one never reopens what another still closes.
// - A displacement adds its people at the place evenly over its days and puts the place in
//   conflict for those days (Flee's conflict rules: everyone there moves, and it repels), unless
//   it already is; afterwards the place returns to its own role.
// - A day: the day's events (the scenario's, reopenings, fired triggers), the displacements'
//   people, the engine's moves, then screening (each holding site releases up to its daily
//   throughput from its queue, first come first served, cohorts in proportion), then the
//   records and the triggers (a trigger's event acts from the next day).
#include "corridor/projection.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "agent_engine.hpp"
#include "corridor/error.hpp"
#include "flow_engine.hpp"
#include "memory_check.hpp"
#include "reception.hpp"

namespace corridor {

SiteNeeds site_needs(double people, bool first_phase, const Planning& planning) {
  SiteNeeds n;
  if (!(people > 0.0)) return n;
  n.water_l = people * planning.water_l;
  n.covered_m2 = people * planning.covered_m2;
  n.site_area_m2 = people * planning.site_area_m2;
  n.kcal = people * planning.kcal;
  // Facilities are counted for whole people (the expected engine carries fractions: a site
  // with 0.3 expected people needs no tap), and rounded up.
  const double whole = std::round(people);
  auto facilities = [&](double per) { return whole > 0.0 ? std::ceil(whole / per) : 0.0; };
  n.taps = facilities(planning.people_per_tap);
  n.toilets = facilities(first_phase ? planning.people_per_toilet_first : planning.people_per_toilet);
  return n;
}

namespace {

// Agent state plus its share of the engine's per-agent work arrays, rounded up (the Flee
// case's agents are 30 bytes; a cohort byte and the priority queue add a little).
constexpr double kAgentBytes = 40.0;

std::vector<FleeLocation> home_and_abroad(const Network& net) {
  // Flee's foreign flag: a location whose country differs from the first location's.
  std::vector<FleeLocation> out(net.num_locations());
  if (out.empty()) return out;
  const std::string& home = net.location(0).country;
  for (std::size_t v = 0; v < out.size(); ++v) {
    out[v].foreign = net.location(static_cast<LocationId>(v)).country != home;
  }
  return out;
}

bool has_pathways(const Scenario& s) { return !s.streams.empty() || !s.quarantine.empty(); }

// The one split of every displacement's people over the cohorts, or empty if they differ, if
// the scenario has reception pathways (which refer each cohort its own way) or if there is no
// displacement.
std::vector<double> one_split(const Scenario& s) {
  if (has_pathways(s)) return {};
  std::vector<double> split;
  bool same = true;
  auto see = [&](const Event& e) {
    if (e.type != EventType::kDisplacement) return;
    const std::vector<double>& shares =
        e.cohort_shares.empty() ? s.cohort_shares : e.cohort_shares;
    if (split.empty()) {
      split = shares;
    } else if (shares != split) {
      same = false;
    }
  };
  for (const Event& e : s.events) see(e);
  for (const Trigger& t : s.triggers) see(t.then);
  if (!same || split.size() != s.cohorts.size()) return {};
  return split;
}

detail::FlowEngine make_engine(std::type_identity<detail::FlowEngine>, const Scenario& s,
                               const ProjectionOptions& options) {
  return detail::FlowEngine(s.network, s.movement, home_and_abroad(s.network), {},
                            s.cohorts.size(), {}, 30,
                            options.merge_cohorts ? one_split(s) : std::vector<double>{});
}

detail::AgentEngine make_engine(std::type_identity<detail::AgentEngine>, const Scenario& s,
                                const ProjectionOptions& options) {
  return detail::AgentEngine(s.network, s.movement, home_and_abroad(s.network), {},
                             s.cohorts.size(), s.days, options.seed.value_or(s.seed),
                             options.threads);
}

// The sites that can hold arrivals for reception: a screening throughput at the start or set
// by an event or a trigger's event, or a quarantine stage; in id order.
std::vector<LocationId> reception_sites(const Scenario& s) {
  const std::size_t n = s.network.num_locations();
  std::vector<std::uint8_t> mark(n, 0);
  for (std::size_t v = 0; v < n; ++v) {
    if (std::isfinite(s.network.location(static_cast<LocationId>(v)).screening_per_day)) mark[v] = 1;
  }
  auto by_event = [&](const Event& e) {
    if ((e.type == EventType::kSetCapacity || e.type == EventType::kOpenSite) &&
        std::isfinite(e.screening_per_day)) {
      for (const LocationId v : e.locations) mark[v] = 1;
    }
  };
  for (const Event& e : s.events) by_event(e);
  for (const Trigger& t : s.triggers) by_event(t.then);
  for (const Quarantine& q : s.quarantine) {
    for (const LocationId v : q.locations) mark[v] = 1;
  }
  std::vector<LocationId> out;
  for (std::size_t v = 0; v < n; ++v) {
    if (mark[v]) out.push_back(static_cast<LocationId>(v));
  }
  return out;
}

// Reception pathways run when the scenario declares streams or quarantine stages; without
// them screened people are simply released (the engines' own queues, as before streams).
// A finite capacity scaled by an outbreak's factor; unlimited stays unlimited.
double scaled(double capacity, double factor) {
  return std::isfinite(capacity) && factor < 1.0 ? capacity * factor : capacity;
}

// A displacement's whole people per cohort: people rounded, shared out by the shares with the
// largest-remainder method (so the cohorts add up to the rounded total).
std::vector<std::uint64_t> whole_cohorts(double people, const std::vector<double>& shares) {
  const std::vector<double> parts = detail::largest_remainders(std::round(people), shares);
  return {parts.begin(), parts.end()};
}

template <class Engine>
class ScenarioRun {
  // The agent engine counts whole agents: the driver hands it whole numbers.
  static constexpr bool kWholePeople = std::is_same_v<Engine, detail::AgentEngine>;

 public:
  ScenarioRun(const Scenario& s, const ProjectionOptions& options)
      : s_(s),
        net_(s.network),
        n_(net_.num_locations()),
        c_(s.cohorts.size()),
        engine_(make_engine(std::type_identity<Engine>{}, s, options)) {
    const auto routes = net_.routes();
    route_closed_.resize(routes.size());
    for (std::size_t r = 0; r < routes.size(); ++r) route_closed_[r] = routes[r].closed ? 1 : 0;
    loc_closed_.assign(n_, 0);
    not_open_.assign(n_, 0);
    no_entry_.assign(n_, 0);
    in_conflict_by_us_.assign(n_, 0);
    was_camp_.assign(n_, 0);
    screening_.resize(n_);
    first_occupied_.assign(n_, -1);
    for (std::uint32_t v = 0; v < n_; ++v) {
      screening_[v] = net_.location(v).screening_per_day;
      was_camp_[v] = engine_.camp(v) ? 1 : 0;
    }
    // Sites that some event or trigger opens are closed until then.
    auto mark = [&](const Event& e) {
      if (e.type == EventType::kOpenSite) {
        for (LocationId v : e.locations) not_open_[v] = 1;
      }
    };
    for (const Event& e : s.events) mark(e);
    for (const Trigger& t : s.triggers) mark(t.then);
    for (std::size_t i = 0; i < s.events.size(); ++i) schedule(s.events[i]);
    fired_.assign(s.triggers.size(), 0);
    credit_.assign(n_, 0.0);
    base_capacity_.resize(n_);
    for (std::uint32_t v = 0; v < n_; ++v) base_capacity_[v] = engine_.capacity(v);
    factor_.assign(n_, 1.0);
    suspended_.assign(n_, 0);
    if (has_pathways(s)) reception_.emplace(s, reception_sites(s), kWholePeople);
    arrivals_.assign(n_ * c_, 0.0);
  }

  Projection run(const ProjectionOptions& options) {
    Projection out;
    out.num_locations = n_;
    out.num_routes = net_.num_routes();
    out.cohorts = s_.cohorts;
    const auto days = static_cast<std::size_t>(s_.days);
    const std::size_t nc = n_ * c_;
    out.population.reserve(days * nc);
    out.arrivals.reserve(days * nc);
    out.backlog.reserve(days * nc);
    if (reception_) {
      out.reception_sites = reception_->sites();
      for (const Stream& st : reception_->streams()) {
        out.streams.push_back(st.name);
        out.stream_types.push_back(st.type);
      }
    }
    std::vector<double> people(nc);
    std::vector<double> backlog(nc);
    for (int day = 0; day < s_.days; ++day) {
      apply_events(day);
      displace(day);
      engine_.step(day);
      std::copy(engine_.arrivals().begin(), engine_.arrivals().end(), arrivals_.begin());
      std::vector<double> screened(n_, 0.0);
      if (reception_) {
        reception_day(day, screened);
      } else {
        for (std::uint32_t v = 0; v < n_; ++v) {
          // An unlimited throughput (after set_capacity) releases whoever still queues.
          if (std::isfinite(screening_[v]) || engine_.queued_total(v) > 0.0) {
            screened[v] = engine_.release(v, throughput(v));
          }
        }
      }
      // Records.
      engine_.people_all(people.data());
      std::fill(backlog.begin(), backlog.end(), 0.0);
      if (reception_) {
        for (std::size_t r = 0; r < reception_->sites().size(); ++r) {
          const LocationId v = reception_->sites()[r];
          reception_->people_at(r, people.data() + v * c_);
          reception_->backlog(r, backlog.data() + v * c_);
        }
      } else {
        for (std::uint32_t v = 0; v < n_; ++v) {
          const double* q = engine_.queued(v);
          std::copy(q, q + c_, backlog.begin() + static_cast<std::ptrdiff_t>(v * c_));
        }
      }
      out.population.insert(out.population.end(), people.begin(), people.end());
      out.arrivals.insert(out.arrivals.end(), arrivals_.begin(), arrivals_.end());
      out.backlog.insert(out.backlog.end(), backlog.begin(), backlog.end());
      if (reception_) record_reception(out);
      out.screened.insert(out.screened.end(), screened.begin(), screened.end());
      const auto& flow = engine_.route_flow();
      out.route_flow.insert(out.route_flow.end(), flow.begin(), flow.end());
      for (std::uint32_t v = 0; v < n_; ++v) {
        double total = 0.0;
        for (std::size_t k = 0; k < c_; ++k) total += people[v * c_ + k];
        if (first_occupied_[v] < 0 && std::round(total) >= 1.0) first_occupied_[v] = day;
        const bool first_phase =
            first_occupied_[v] < 0 || day - first_occupied_[v] < s_.planning.first_phase_days;
        const SiteNeeds need = site_needs(total, first_phase, s_.planning);
        out.water_l.push_back(need.water_l);
        out.taps.push_back(need.taps);
        out.toilets.push_back(need.toilets);
        out.covered_m2.push_back(need.covered_m2);
        out.site_area_m2.push_back(need.site_area_m2);
        out.kcal.push_back(need.kcal);
        out.capacity.push_back(engine_.capacity(v));
        out.screening_per_day.push_back(scaled(screening_[v], factor_[v]));
        out.open.push_back(not_open_[v] || loc_closed_[v] || no_entry_[v] || suspended_[v] ? 0
                                                                                           : 1);
      }
      const auto at = static_cast<double>(engine_.at_locations());
      const auto transit = static_cast<double>(engine_.in_transit());
      // People put back into the engine (released after a stream, transfers arriving) are
      // counted by the engine as added: they were spawned once, by a displacement.
      const double spawned = static_cast<double>(engine_.spawned()) - readded_;
      const auto departed = static_cast<double>(engine_.departed());
      const double held = reception_ ? reception_->held() : 0.0;
      const double transferring = reception_ ? reception_->transferring() : 0.0;
      const double returned = reception_ ? reception_->returned() : 0.0;
      out.spawned.push_back(spawned);
      out.at_locations.push_back(at);
      out.in_reception.push_back(held);
      out.in_transit.push_back(transit);
      out.transferring.push_back(transferring);
      out.departed.push_back(departed);
      out.returned.push_back(returned);
      out.days = day + 1;
      // Exact with agents (whole numbers); to rounding with expected people.
      const double accounted = at + held + transit + transferring + departed + returned;
      const double gap = spawned - accounted;
      if (!(std::abs(gap) <= 1e-9 * std::max(1.0, spawned))) {
        throw std::logic_error("projection: conservation broken on day " + std::to_string(day) +
                               ": spawned " + std::to_string(spawned) + ", accounted " +
                               std::to_string(accounted));
      }
      check_triggers(day, people, backlog, out);
      if (options.on_day && !options.on_day(day)) break;
    }
    if constexpr (std::is_same_v<Engine, detail::FlowEngine>) {
      out.work_hops = engine_.work().hops;
      out.work_slots = engine_.work().slots;
      out.work_passes = engine_.work().passes;
    }
    return out;
  }

 private:
  struct Displacement {
    LocationId location;
    int from;
    int until;  // exclusive
    std::vector<double> per_day;       // per cohort (expected people)
    std::vector<std::uint64_t> whole;  // per cohort: the total (whole people)
  };

  struct Outbreak {
    LocationId location;
    int until;  // exclusive; < 0 = to the end
    bool suspend;
    double factor;
  };

  void schedule(const Event& e) { timeline_[e.day].push_back(e); }

  /// Today's screening throughput at v (an outbreak's cut applied); with whole people, the
  /// whole places of the day with the fraction carried from the day before.
  double throughput(LocationId v) {
    double t = scaled(screening_[v], factor_[v]);
    if (kWholePeople && std::isfinite(t)) {
      credit_[v] += t;
      t = std::floor(credit_[v]);
      credit_[v] -= t;
    }
    return t;
  }

  bool holds(LocationId v) const {
    if (!reception_) return std::isfinite(screening_[v]);
    const int r = reception_->index(v);
    return r >= 0 && (std::isfinite(screening_[v]) ||
                      reception_->has_quarantine(static_cast<std::size_t>(r)));
  }

  void apply_events(int day) {
    const auto it = timeline_.find(day);
    const std::size_t before = outbreaks_.size();
    std::erase_if(outbreaks_, [&](const Outbreak& o) { return o.until >= 0 && day >= o.until; });
    const bool ended = outbreaks_.size() != before;
    if (it == timeline_.end() && day > 0 && !ended) return;
    if (it != timeline_.end()) {
      const std::vector<Event> events = it->second;  // applying may schedule more
      for (const Event& e : events) apply(e, day);
    }
    apply_outbreaks();
    update_arcs();
    for (std::uint32_t v = 0; v < n_; ++v) engine_.set_hold(v, holds(v));
  }

  // Each site's suspension and capacity factor from the outbreaks in force (the lowest factor
  // when several overlap).
  void apply_outbreaks() {
    std::vector<double> factor(n_, 1.0);
    std::fill(suspended_.begin(), suspended_.end(), 0);
    for (const Outbreak& o : outbreaks_) {
      if (o.suspend) suspended_[o.location] = 1;
      factor[o.location] = std::min(factor[o.location], o.factor);
    }
    for (std::uint32_t v = 0; v < n_; ++v) {
      if (factor[v] == factor_[v]) continue;
      factor_[v] = factor[v];
      engine_.set_capacity(v, scaled(base_capacity_[v], factor_[v]));
    }
  }

  // After the engine's day, at every reception site: the day's held arrivals are taken out of
  // the engine into the pathways, which screen, refer and run the streams; people released at
  // a site and transfers arriving are put back into the engine (they draw their next move the
  // next day); the engine counts the people the pathways hold in each site's occupancy.
  void reception_day(int day, std::vector<double>& screened) {
    reception_->begin_day();
    std::vector<double> in(c_), released(c_);
    const auto& sites = reception_->sites();
    auto put_back = [&](LocationId v, const double* p) {
      double sum = 0.0;
      for (std::size_t k = 0; k < c_; ++k) sum += p[k];
      if (!(sum > 0.0)) return 0.0;
      engine_.add(v, p);
      readded_ += sum;
      return sum;
    };
    for (std::size_t r = 0; r < sites.size(); ++r) {
      const LocationId v = sites[r];
      engine_.take(v, std::numeric_limits<double>::infinity(), in.data());
      reception_->admit(r, in.data(), day);
      std::fill(released.begin(), released.end(), 0.0);
      screened[v] = reception_->step(r, day, throughput(v), factor_[v], released.data());
      put_back(v, released.data());
    }
    reception_->deliver(day, [&](LocationId v, const double* p) {
      put_back(v, p);
      for (std::size_t k = 0; k < c_; ++k) arrivals_[v * c_ + k] += p[k];
    });
    for (std::size_t r = 0; r < sites.size(); ++r) engine_.set_extra(sites[r], reception_->total_at(r));
  }

  void record_reception(Projection& out) const {
    using Figure = detail::Reception::Figure;
    const std::size_t nr = reception_->sites().size();
    const std::size_t ns = reception_->streams().size();
    std::vector<double> buf(c_);
    auto push = [&](std::vector<double>& to) { to.insert(to.end(), buf.begin(), buf.end()); };
    for (std::size_t r = 0; r < nr; ++r) {
      std::fill(buf.begin(), buf.end(), 0.0);
      reception_->quarantine_waiting(r, buf.data());
      push(out.quarantine_waiting);
      std::fill(buf.begin(), buf.end(), 0.0);
      reception_->in_quarantine(r, buf.data());
      push(out.in_quarantine);
    }
    const std::pair<Figure, std::vector<double>*> figures[] = {
        {Figure::kWaiting, &out.stream_waiting},   {Figure::kInProcess, &out.stream_in_process},
        {Figure::kCompleted, &out.stream_completed}, {Figure::kReferred, &out.stream_referred},
        {Figure::kReturned, &out.stream_returned}, {Figure::kMovedOn, &out.stream_moved_on},
    };
    for (const auto& [figure, to] : figures) {
      for (std::size_t r = 0; r < nr; ++r) {
        for (std::size_t i = 0; i < ns; ++i) {
          reception_->stream_figure(r, i, figure, buf.data());
          push(*to);
        }
      }
    }
    const auto& back = reception_->returned_to();
    out.returned_to.insert(out.returned_to.end(), back.begin(), back.end());
  }

  void reopen_later(const Event& e, EventType type) {
    if (e.until_day < 0 || e.until_day >= s_.days) return;
    Event r = e;
    r.type = type;
    r.day = e.until_day;
    r.until_day = -1;
    r.capacity = std::numeric_limits<double>::quiet_NaN();
    r.screening_per_day = std::numeric_limits<double>::quiet_NaN();
    schedule(r);
  }

  static std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }

  void apply(const Event& e, int day) {
    switch (e.type) {
      case EventType::kDisplacement: {
        const LocationId v = e.locations.at(0);
        Displacement d{v, day, day + e.over_days, {}, {}};
        d.per_day.resize(c_);
        const std::vector<double>& shares =
            e.cohort_shares.empty() ? s_.cohort_shares : e.cohort_shares;
        for (std::size_t k = 0; k < c_; ++k) d.per_day[k] = e.people * shares[k] / e.over_days;
        if (kWholePeople) d.whole = whole_cohorts(e.people, shares);
        displacements_.push_back(std::move(d));
        if (!(engine_.conflict(v) > 0.0)) {
          engine_.start_conflict(v, 1.0, day);
          in_conflict_by_us_[v] = 1;
        }
        conflict_until_[v] = std::max(conflict_until_[v], day + e.over_days);
        break;
      }
      case EventType::kCloseRoute:
        for (RouteId r : e.routes) route_closed_[r] = 1;
        reopen_later(e, EventType::kReopenRoute);
        break;
      case EventType::kReopenRoute:
        for (RouteId r : e.routes) route_closed_[r] = 0;
        break;
      case EventType::kCloseLocation:
        for (LocationId v : e.locations) loc_closed_[v] = 1;
        reopen_later(e, EventType::kReopenLocation);
        break;
      case EventType::kReopenLocation:
        for (LocationId v : e.locations) loc_closed_[v] = 0;
        break;
      case EventType::kCloseBorder:
        borders_.push_back(sorted(e.countries));
        reopen_later(e, EventType::kReopenBorder);
        break;
      case EventType::kReopenBorder: {
        const auto key = sorted(e.countries);
        borders_.erase(std::remove(borders_.begin(), borders_.end(), key), borders_.end());
        break;
      }
      case EventType::kOpenSite:
        for (LocationId v : e.locations) {
          not_open_[v] = 0;
          no_entry_[v] = 0;
          set_capacity(v, e);
        }
        break;
      case EventType::kCloseSite:
        for (LocationId v : e.locations) no_entry_[v] = 1;
        reopen_later(e, EventType::kOpenSite);
        break;
      case EventType::kSetCapacity:
        for (LocationId v : e.locations) set_capacity(v, e);
        break;
      case EventType::kOutbreak:
        for (LocationId v : e.locations) {
          outbreaks_.push_back({v, e.until_day, e.suspend_arrivals,
                                std::isnan(e.capacity_factor) ? 1.0 : e.capacity_factor});
        }
        break;
    }
  }

  void set_capacity(LocationId v, const Event& e) {
    if (!std::isnan(e.capacity)) {
      base_capacity_[v] = e.capacity;
      engine_.set_capacity(v, scaled(e.capacity, factor_[v]));
    }
    if (!std::isnan(e.screening_per_day)) screening_[v] = e.screening_per_day;
  }

  void update_arcs() {
    const auto locs = net_.locations();
    for (std::uint32_t a = 0; a < engine_.num_arcs(); ++a) {
      const std::uint32_t u = engine_.arc_tail(a);
      const std::uint32_t v = engine_.arc_head(a);
      bool closed = route_closed_[engine_.arc_route(a)] || loc_closed_[u] || loc_closed_[v] ||
                    not_open_[u] || not_open_[v] || no_entry_[v] || suspended_[v];
      const std::string& cu = locs[u].country;
      const std::string& cv = locs[v].country;
      if (!closed && cu != cv) {
        for (const auto& set : borders_) {
          const bool iu = std::binary_search(set.begin(), set.end(), cu);
          const bool iv = std::binary_search(set.begin(), set.end(), cv);
          if (set.size() == 1 ? (iu || iv) : (iu && iv)) {
            closed = true;
            break;
          }
        }
      }
      engine_.set_arc_closed(a, closed);
    }
  }

  void displace(int day) {
    std::vector<double> today(c_);
    for (const Displacement& d : displacements_) {
      if (day < d.from || day >= d.until) continue;
      if constexpr (kWholePeople) {
        // Day j of n: floor(total x j / n) - floor(total x (j - 1) / n), in integers.
        const auto n = static_cast<std::uint64_t>(d.until - d.from);
        const auto j = static_cast<std::uint64_t>(day - d.from + 1);
        for (std::size_t k = 0; k < c_; ++k) {
          today[k] = static_cast<double>(d.whole[k] * j / n - d.whole[k] * (j - 1) / n);
        }
        engine_.add(d.location, today.data());
      } else {
        engine_.add(d.location, d.per_day.data());
      }
    }
    // A place we put in conflict returns to its own role when its displacements end.
    for (auto it = conflict_until_.begin(); it != conflict_until_.end();) {
      if (day >= it->second) {
        const LocationId v = it->first;
        if (in_conflict_by_us_[v]) {
          if (was_camp_[v]) {
            engine_.make_camp(v, false);
          } else {
            engine_.end_conflict(v);
          }
          in_conflict_by_us_[v] = 0;
        }
        it = conflict_until_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void check_triggers(int day, const std::vector<double>& people,
                      const std::vector<double>& backlog, Projection& out) {
    for (std::size_t i = 0; i < s_.triggers.size(); ++i) {
      if (fired_[i]) continue;
      const Trigger& t = s_.triggers[i];
      const LocationId v = t.location;
      double value = 0.0;
      switch (t.metric) {
        case TriggerMetric::kOccupancy: {
          const double cap = engine_.capacity(v);
          double total = 0.0;
          for (std::size_t k = 0; k < c_; ++k) total += people[v * c_ + k];
          value = std::isfinite(cap) && cap > 0.0 ? total / cap : 0.0;
          break;
        }
        case TriggerMetric::kArrivals:
          for (std::size_t k = 0; k < c_; ++k) value += arrivals_[v * c_ + k];
          break;
        case TriggerMetric::kBacklog:
          for (std::size_t k = 0; k < c_; ++k) value += backlog[v * c_ + k];
          break;
        case TriggerMetric::kPopulation:
          for (std::size_t k = 0; k < c_; ++k) value += people[v * c_ + k];
          break;
      }
      const bool holds = t.above ? value > t.threshold : value < t.threshold;
      if (!holds) continue;
      fired_[i] = 1;
      out.fired.push_back({i, day, value});
      if (day + 1 < s_.days) {
        Event e = t.then;
        e.day = day + 1;
        schedule(e);
      }
    }
  }

  const Scenario& s_;
  Network net_;
  std::size_t n_;
  std::size_t c_;
  Engine engine_;
  std::vector<std::uint8_t> route_closed_, loc_closed_, not_open_, no_entry_;
  std::vector<std::uint8_t> in_conflict_by_us_, was_camp_, fired_;
  std::vector<std::vector<std::string>> borders_;
  std::vector<double> screening_;
  std::vector<double> credit_;  // whole people: screening's fraction carried to the next day
  std::vector<double> base_capacity_;  // shelter capacity before any outbreak's cut
  std::vector<double> factor_;         // outbreak capacity factor in force (1 = none)
  std::vector<std::uint8_t> suspended_;  // an outbreak suspends arrivals
  std::vector<Outbreak> outbreaks_;
  std::optional<detail::Reception> reception_;
  std::vector<double> arrivals_;  // today's, locations x cohorts (transfers included)
  double readded_ = 0.0;          // people the pathways put back into the engine
  std::vector<int> first_occupied_;
  std::map<int, std::vector<Event>> timeline_;
  std::vector<Displacement> displacements_;
  std::map<LocationId, int> conflict_until_;
};

}  // namespace

Projection run_projection(const Scenario& scenario, const ProjectionOptions& options) {
  validate(scenario);
  const std::string where = scenario.source.empty() ? "scenario" : scenario.source;
  // The results are allocated day by day: refuse a run whose arrays cannot fit before day 0.
  const double days = scenario.days;
  const double cells = days * static_cast<double>(scenario.network.num_locations());
  double pathways = 0.0;  // the reception pathways' arrays
  if (has_pathways(scenario)) {
    const double sites = static_cast<double>(reception_sites(scenario).size());
    const double streams = static_cast<double>(std::max<std::size_t>(1, scenario.streams.size()));
    pathways = days * (sites * static_cast<double>(scenario.cohorts.size()) * (2.0 + 6.0 * streams) +
                       static_cast<double>(scenario.network.num_locations()));
  }
  const double output_bytes =
      8.0 * (3.0 * cells * static_cast<double>(scenario.cohorts.size()) + 11.0 * cells +
             days * static_cast<double>(scenario.network.num_routes()) + 7.0 * days + pathways) +
      cells;
  detail::check_memory(output_bytes, where,
                       "the projection's arrays: " + std::to_string(scenario.days) + " days x " +
                           std::to_string(scenario.network.num_locations()) + " locations x " +
                           std::to_string(scenario.cohorts.size()) + " cohorts");
  if (options.engine == "expected") {
    ScenarioRun<detail::FlowEngine> run(scenario, options);
    return run.run(options);
  }
  if (options.engine != "agents") {
    throw InputError(where + ": engine: unknown engine '" + options.engine +
                     "' (expected 'expected' or 'agents')");
  }
  if (scenario.cohorts.size() > 256) {
    throw InputError(where + ": cohorts: " + std::to_string(scenario.cohorts.size()) +
                     " cohorts; the agent engine carries at most 256");
  }
  // Every agent is kept (ids are 32 bits): count them before starting.
  double people = 0.0;
  auto count = [&](const Event& e) {
    if (e.type == EventType::kDisplacement) people += std::round(e.people);
  };
  for (const Event& e : scenario.events) count(e);
  for (const Trigger& t : scenario.triggers) count(t.then);
  if (people > 4294967293.0) {
    throw InputError(where + ": the displacements move " + std::to_string(std::llround(people)) +
                     " people; the agent engine holds at most 4,294,967,293 agents");
  }
  detail::check_memory(output_bytes + kAgentBytes * people, where,
                       "the projection's arrays and " + std::to_string(std::llround(people)) +
                           " agents at about " + std::to_string(static_cast<int>(kAgentBytes)) +
                           " bytes each");
  ScenarioRun<detail::AgentEngine> run(scenario, options);
  return run.run(options);
}

}  // namespace corridor
