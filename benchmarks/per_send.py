"""Per-send overhead of boto3's send_email through the fake, against the floor.

Kept for the command the README cited before ``benchmarks/run.py`` existed: it
runs that script's SES v1 group (the floor, the fake, moto and botocore's Stubber,
interleaved in one process).

    python benchmarks/per_send.py [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run

if __name__ == "__main__":
    run.main(["--only", "ses", *sys.argv[1:]])
