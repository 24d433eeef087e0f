// libFuzzer target: GeoJSON text read as an OGR layer, both as locations (points, or lat/lon
// fields) and as routes (lines), then both as one network.
#include "corridor/error.hpp"
#include "corridor/geo/read.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  corridor::fuzz::init_gdal();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using corridor::fuzz::MemFile;
  const MemFile layer("/vsimem/fuzz/layer.geojson", corridor::fuzz::as_text(data, size));
  try {
    (void)corridor::geo::read_locations(layer.path());
  } catch (const corridor::Error&) {
  }
  try {
    (void)corridor::geo::read_routes(layer.path());
  } catch (const corridor::Error&) {
  }
  try {
    (void)corridor::geo::read_network(layer.path(), layer.path());
  } catch (const corridor::Error&) {
  }
  return 0;
}
