"""Import and export jobs of each region, run on the virtual clock.

A job is ``CREATED``, then ``PROCESSING`` from :data:`PROCESSING_AFTER`, and ends
``COMPLETED`` or ``FAILED`` :data:`JOB_DURATION` after it was created: an import reads
its S3 object then (moto's, while ``mock_aws`` is on) and applies its records; an export
computes its file then from the account's metrics. The test decides what SES decides on
its side with :meth:`Jobs.fail_job`.
"""

from __future__ import annotations

__all__ = ["EXPORT_BUCKET", "JOB_DURATION", "PROCESSING_AFTER", "Job", "Jobs"]

import importlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from . import s3
from .exports import insights_rows, metrics_rows
from .jobfiles import contact_records, render, suppression_records
from .metrics import Metrics
from .options import RegionSettings
from .part import Context, Part
from .suppression import Suppression

#: A job is ``CREATED`` this long, then ``PROCESSING``...
PROCESSING_AFTER = timedelta(seconds=5)
#: ... and done this long after it was created.
JOB_DURATION = timedelta(seconds=60)
#: Records an import into the suppression list may hold (the SES guide): PUT, DELETE.
SUPPRESSION_IMPORT_LIMITS = {"PUT": 100_000, "DELETE": 10_000}
#: Contacts an import into a contact list may hold (the SES guide).
CONTACT_IMPORT_LIMIT = 1_000_000
#: Where the fake keeps export files in moto's S3 (SES keeps them in a bucket it manages).
EXPORT_BUCKET = "sesquota-export-jobs-{region}"
#: FailureInfo's text of a job the test failed without saying why.
DEFAULT_FAILURE = "The job failed."

JobKind = Literal["IMPORT", "EXPORT"]


@dataclass
class Job:
    """One import or export job, as SES's Get...Job reports it."""

    job_id: str
    kind: JobKind
    region: str
    created: datetime
    #: The request's ImportDestination and ImportDataSource, or ExportDataSource and
    #: ExportDestination, as given.
    request: dict[str, Any]
    ended: Literal["COMPLETED", "FAILED", "CANCELLED"] | None = None
    completed: datetime | None = None
    processed: int = 0
    failed_records: int = 0
    exported: int | None = None
    error: str | None = None
    #: Set by the test: the job fails with this text when it ends.
    fail_with: str | None = None
    #: An export's file, and where it is in moto's S3 (``None``: not written there).
    file: bytes | None = field(default=None, repr=False)
    s3_key: str | None = None

    def status(self, now: datetime) -> str:
        if self.ended is not None:
            return self.ended
        return "PROCESSING" if now >= self.created + PROCESSING_AFTER else "CREATED"

    @property
    def ends(self) -> datetime:
        return self.created + JOB_DURATION


class Jobs(Part):
    """The jobs of every region, oldest first; each ends by itself on the clock."""

    key = "jobs"

    def __init__(self, context: Context, suppression: Suppression, metrics: Metrics) -> None:
        super().__init__(context)
        self.suppression = suppression
        self.metrics = metrics
        self._jobs: dict[str, dict[str, Job]] = {}
        #: region -> the text the next job created fails with (``fail_job()``)
        self._fail_next: dict[str, str] = {}
        #: Jobs whose work is running (in some thread): ended once only.
        self._ending: set[str] = set()

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._jobs[region] = {}

    def create(self, kind: JobKind, request: dict[str, Any], region: str | None = None) -> Job:
        """A new job, ending :data:`JOB_DURATION` from now."""
        name = self.region(region)
        with self.lock:
            job = Job(secrets.token_hex(16), kind, name, self.clock.now(), request)
            job.fail_with = self._fail_next.pop(name, None)
            self._jobs[name][job.job_id] = job
            self.changed(name)
        self._schedule(job)
        return job

    def _schedule(self, job: Job) -> None:
        self.clock.call_at(job.ends, lambda: self.settle(job.region))

    def settle(self, region: str | None = None) -> None:
        """End every job of the region whose time has come (each exactly once)."""
        name = self.region(region)
        now = self.clock.now()
        with self.lock:
            due = [
                j
                for j in self._jobs[name].values()
                if j.ended is None and j.ends <= now and j.job_id not in self._ending
            ]
            self._ending.update(j.job_id for j in due)
        for job in due:
            try:
                self._end(job)
            finally:
                with self.lock:
                    self._ending.discard(job.job_id)

    def jobs(self, region: str | None = None) -> list[Job]:
        """The region's jobs, oldest first (those whose time has come ended)."""
        name = self.region(region)
        self.settle(name)
        with self.lock:
            return list(self._jobs[name].values())

    def job(self, job_id: str, region: str | None = None) -> Job | None:
        name = self.region(region)
        self.settle(name)
        return self._jobs[name].get(job_id)

    def cancel(self, job: Job) -> None:
        with self.lock:
            job.ended, job.completed = "CANCELLED", self.clock.now()
            self.changed(job.region)

    def fail_job(
        self,
        job_id: str | None = None,
        message: str = DEFAULT_FAILURE,
        *,
        region: str | None = None,
    ) -> None:
        """Make a job fail when it ends (SES decides this on its side): the job
        ``job_id``, not ended yet, or with no id the next job created in the region.
        GetImportJob / GetExportJob then answer ``FAILED`` with ``message`` as
        ``FailureInfo.ErrorMessage``."""
        if not isinstance(message, str) or not message:
            raise ValueError(f"fail_job(message={message!r}): expected a text")
        name = self.region(region)
        with self.lock:
            if job_id is None:
                self._fail_next[name] = message
                return
            job = self._jobs[name].get(job_id)
            if job is None:
                raise KeyError(
                    f"fail_job({job_id!r}): no such job in {name}; its jobs: "
                    + (", ".join(self._jobs[name]) or "none")
                )
            if job.ended is not None:
                raise ValueError(f"fail_job({job_id!r}): the job has ended ({job.ended})")
            job.fail_with = message
            self.changed(name)

    def export_file(self, job_id: str, region: str | None = None) -> bytes:
        """The file a completed export job wrote (what its ``S3Url`` points at)."""
        job = self.job(job_id, region)
        if job is None or job.kind != "EXPORT" or job.file is None:
            raise KeyError(f"export_file({job_id!r}): no completed export job of that id")
        return job.file

    # -- the end of a job ------------------------------------------------------------------
    def _end(self, job: Job) -> None:
        """Run the job's work (outside the account's lock: it may read moto's S3), then
        record how it ended."""
        work: Callable[[Job], None] = self._import if job.kind == "IMPORT" else self._export
        error = job.fail_with
        if error is None:
            try:
                work(job)
            except s3.S3Unreadable as failure:
                error = failure.message
        with self.lock:
            if job.ended is not None:  # cancelled meanwhile
                return
            job.ended = "FAILED" if error is not None else "COMPLETED"
            job.error = error
            job.completed = job.ends
            self.changed(job.region)

    def _import(self, job: Job) -> None:
        source = job.request["ImportDataSource"]
        destination = job.request["ImportDestination"]
        data = s3.read(source["S3Url"], job.region)
        suppression_list = destination.get("SuppressionListDestination")
        if suppression_list is not None:
            action = suppression_list["SuppressionListImportAction"]
            records, failed = suppression_records(data, source["DataFormat"], action)
            limit = SUPPRESSION_IMPORT_LIMITS[action]
            if len(records) + failed > limit:
                raise s3.S3Unreadable(
                    f"The data source holds {len(records) + failed} records; an import "
                    f"({action}) into the suppression list takes at most {limit}."
                )
            for record in records:
                if action == "PUT":
                    self.suppression.suppress(
                        record.email_address, reason=record.reason or "BOUNCE", region=job.region
                    )
                else:
                    self.suppression.unsuppress(record.email_address, job.region)
            job.processed, job.failed_records = len(records) + failed, failed
            return
        contacts = destination["ContactListDestination"]
        records_, failed = contact_records(data, source["DataFormat"])
        if len(records_) + failed > CONTACT_IMPORT_LIMIT:
            raise s3.S3Unreadable(
                f"The data source holds {len(records_) + failed} contacts; an import into a "
                f"contact list takes at most {CONTACT_IMPORT_LIMIT}."
            )
        lists = contact_lists_part(self)
        lists.import_contacts(
            contacts["ContactListName"],
            contacts["ContactListImportAction"],
            records_,
            region=job.region,
        )
        job.processed, job.failed_records = len(records_) + failed, failed

    def _export(self, job: Job) -> None:
        source = job.request["ExportDataSource"]
        data_format = job.request["ExportDestination"]["DataFormat"]
        if "MetricsDataSource" in source:
            traffic = self.metrics.traffic(job.region)
            rows, columns = metrics_rows(traffic, source["MetricsDataSource"])
            processed = len(rows)
        else:
            activity = self.metrics.activity(job.region)
            rows, columns, processed = insights_rows(activity, source["MessageInsightsDataSource"])
        job.file = render(rows, columns, data_format)
        job.processed, job.exported = processed, len(rows)
        if s3.moto_active():
            key = f"{job.job_id}.{data_format.lower()}"
            try:
                s3.write(EXPORT_BUCKET.format(region=job.region), key, job.file, job.region)
            except s3.S3Unreadable:
                return  # SES's own bucket never fails: the file stays here (export_file)
            job.s3_key = key

    # -- the state file --------------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        return [vars(job) for job in self._jobs[region].values()]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        self._jobs[region] = {item["job_id"]: Job(**item) for item in data}
        now = self.clock.now()
        for job in self._jobs[region].values():
            # One already due ends when the jobs are next read (not in the middle of
            # loading the account).
            if job.ended is None and job.ends > now:
                self._schedule(job)


def contact_lists_part(jobs: Jobs) -> Any:
    """The account's contact lists (``account/contact_lists.py``), for an import into one."""
    try:
        module = importlib.import_module(f"{__package__}.contact_lists")
    except ImportError:
        raise s3.S3Unreadable(
            "pytest-sesquota does not fake contact lists yet: an import into a contact list "
            "cannot run (import into the suppression list instead)."
        ) from None
    raise s3.S3Unreadable(f"contact lists are not wired to import jobs yet ({module.__name__})")
