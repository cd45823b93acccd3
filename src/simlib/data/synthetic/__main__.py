"""``python -m simlib.data.synthetic``: generate and save a dataset (see ``--help``)."""

import sys

from simlib.data.synthetic._cli import main

sys.exit(main())
