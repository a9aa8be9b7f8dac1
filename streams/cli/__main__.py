"""``python -m streams.cli`` = the ``taskline`` console script."""

import sys

from streams.cli.main import main

sys.exit(main())
