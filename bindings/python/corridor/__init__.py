"""corridor: migration routes and flows.

A geospatial route network with a fast C++ core, geo I/O over GDAL/OGR and PROJ, and a
pandas-first Python API. Start with :func:`read_network`.
"""

from corridor._core import CrsError, Error, InputError, IoError, __version__
from corridor.network import Network, Route, read_network

__all__ = [
    "CrsError",
    "Error",
    "InputError",
    "IoError",
    "Network",
    "Route",
    "__version__",
    "read_network",
]
