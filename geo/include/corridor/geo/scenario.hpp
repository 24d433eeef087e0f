// corridor — reads a scenario TOML file (docs/scenario.md documents every key).
//
// Design notes:
// - toml++ parses; this reader checks every table against the keys it knows, so a typo is an
//   error (naming the file, the line, the event by number and type, and the key), never silently
//   ignored. Names (locations, countries, cohorts) are resolved against the network here.
// - The network comes from [network] (paths relative to the scenario file, any format
//   read_network takes), or is given by the caller (the Python package passes its Network).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "corridor/network.hpp"
#include "corridor/scenario.hpp"

namespace corridor::geo {

/// Where a scenario's text comes from.
struct ScenarioSource {
  std::string name = "scenario";   ///< the file (or a description) named in error messages
  std::string base_dir = ".";      ///< [network] paths are relative to this directory
  std::optional<Network> network;  ///< used instead of [network] when given
};

/// Parses scenario TOML text. Throws InputError (bad content, naming source.name, the line and
/// the key) or IoError (a network file that cannot be read). The result passes validate().
Scenario parse_scenario(std::string_view toml, const ScenarioSource& source);

/// Reads a scenario file; [network] paths are relative to the file's directory.
Scenario read_scenario(const std::string& path);

}  // namespace corridor::geo
