"""QGIS opens what corridor exports (Debian's python3-qgis, headless).

QGIS runs in its own interpreter (/usr/bin/python3, where Debian installs its bindings), so
the test writes the layers here and hands a short script to that interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap

import pytest

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin")

QGIS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from qgis.core import QgsApplication, QgsVectorLayer
    app = QgsApplication([], False)
    app.initQgis()
    out = []
    for uri in json.loads(sys.argv[1]):
        layer = QgsVectorLayer(uri, "layer", "ogr")
        feats = list(layer.getFeatures()) if layer.isValid() else []
        out.append({
            "uri": uri,
            "valid": layer.isValid(),
            "count": layer.featureCount(),
            "fields": [f.name() for f in layer.fields()],
            "crs": layer.crs().authid(),
            "geometry_type": layer.geometryType(),
            "first_geometry_ok": bool(feats) and not feats[0].geometry().isNull(),
        })
    print(json.dumps(out), flush=True)
    # QGIS 3.22 can crash while tearing down its application at exit; the answer is out.
    import os
    os._exit(0)
    """
)


def qgis_available() -> bool:
    if SYSTEM_PYTHON is None:
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not qgis_available(), reason="python3-qgis is not installed (./dev test installs it)"
)


def test_qgis_opens_every_export(exercise, tmp_path):
    uris = []
    (gpkg,) = exercise.write(tmp_path / "exercise.gpkg")
    uris += [f"{gpkg}|layername=locations", f"{gpkg}|layername=routes"]
    for ext in (".fgb", ".geojson", ".shp"):
        uris += [str(p) for p in exercise.write(tmp_path / f"exercise{ext}")]
    (merc,) = exercise.write(tmp_path / "merc.gpkg", crs="EPSG:3857")
    uris.append(f"{merc}|layername=routes")

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    res = subprocess.run(
        [SYSTEM_PYTHON, "-c", QGIS_SCRIPT, json.dumps(uris)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert res.returncode == 0, res.stderr
    layers = json.loads(res.stdout.strip().splitlines()[-1])
    assert len(layers) == len(uris)
    for info in layers:
        assert info["valid"], info
        assert info["first_geometry_ok"], info
        is_routes = "routes" in info["uri"]
        expected = exercise.num_routes if is_routes else exercise.num_locations
        assert info["count"] == expected, info
        assert "name" in info["fields"] or "from" in info["fields"], info
        # QGIS geometry types: 0 point, 1 line.
        assert info["geometry_type"] == (1 if is_routes else 0), info
        assert info["crs"] == ("EPSG:3857" if "merc" in info["uri"] else "EPSG:4326"), info
