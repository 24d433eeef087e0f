// corridor — reception pathways at the sites of a scenario (private header): an optional
// quarantine stage, the screening queue, and the streams people are referred to after
// screening (procedures, voluntary return, onward transfer, release). Used by the scenario
// driver (projection.cpp) on either engine; it never sees the engine: the driver takes the
// day's held arrivals out of the engine, hands them here, and puts back into the engine whom
// this hands out (people released at a site, transfers arriving at their destination).
//
// Design notes:
// - Each stage is a first-in first-out queue of batches: the people (per cohort) who entered
//   it on one day, with the day they may leave it (`ready`). A partial take from a batch takes
//   the cohorts in proportion; with whole people (the agent engine) the proportion is made
//   whole by the largest remainders, so every count stays a whole number.
// - A site's day: quarantine (those whose days are over join the screening queue, then the
//   waiting are admitted into free places), screening (up to the day's throughput, first come
//   first served), referral (each cohort shared out over the streams), then each stream
//   (those done leave their places, the waiting are admitted into free places, those admitted
//   with no processing time are done at once, then departures up to the stream's daily
//   capacity). Everything that happens on a day can happen to the same person: an arrival can
//   be screened, referred and released the day it arrives, as before streams existed.
// - Referral with whole people keeps each stream's cumulative intake per cohort within one
//   person of its share of everyone screened (a quota: today's screened are shared out by the
//   largest remainders of what each stream is owed), so a small share is not rounded away day
//   after day. The same quota shares onward transfers between destinations.
// - Capacities are places per site (people in process at once); an outbreak's factor scales
//   the limited ones (whole people: the whole places, rounded down); unlimited stays unlimited.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <numeric>
#include <vector>

#include "corridor/scenario.hpp"

namespace corridor::detail {

/// Shares `total` whole people out by `weights` with the largest-remainder method (ties: the
/// lower index); weights >= 0, not all zero unless total is 0.
inline std::vector<double> largest_remainders(double total, const std::vector<double>& weights) {
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> out(weights.size(), 0.0);
  if (!(total > 0.0) || !(sum > 0.0)) return out;
  std::vector<double> rest(weights.size(), 0.0);
  double given = 0.0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const double quota = total * weights[k] / sum;
    out[k] = std::floor(quota);
    rest[k] = quota - out[k];
    given += out[k];
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return rest[x] > rest[y]; });
  for (std::size_t i = 0; given < total && i < order.size(); ++i) {
    if (weights[order[i]] > 0.0) {
      out[order[i]] += 1.0;
      given += 1.0;
    }
  }
  for (std::size_t i = order.size(); given > total && i-- > 0;) {  // rounding past the total
    if (out[order[i]] > 0.0) {
      out[order[i]] -= 1.0;
      given -= 1.0;
    }
  }
  return out;
}

/// Shares people out by fixed shares, keeping each part's cumulative total close to its share
/// of everything shared so far (whole people: within one person).
class Quota {
 public:
  Quota() = default;
  explicit Quota(std::vector<double> shares)
      : shares_(std::move(shares)), given_(shares_.size(), 0.0) {}

  /// Shares `x` people out; out[i] += part i.
  void split(double x, bool whole, double* out) {
    if (!(x > 0.0)) return;
    if (!whole) {
      for (std::size_t i = 0; i < shares_.size(); ++i) out[i] += x * shares_[i];
      return;
    }
    total_ += x;
    std::vector<double> owed(shares_.size());
    for (std::size_t i = 0; i < shares_.size(); ++i) {
      owed[i] = shares_[i] > 0.0 ? std::max(0.0, shares_[i] * total_ - given_[i]) : 0.0;
    }
    const std::vector<double> part = largest_remainders(x, owed);
    for (std::size_t i = 0; i < shares_.size(); ++i) {
      given_[i] += part[i];
      out[i] += part[i];
    }
  }

 private:
  std::vector<double> shares_;
  std::vector<double> given_;
  double total_ = 0.0;
};

/// People (per cohort) who entered a stage on one day and may leave it from day `ready`.
struct Batch {
  int ready = 0;
  std::vector<double> people;
  double total = 0.0;
};

/// A first-in first-out stage.
class Stage {
 public:
  explicit Stage(std::size_t cohorts = 0) : c_(cohorts) {}

  void push(int ready, const double* people) {
    double total = 0.0;
    for (std::size_t k = 0; k < c_; ++k) total += people[k];
    if (!(total > 0.0)) return;
    if (!items_.empty() && items_.back().ready == ready) {
      Batch& b = items_.back();
      for (std::size_t k = 0; k < c_; ++k) b.people[k] += people[k];
      b.total += total;
    } else {
      items_.push_back({ready, std::vector<double>(people, people + c_), total});
    }
    total_ += total;
  }

  /// Moves up to `limit` people (whole: a whole number) from the front, among the batches ready
  /// by `day`, adding them per cohort to out[0..C); returns the number moved.
  double take(double limit, int day, bool whole, double* out) {
    if (whole) limit = std::floor(limit + 1e-9);
    double moved = 0.0;
    while (!items_.empty() && moved < limit && items_.front().ready <= day) {
      Batch& b = items_.front();
      const double want = limit - moved;
      if (b.total <= want) {
        for (std::size_t k = 0; k < c_; ++k) out[k] += b.people[k];
        moved += b.total;
        total_ -= b.total;
        items_.pop_front();
        continue;
      }
      std::vector<double> part(c_);
      if (whole) {
        part = largest_remainders(want, b.people);
      } else {
        const double f = want / b.total;
        for (std::size_t k = 0; k < c_; ++k) part[k] = b.people[k] * f;
      }
      double taken = 0.0;
      for (std::size_t k = 0; k < c_; ++k) {
        part[k] = std::min(part[k], b.people[k]);
        b.people[k] -= part[k];
        out[k] += part[k];
        taken += part[k];
      }
      b.total -= taken;
      total_ -= taken;
      moved += taken;
      break;
    }
    if (items_.empty()) total_ = 0.0;  // no drift from many small fractions
    return moved;
  }

  double total() const { return total_; }
  /// People per cohort, added to out[0..C).
  void add_to(double* out) const {
    for (const Batch& b : items_) {
      for (std::size_t k = 0; k < c_; ++k) out[k] += b.people[k];
    }
  }

 private:
  std::size_t c_;
  std::deque<Batch> items_;
  double total_ = 0.0;
};

/// The reception pathways of a scenario's reception sites.
class Reception {
 public:
  static constexpr double kInf = std::numeric_limits<double>::infinity();

  /// `sites`: the reception sites (their order is the output's); `whole`: whole people.
  Reception(const Scenario& s, std::vector<LocationId> sites, bool whole)
      : whole_(whole), c_(s.cohorts.size()), n_(s.network.num_locations()), sites_(std::move(sites)) {
    streams_ = s.streams;
    if (streams_.empty()) {
      Stream release;
      release.name = "release";
      release.type = "release";
      release.kind = StreamKind::kRelease;
      release.shares.assign(c_, 1.0);
      streams_.push_back(release);
    }
    index_.assign(n_, -1);
    for (std::size_t r = 0; r < sites_.size(); ++r) index_[sites_[r]] = static_cast<int>(r);
    quarantine_days_.assign(sites_.size(), 0);
    quarantine_capacity_.assign(sites_.size(), kInf);
    for (const Quarantine& q : s.quarantine) {
      for (const LocationId v : q.locations) {
        const int r = index_[v];
        if (r < 0) continue;
        quarantine_days_[r] = q.days;
        quarantine_capacity_[r] = q.capacity;
      }
    }
    const std::size_t ns = streams_.size();
    sites_state_.resize(sites_.size());
    for (SiteState& st : sites_state_) {
      st.waiting_q = Stage(c_);
      st.quarantine = Stage(c_);
      st.screening = Stage(c_);
      st.referral.resize(c_);
      for (std::size_t k = 0; k < c_; ++k) {
        std::vector<double> shares(ns);
        for (std::size_t i = 0; i < ns; ++i) shares[i] = streams_[i].shares[k];
        st.referral[k] = Quota(shares);
      }
      st.streams.resize(ns);
      for (std::size_t i = 0; i < ns; ++i) {
        StreamState& ss = st.streams[i];
        ss.waiting = Stage(c_);
        ss.process = Stage(c_);
        ss.leaving = Stage(c_);
        ss.completed.assign(c_, 0.0);
        ss.referred.assign(c_, 0.0);
        ss.returned.assign(c_, 0.0);
        ss.moved_on.assign(c_, 0.0);
        if (streams_[i].kind == StreamKind::kOnward) {
          ss.destination.resize(c_);
          for (std::size_t k = 0; k < c_; ++k) {
            ss.destination[k] = Quota(streams_[i].destination_shares);
          }
        }
      }
    }
    returned_to_.assign(n_, 0.0);
  }

  const std::vector<Stream>& streams() const { return streams_; }
  const std::vector<LocationId>& sites() const { return sites_; }
  /// The site's index, or -1 if `v` is not a reception site.
  int index(LocationId v) const { return index_[v]; }
  bool has_quarantine(std::size_t r) const { return quarantine_days_[r] > 0; }

  /// Starts a day: clears the day's flows.
  void begin_day() {
    for (SiteState& st : sites_state_) {
      for (StreamState& ss : st.streams) {
        std::fill(ss.referred.begin(), ss.referred.end(), 0.0);
        std::fill(ss.returned.begin(), ss.returned.end(), 0.0);
        std::fill(ss.moved_on.begin(), ss.moved_on.end(), 0.0);
      }
    }
    std::fill(returned_to_.begin(), returned_to_.end(), 0.0);
  }

  /// People who arrived at site r today and were held (taken out of the engine).
  void admit(std::size_t r, const double* people, int day) {
    SiteState& st = sites_state_[r];
    (has_quarantine(r) ? st.waiting_q : st.screening).push(day, people);
  }

  /// Site r's day after the engine's: quarantine, screening of up to `throughput` people,
  /// referral and the streams, with capacities scaled by `factor`. People released into the
  /// network at the site are added to released[0..C). Returns the number screened.
  double step(std::size_t r, int day, double throughput, double factor, double* released) {
    SiteState& st = sites_state_[r];
    std::vector<double> moved(c_, 0.0);
    if (has_quarantine(r)) {
      st.quarantine.take(kInf, day, whole_, moved.data());
      st.screening.push(day, moved.data());
      const double free = places(quarantine_capacity_[r], factor) - st.quarantine.total();
      std::fill(moved.begin(), moved.end(), 0.0);
      if (free > 0.0) {
        st.waiting_q.take(free, day, whole_, moved.data());
        st.quarantine.push(day + quarantine_days_[r], moved.data());
      }
    }
    std::vector<double> screened(c_, 0.0);
    const double n = st.screening.take(throughput, day, whole_, screened.data());
    // Referral: each cohort's screened shared out over the streams.
    const std::size_t ns = streams_.size();
    std::vector<double> to(ns);
    for (std::size_t k = 0; k < c_; ++k) {
      if (!(screened[k] > 0.0)) continue;
      std::fill(to.begin(), to.end(), 0.0);
      st.referral[k].split(screened[k], whole_, to.data());
      for (std::size_t i = 0; i < ns; ++i) st.streams[i].referred[k] += to[i];
    }
    for (std::size_t i = 0; i < ns; ++i) {
      StreamState& ss = st.streams[i];
      ss.waiting.push(day, ss.referred.data());
      run_stream(streams_[i], ss, day, factor, released);
    }
    return n;
  }

  /// Transfers arriving by today: fn(destination, people per cohort) for each, by arrival day
  /// and then in the order they left.
  template <class Fn>
  void deliver(int day, Fn&& fn) {
    while (!transfers_.empty() && transfers_.begin()->first <= day) {
      for (const Transfer& t : transfers_.begin()->second) {
        transferring_ -= t.total;
        fn(t.destination, t.people.data());
      }
      transfers_.erase(transfers_.begin());
    }
    if (transfers_.empty()) transferring_ = 0.0;
  }

  // --- observations (end of day)
  /// Everyone held at site r per cohort, added to out[0..C).
  void people_at(std::size_t r, double* out) const {
    const SiteState& st = sites_state_[r];
    st.waiting_q.add_to(out);
    st.quarantine.add_to(out);
    st.screening.add_to(out);
    for (const StreamState& ss : st.streams) {
      ss.waiting.add_to(out);
      ss.process.add_to(out);
      ss.leaving.add_to(out);
      for (std::size_t k = 0; k < c_; ++k) out[k] += ss.completed[k];
    }
  }
  double total_at(std::size_t r) const {
    const SiteState& st = sites_state_[r];
    double t = st.waiting_q.total() + st.quarantine.total() + st.screening.total();
    for (const StreamState& ss : st.streams) {
      t += ss.waiting.total() + ss.process.total() + ss.leaving.total();
      for (const double x : ss.completed) t += x;
    }
    return t;
  }
  /// Waiting for screening (after any quarantine), per cohort, added to out.
  void backlog(std::size_t r, double* out) const { sites_state_[r].screening.add_to(out); }
  double backlog_total(std::size_t r) const { return sites_state_[r].screening.total(); }
  void quarantine_waiting(std::size_t r, double* out) const { sites_state_[r].waiting_q.add_to(out); }
  void in_quarantine(std::size_t r, double* out) const { sites_state_[r].quarantine.add_to(out); }

  /// Stream i at site r: waiting, in process (and done, waiting to leave), completed (stayed),
  /// referred today, returned today, moved on today; each per cohort, written to out[0..C).
  enum class Figure { kWaiting, kInProcess, kCompleted, kReferred, kReturned, kMovedOn };
  void stream_figure(std::size_t r, std::size_t i, Figure f, double* out) const {
    const StreamState& ss = sites_state_[r].streams[i];
    std::fill(out, out + c_, 0.0);
    switch (f) {
      case Figure::kWaiting: ss.waiting.add_to(out); break;
      case Figure::kInProcess:
        ss.process.add_to(out);
        ss.leaving.add_to(out);
        break;
      case Figure::kCompleted: std::copy(ss.completed.begin(), ss.completed.end(), out); break;
      case Figure::kReferred: std::copy(ss.referred.begin(), ss.referred.end(), out); break;
      case Figure::kReturned: std::copy(ss.returned.begin(), ss.returned.end(), out); break;
      case Figure::kMovedOn: std::copy(ss.moved_on.begin(), ss.moved_on.end(), out); break;
    }
  }
  /// People returned to each location today (locations).
  const std::vector<double>& returned_to() const { return returned_to_; }
  /// Everyone held at the sites.
  double held() const {
    double t = 0.0;
    for (std::size_t r = 0; r < sites_.size(); ++r) t += total_at(r);
    return t;
  }
  double transferring() const { return transferring_; }
  double returned() const { return returned_; }

 private:
  struct StreamState {
    Stage waiting, process, leaving;
    std::vector<double> completed;                   // stayed at the site when done
    std::vector<double> referred, returned, moved_on;  // today
    double credit = 0.0;                             // whole people: departures' fraction
    std::vector<Quota> destination;                  // onward: per cohort
  };
  struct SiteState {
    Stage waiting_q, quarantine, screening;
    std::vector<Quota> referral;  // per cohort, over the streams
    std::vector<StreamState> streams;
  };
  struct Transfer {
    LocationId destination;
    std::vector<double> people;
    double total;
  };

  /// Places of a capacity scaled by an outbreak's factor (whole people: whole places);
  /// unlimited stays unlimited.
  double places(double capacity, double factor) const {
    if (std::isinf(capacity)) return kInf;
    const double p = capacity * factor;
    return whole_ ? std::floor(p + 1e-9) : p;
  }

  void run_stream(const Stream& stream, StreamState& ss, int day, double factor,
                  double* released) {
    std::vector<double> done(c_, 0.0);
    ss.process.take(kInf, day, whole_, done.data());
    const double free = places(stream.capacity, factor) - ss.process.total();
    if (free > 0.0) {
      std::vector<double> in(c_, 0.0);
      ss.waiting.take(free, day, whole_, in.data());
      ss.process.push(day + stream.duration_days, in.data());
      if (stream.duration_days == 0) ss.process.take(kInf, day, whole_, done.data());
    }
    switch (stream.kind) {
      case StreamKind::kRelease:
      case StreamKind::kProcedure:
        for (std::size_t k = 0; k < c_; ++k) {
          if (stream.stay) {
            ss.completed[k] += done[k];
          } else {
            released[k] += done[k];
            ss.moved_on[k] += done[k];
          }
        }
        return;
      case StreamKind::kReturn:
      case StreamKind::kOnward:
        break;
    }
    ss.leaving.push(day, done.data());
    double limit = stream.per_day;
    if (std::isfinite(limit)) limit *= factor;
    if (whole_ && std::isfinite(limit)) {
      ss.credit += limit;
      limit = std::floor(ss.credit + 1e-9);
      ss.credit = std::max(0.0, ss.credit - limit);
    }
    std::vector<double> out(c_, 0.0);
    const double n = ss.leaving.take(limit, day, whole_, out.data());
    if (!(n > 0.0)) return;
    if (stream.kind == StreamKind::kReturn) {
      for (std::size_t k = 0; k < c_; ++k) ss.returned[k] += out[k];
      returned_to_[stream.origin] += n;
      returned_ += n;
      return;
    }
    for (std::size_t k = 0; k < c_; ++k) ss.moved_on[k] += out[k];
    const std::size_t nd = stream.destinations.size();
    std::vector<std::vector<double>> to(nd, std::vector<double>(c_, 0.0));
    std::vector<double> parts(nd);
    for (std::size_t k = 0; k < c_; ++k) {
      std::fill(parts.begin(), parts.end(), 0.0);
      ss.destination[k].split(out[k], whole_, parts.data());
      for (std::size_t d = 0; d < nd; ++d) to[d][k] = parts[d];
    }
    for (std::size_t d = 0; d < nd; ++d) {
      const double total = std::accumulate(to[d].begin(), to[d].end(), 0.0);
      if (!(total > 0.0)) continue;
      transfers_[day + stream.travel_days].push_back({stream.destinations[d], to[d], total});
      transferring_ += total;
    }
  }

  bool whole_;
  std::size_t c_;
  std::size_t n_;
  std::vector<LocationId> sites_;
  std::vector<Stream> streams_;
  std::vector<int> index_;
  std::vector<int> quarantine_days_;
  std::vector<double> quarantine_capacity_;
  std::vector<SiteState> sites_state_;
  std::map<int, std::vector<Transfer>> transfers_;  // by arrival day, in the order they left
  std::vector<double> returned_to_;
  double transferring_ = 0.0;
  double returned_ = 0.0;
};

}  // namespace corridor::detail
