"""``python -m pytest_sesquota serve``: the same as the ``sesquota`` command."""

import sys

from ._cli import main

sys.exit(main())
