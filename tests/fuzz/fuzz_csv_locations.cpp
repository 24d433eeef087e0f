// libFuzzer target: a locations file in corridor's CSV columns or Flee's format (read_locations),
// then a whole network of those locations and no routes (read_network: NetworkBuilder checks).
#include "corridor/error.hpp"
#include "corridor/geo/read.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  corridor::fuzz::init_gdal();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using corridor::fuzz::MemFile;
  const MemFile locations("/vsimem/fuzz/locations.csv", corridor::fuzz::as_text(data, size));
  const MemFile routes("/vsimem/fuzz/routes.csv", "from,to,distance_km\n");
  try {
    const auto read = corridor::geo::read_locations(locations.path());
    const corridor::Network network = corridor::geo::read_network(locations.path(), routes.path());
    if (network.num_locations() != read.size()) __builtin_trap();
  } catch (const corridor::Error&) {
    // A clear refusal is the correct outcome for bad input.
  }
  return 0;
}
