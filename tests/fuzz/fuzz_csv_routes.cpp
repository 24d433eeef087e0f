// libFuzzer target: a routes file in corridor's CSV columns or Flee's format, read against a
// fixed set of locations (read_routes, then read_network: name resolution, geodesic lengths of
// missing distances, NetworkBuilder checks).
#include "corridor/error.hpp"
#include "corridor/geo/read.hpp"
#include "fuzz_common.hpp"

namespace {
// The Flee mini case's locations in corridor's columns, so both route formats resolve names.
constexpr const char* kLocations =
    "name,country,lat,lon,kind,population,capacity\n"
    "Alpha,Aland,10.0,20.0,conflict_zone,50001,\n"
    "Beta,Aland,10.5,20.5,town,20000,\n"
    "Gamma,Aland,11.0,21.0,conflict_zone,30000,\n"
    "Delta,Bland,9.0,22.0,camp,0,40001\n"
    "Epsilon,Aland,11.5,21.5,camp,0,\n"
    "Zeta,Cland,10.0,19.0,transit,0,\n"
    "Eta,Cland,10.2,18.5,camp,0,\n"
    "\"Golf, upper\",Cland,-89.9,179.9,town,1,\n";
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  corridor::fuzz::init_gdal();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using corridor::fuzz::MemFile;
  const MemFile locations("/vsimem/fuzz/locations.csv", kLocations);
  const MemFile routes("/vsimem/fuzz/routes.csv", corridor::fuzz::as_text(data, size));
  try {
    (void)corridor::geo::read_routes(routes.path());
    (void)corridor::geo::read_network(locations.path(), routes.path());
  } catch (const corridor::Error&) {
  }
  return 0;
}
