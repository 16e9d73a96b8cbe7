"""``python -m pytest_sesquota serve``: the same as the ``sesquota`` command."""

__all__ = []

import sys

from .cli import main

sys.exit(main())
