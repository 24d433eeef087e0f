// corridor — counter-based random numbers for the agent engine (private header).
//
// Design notes:
// - Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3",
//   SC'11), written out here so the core needs no extra package. It is a keyed bijection of a
//   128-bit counter: every draw is a pure function of (seed, agent, day, purpose, index), so no
//   generator is shared between threads and results cannot depend on scheduling. The tests check
//   it against the published known-answer vectors of Random123.
// - Doubles take the top 53 bits of two words, so they lie in [0, 1) on a 2^-53 grid.
// - Geometric and Poisson variates are built on top with fixed numbers of draws per attempt, so
//   their counters never collide with other purposes.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace corridor::detail {

/// Philox4x32 with 10 rounds: maps a 128-bit counter under a 64-bit key to 128 random bits.
inline std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> ctr,
                                                  std::array<std::uint32_t, 2> key) noexcept {
  constexpr std::uint32_t kM0 = 0xD2511F53u;
  constexpr std::uint32_t kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u;
  constexpr std::uint32_t kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kW0;
      key[1] += kW1;
    }
    const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * ctr[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * ctr[2];
    const auto hi0 = static_cast<std::uint32_t>(p0 >> 32);
    const auto lo0 = static_cast<std::uint32_t>(p0);
    const auto hi1 = static_cast<std::uint32_t>(p1 >> 32);
    const auto lo1 = static_cast<std::uint32_t>(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

/// What a draw is for; part of the counter so different decisions never share numbers.
enum class Purpose : std::uint32_t {
  kPlace = 1,       // data-driven spawn: which conflict zone (per new agent)
  kPoisson = 2,     // conflict-driven Poisson counts (per location)
  kSchedule = 3,    // next move / removal day of a new agent
  kRedraw = 4,      // next move / removal day after its location changed
  kReschedule = 5,  // next move / removal day after the agent's day of travel
  kRoute = 6,       // route choice (index: hop of the day)
  kWalk = 7,        // walk_probability roll (index: hop of the day)
  kChain = 8,       // move roll when arriving mid-day (index: hop of the day)
  kSink = 9,        // camps_are_sinks roll at the end of a day of travel
  kQueue = 10,      // priority in a route's daily capacity queue (index: hop)
  kRelease = 11,    // next move / removal day after leaving a reception queue
};

/// The random stream of one seed: draw(agent, day, purpose, index) -> 4 words.
class CounterRng {
 public:
  explicit CounterRng(std::uint64_t seed) noexcept
      : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)} {}

  std::array<std::uint32_t, 4> words(std::uint32_t subject, std::int32_t day, Purpose purpose,
                                     std::uint32_t index) const noexcept {
    return philox4x32_10(
        {subject, static_cast<std::uint32_t>(day), static_cast<std::uint32_t>(purpose), index},
        key_);
  }

  /// Two independent doubles in [0, 1).
  std::array<double, 2> uniform2(std::uint32_t subject, std::int32_t day, Purpose purpose,
                                 std::uint32_t index) const noexcept {
    const auto w = words(subject, day, purpose, index);
    return {to_unit(w[0], w[1]), to_unit(w[2], w[3])};
  }

  /// One double in [0, 1).
  double uniform(std::uint32_t subject, std::int32_t day, Purpose purpose,
                 std::uint32_t index) const noexcept {
    const auto w = words(subject, day, purpose, index);
    return to_unit(w[0], w[1]);
  }

  static double to_unit(std::uint32_t hi, std::uint32_t lo) noexcept {
    const std::uint64_t bits = (static_cast<std::uint64_t>(hi) << 21) ^ (lo >> 11);
    return static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) * 0x1.0p-53;
  }

 private:
  std::array<std::uint32_t, 2> key_;
};

/// Failures before the first success of a daily trial with probability p, from u in [0, 1):
/// 0 when p >= 1, "never" (max) when p <= 0.
inline std::int64_t geometric_failures(double p, double u) noexcept {
  if (p >= 1.0) return 0;
  if (!(p > 0.0)) return std::numeric_limits<std::int64_t>::max();
  // P(G >= k) = (1-p)^k; inversion with 1-u in (0, 1].
  const double g = std::floor(std::log1p(-u) / std::log1p(-p));
  if (!(g < 9.0e18)) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(g);
}

/// Poisson variate of mean `mean` (>= 0) from the stream of (subject, day, purpose): inversion
/// by multiplication for small means, Hormann's PTRS transformed rejection (as numpy uses) for
/// means >= 10.
inline std::int64_t poisson(const CounterRng& rng, double mean, std::uint32_t subject,
                            std::int32_t day, Purpose purpose) noexcept {
  if (!(mean > 0.0)) return 0;
  std::uint32_t index = 0;
  if (mean < 10.0) {
    const double limit = std::exp(-mean);
    double product = 1.0;
    std::int64_t count = -1;
    for (;;) {
      const auto u = rng.uniform2(subject, day, purpose, index++);
      for (const double x : u) {
        ++count;
        product *= x;
        if (product <= limit) return count;
      }
    }
  }
  const double slam = std::sqrt(mean);
  const double log_mean = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const auto uv = rng.uniform2(subject, day, purpose, index++);
    const double u = uv[0] - 0.5;
    const double v = uv[1];
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::int64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + k * log_mean - std::lgamma(k + 1.0)) {
      return static_cast<std::int64_t>(k);
    }
  }
}

}  // namespace corridor::detail
