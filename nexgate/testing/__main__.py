"""``python -m nexgate.testing [options]`` is ``nexgate mock [options]``."""

import sys

from ..cli import main

sys.exit(main(["mock", *sys.argv[1:]]))
