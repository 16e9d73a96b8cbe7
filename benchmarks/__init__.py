"""pytest-sesquota's benchmarks: what the groups measure with (``measure.py``), one module
per group (``groups/``), the programs the groups run (``programs/``) and the command line
(``harness.py``). Run ``run.py``."""
