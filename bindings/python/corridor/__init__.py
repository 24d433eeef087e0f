"""corridor: migration routes and flows.

A geospatial route network with a fast C++ core, geo I/O over GDAL/OGR and PROJ, and a
pandas-first Python API. Start with :func:`read_network`, or with a contingency
:class:`Scenario` (``Scenario.from_toml(path).run()`` gives a :class:`Projection`), or an
uncertainty :func:`ensemble` of its variants (locally or on Dask).
"""

from corridor._core import CrsError, Error, InputError, IoError, __version__
from corridor.network import Network, Route, read_network
from corridor.scenario import Projection, Scenario
from corridor.ensembles import Ensemble, ensemble
from corridor.exercise import Exercise

__all__ = [
    "CrsError",
    "Ensemble",
    "Error",
    "Exercise",
    "InputError",
    "IoError",
    "Network",
    "Projection",
    "Route",
    "Scenario",
    "__version__",
    "ensemble",
    "read_network",
]
