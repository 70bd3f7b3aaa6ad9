"""`python -m cyclesim ...`: see cyclesim.cli."""

import sys

from cyclesim.cli import main

sys.exit(main())
