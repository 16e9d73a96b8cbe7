"""pytest-sesquota's benchmarks: a harness (``harness.py``), one module per group
(``groups/``) and the programs the groups run (``programs/``). Run ``run.py``."""
