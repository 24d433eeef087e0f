"""Loading Flee cases from Python (the shared real cases are read in place, never copied)."""

from __future__ import annotations

import pickle

import pytest
from conftest import ROOT, SHARED

import corridor
import corridor.flee

MINI = ROOT / "tests" / "data" / "flee_mini"
MALI = SHARED / "flee" / "mali2012"
SETTINGS = SHARED / "flee" / "simsetting.yml"


def test_mini_case_loads():
    case = corridor.flee.load_case(MINI, warn=False)
    assert case.days > 0
    assert case.network.num_locations > 0
    assert len(case.camps) >= 1
    obs = case.observed
    assert list(obs.columns) == case.camps
    assert len(obs) == case.days
    assert obs.index[0] == case.start_date


@pytest.mark.skipif(not MALI.exists(), reason="shared Flee cases not present")
def test_mali_case_matches_the_readme_table():
    case = corridor.flee.load_case(MALI, settings=SETTINGS)
    assert (case.days, case.network.num_locations, case.network.num_routes) == (300, 23, 35)
    assert len(case.camps) == 7
    assert case.settings["move_rules"]["max_move_speed"] == 200.0
    assert case.settings["move_rules"]["camp_weight"] == 2.0
    assert case.settings["spawn_rules"]["conflict_spawn_decay"] == [1.0, 1.0, 1.0, 0.5, 0.1]
    assert "mali2012" in repr(case)
    clone = pickle.loads(pickle.dumps(case))
    assert clone.camps == case.camps and clone.days == case.days


def test_unknown_case_dir_is_an_io_error(tmp_path):
    with pytest.raises(corridor.IoError):
        corridor.flee.load_case(tmp_path / "nowhere")


def test_bad_settings_type_names_the_key(tmp_path):
    yml = tmp_path / "bad.yml"
    yml.write_text("move_rules:\n  max_move_speed: fast\n")
    with pytest.raises(corridor.InputError, match="max_move_speed"):
        corridor.flee.load_case(MINI, settings=yml)


def test_unsupported_settings_warn(tmp_path):
    yml = tmp_path / "extra.yml"
    yml.write_text("move_rules:\n  use_pop_for_loc_weight: True\n")
    with pytest.warns(corridor.flee.UnsupportedSettingWarning, match="use_pop_for_loc_weight"):
        corridor.flee.load_case(MINI, settings=yml)
