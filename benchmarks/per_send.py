"""Per-send overhead of boto3's send_email through the fake, against the floor.

Kept for the command the README cited before ``benchmarks/run.py`` existed: it
runs that script's SES v1 group (the floor, the fake, moto and botocore's Stubber,
interleaved in one process).

    python benchmarks/per_send.py [--quick]
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    main = runpy.run_path(str(Path(__file__).with_name("run.py")))["main"]
    main(["--only", "ses", *sys.argv[1:]])
