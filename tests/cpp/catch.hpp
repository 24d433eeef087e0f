// One include for Catch2 v2 and v3, and one helper for floating-point comparisons, so the
// tests build on Debian 12 (Catch2 2.13) and Debian 13 (Catch2 3.x) alike.
#pragma once

#if defined(CORRIDOR_CATCH2_V3)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <exception>
#include <string>

namespace corridor::test {
#if defined(CORRIDOR_CATCH2_V3)
using Catch::Approx;
#else
using Catch::Detail::Approx;
#endif
/// |actual - expected| <= abs_tol, or relative rel_tol. Use per quantity: km to 1e-6, etc.
inline auto approx(double expected, double abs_tol = 1e-12, double rel_tol = 1e-12) {
  return Approx(expected).margin(abs_tol).epsilon(rel_tol);
}

/// Matches a string that contains `text`: CHECK_THROWS_WITH(expr, contains("line 7")), and
/// combine with && for several parts.
inline auto contains(const std::string& text) {
#if defined(CORRIDOR_CATCH2_V3)
  return Catch::Matchers::ContainsSubstring(text);
#else
  return Catch::Matchers::Contains(text);
#endif
}

/// Runs `f`, which must throw an `E`, and returns the message (fails the test otherwise), so
/// one call checks the type and CHECK_THAT checks the text.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("threw the wrong exception type: " << e.what());
  }
  FAIL("did not throw");
  return {};
}
}  // namespace corridor::test
