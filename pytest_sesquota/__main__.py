"""``python -m pytest_sesquota serve``: the same as the ``sesquota`` command."""

import sys

from .cli import main

sys.exit(main())
