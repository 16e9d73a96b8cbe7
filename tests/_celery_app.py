"""A Celery application that needs no server, for tests/test_celery_waits.py: kombu's
``filesystem://`` broker and Celery's ``file://`` result backend, both in one folder.

The test process makes one with :func:`make_app`; ``celery -A _celery_app worker``
(a real worker, in a child process) makes its own from ``SESQUOTA_CELERY_DIR`` and
``SESQUOTA_CELERY_RESULTS``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import Celery

__all__ = ["make_app", "slow_square"]


def make_app(root: Path | str, results: str = "file") -> Celery:
    """An application whose broker (and result backend) are folders under ``root``
    (made here), with the task ``slow_square``: half a real second, then ``x * x``.
    ``results="rpc"``: results come back as messages through the broker instead."""
    root = Path(root)
    for folder in ("broker", "processed", "control", "results"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    app = Celery("sesquota_celery")
    app.conf.update(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(root / "broker"),
            "data_folder_out": str(root / "broker"),
            "processed_folder": str(root / "processed"),
            "control_folder": str(root / "control"),  # not the working directory's
            # The worker polls the folder: a tenth of a second keeps the test short.
            "polling_interval": 0.1,
        },
        result_backend=f"file://{root / 'results'}" if results == "file" else "rpc://",
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    # One callable for every application (Celery warns of a name given to two).
    app.task(name="slow_square")(slow_square)
    return app


def slow_square(x: int) -> int:
    """The task: half a real second in the worker, then ``x * x``."""
    time.sleep(0.5)
    return x * x


if "SESQUOTA_CELERY_DIR" in os.environ:
    app = make_app(os.environ["SESQUOTA_CELERY_DIR"], os.environ["SESQUOTA_CELERY_RESULTS"])
