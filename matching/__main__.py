"""Entry point for `python -m matching`."""

import sys

from matching.cli import main

if __name__ == "__main__":
    sys.exit(main())
