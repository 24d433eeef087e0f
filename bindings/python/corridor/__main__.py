"""``python -m corridor`` runs the command line."""

import sys

from corridor.cli import main

sys.exit(main())
