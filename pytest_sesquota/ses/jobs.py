"""SES v2's import and export jobs: created here, run by the account on the virtual
clock (``account/jobs.py``), reported with SES's statuses and counts."""

from __future__ import annotations

__all__ = ["JOBS_PAGE", "JobsV2"]

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from ..account.jobs import EXPORT_BUCKET, Job, Jobs
from ..account.s3 import moto_active, presign, split_url
from .api import Call, Operations, Params, Result, paginate
from .mail import ApiError, bad_request
from .vdm import check_dimension_names, check_metric, check_namespace

#: A page of ListImportJobs / ListExportJobs when PageSize is not given.
JOBS_PAGE = 100
_ACTIONS = ("PUT", "DELETE")
_DESTINATIONS = ("SuppressionListDestination", "ContactListDestination")
_FORMATS = ("CSV", "JSON")
_DELIVERY_EVENTS = (
    "SEND",
    "DELIVERY",
    "TRANSIENT_BOUNCE",
    "PERMANENT_BOUNCE",
    "UNDETERMINED_BOUNCE",
    "COMPLAINT",
)
#: MessageInsightsFilters: each filter's most values and, where the model lists them,
#: the values it takes.
_FILTER_LIMITS: dict[str, tuple[int, tuple[str, ...] | None]] = {
    "FromEmailAddress": (5, None),
    "Destination": (5, None),
    "Subject": (1, None),
    "Isp": (5, None),
    "TenantName": (5, None),
    "LastDeliveryEvent": (5, _DELIVERY_EVENTS),
    "LastEngagementEvent": (2, ("OPEN", "CLICK")),
}


def _one_of(where: str, value: Any, valid: Sequence[str]) -> str:
    if value not in valid:
        raise bad_request(
            f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(valid)}]"
        )
    return str(value)


def _exactly_one(where: str, given: Mapping[str, Any], names: tuple[str, str]) -> str:
    present = [n for n in names if given.get(n) is not None]
    if len(present) != 1:
        raise bad_request(f"{where} must contain exactly one of {names[0]} or {names[1]}.")
    return present[0]


def _not_found(kind: str, job_id: str) -> ApiError:
    # No capture of SES's text; the model's code and status.
    return ApiError("NotFoundException", f"{kind} job {job_id} does not exist.", 404)


def _times(job: Job) -> dict[str, Any]:
    result: dict[str, Any] = {"CreatedTimestamp": job.created}
    if job.completed is not None:
        result["CompletedTimestamp"] = job.completed
    return result


def _failure(job: Job) -> dict[str, Any]:
    return {"FailureInfo": {"ErrorMessage": job.error}} if job.error is not None else {}


class JobsV2(Operations):
    """Import jobs (into the suppression list or a contact list) and export jobs."""

    title = "import and export jobs"
    names = (
        "CreateImportJob",
        "GetImportJob",
        "ListImportJobs",
        "CreateExportJob",
        "GetExportJob",
        "ListExportJobs",
        "CancelExportJob",
    )
    notes: ClassVar[dict[str, str]] = {
        "": "run on the virtual clock; their data in moto's S3 while mock_aws is on"
    }

    # -- imports -------------------------------------------------------------------------
    def CreateImportJob(self, call: Call, p: Params) -> Result:
        destination = p["ImportDestination"]
        kind = _exactly_one(
            "ImportDestination",
            destination,
            ("SuppressionListDestination", "ContactListDestination"),
        )
        if kind == "SuppressionListDestination":
            _one_of(
                "importDestination.suppressionListDestination.suppressionListImportAction",
                destination[kind].get("SuppressionListImportAction"),
                _ACTIONS,
            )
            if call.account.in_sandbox(call.region):
                # The suppression-list guide: not until the account leaves the sandbox
                # (the code and text are not documented: docs/choices.md).
                raise bad_request(
                    "CreateImportJob into the suppression list is not available while your "
                    "account is in the sandbox; request production access first."
                )
        else:
            _one_of(
                "importDestination.contactListDestination.contactListImportAction",
                destination[kind].get("ContactListImportAction"),
                _ACTIONS,
            )
        source = p["ImportDataSource"]
        if split_url(source["S3Url"]) is None:
            raise bad_request(f"Invalid S3 URL: {source['S3Url']}")
        _one_of("importDataSource.dataFormat", source["DataFormat"], _FORMATS)
        request = {"ImportDestination": destination, "ImportDataSource": source}
        job = call.part(Jobs).create("IMPORT", request, call.region)
        return {"JobId": job.job_id}

    def GetImportJob(self, call: Call, p: Params) -> Result:
        job = call.part(Jobs).job(p["JobId"], call.region)
        if job is None or job.kind != "IMPORT":
            raise _not_found("Import", p["JobId"])
        now = call.account.clock.now()
        result: dict[str, Any] = {
            "JobId": job.job_id,
            **job.request,
            "JobStatus": job.status(now),
            **_times(job),
            **_failure(job),
        }
        if job.ended is not None:
            result["ProcessedRecordsCount"] = job.processed
            result["FailedRecordsCount"] = job.failed_records
        return result

    def ListImportJobs(self, call: Call, p: Params) -> Result:
        wanted = p.get("ImportDestinationType")
        if wanted is not None:
            _one_of("importDestinationType", wanted, ("SUPPRESSION_LIST", "CONTACT_LIST"))
        key = {
            "SUPPRESSION_LIST": "SuppressionListDestination",
            "CONTACT_LIST": "ContactListDestination",
        }
        now = call.account.clock.now()
        items = []
        for job in call.part(Jobs).jobs(call.region):
            destination = job.request["ImportDestination"]
            if job.kind != "IMPORT" or (wanted is not None and key[wanted] not in destination):
                continue
            summary = {
                "JobId": job.job_id,
                "ImportDestination": destination,
                "JobStatus": job.status(now),
                "CreatedTimestamp": job.created,
            }
            if job.ended is not None:
                summary["ProcessedRecordsCount"] = job.processed
                summary["FailedRecordsCount"] = job.failed_records
            items.append(summary)
        return _page(items, "ImportJobs", p)

    # -- exports -------------------------------------------------------------------------
    def CreateExportJob(self, call: Call, p: Params) -> Result:
        source = p["ExportDataSource"]
        kind = _exactly_one(
            "ExportDataSource", source, ("MetricsDataSource", "MessageInsightsDataSource")
        )
        if kind == "MetricsDataSource":
            _check_metrics_source(source[kind])
        else:
            _check_insights_source(source[kind])
        destination = p["ExportDestination"]
        if destination.get("S3Url") is not None:
            # The model: "If you include this field in a CreateExportJob request, the request
            # fails with a BadRequestException."
            raise bad_request(
                "ExportDestination.S3Url must not be specified: SES writes the export file to a "
                "location it manages and returns its URL in GetExportJob."
            )
        _one_of("exportDestination.dataFormat", destination.get("DataFormat"), _FORMATS)
        request = {"ExportDataSource": source, "ExportDestination": destination}
        job = call.part(Jobs).create("EXPORT", request, call.region)
        return {"JobId": job.job_id}

    def GetExportJob(self, call: Call, p: Params) -> Result:
        job = call.part(Jobs).job(p["JobId"], call.region)
        if job is None or job.kind != "EXPORT":
            raise _not_found("Export", p["JobId"])
        status = job.status(call.account.clock.now())
        destination = dict(job.request["ExportDestination"])
        if status == "COMPLETED":
            destination["S3Url"] = _download_url(job)
        result: dict[str, Any] = {
            "JobId": job.job_id,
            "ExportSourceType": _source_type(job),
            "JobStatus": status,
            "ExportDestination": destination,
            "ExportDataSource": job.request["ExportDataSource"],
            **_times(job),
            **_failure(job),
        }
        if status == "COMPLETED":
            result["Statistics"] = {
                "ProcessedRecordsCount": job.processed,
                "ExportedRecordsCount": job.exported,
            }
        return result

    def ListExportJobs(self, call: Call, p: Params) -> Result:
        wanted_type = p.get("ExportSourceType")
        if wanted_type is not None:
            _one_of("exportSourceType", wanted_type, ("METRICS_DATA", "MESSAGE_INSIGHTS"))
        wanted_status = p.get("JobStatus")
        if wanted_status is not None:
            _one_of(
                "jobStatus",
                wanted_status,
                ("CREATED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"),
            )
        now = call.account.clock.now()
        items = []
        for job in call.part(Jobs).jobs(call.region):
            if job.kind != "EXPORT":
                continue
            summary = {
                "JobId": job.job_id,
                "ExportSourceType": _source_type(job),
                "JobStatus": job.status(now),
                **_times(job),
            }
            if wanted_type not in (None, summary["ExportSourceType"]):
                continue
            if wanted_status not in (None, summary["JobStatus"]):
                continue
            items.append(summary)
        return _page(items, "ExportJobs", p)

    def CancelExportJob(self, call: Call, p: Params) -> Result:
        jobs = call.part(Jobs)
        job = jobs.job(p["JobId"], call.region)
        if job is None or job.kind != "EXPORT":
            raise _not_found("Export", p["JobId"])
        if job.ended is not None:
            raise bad_request(
                f"Export job {job.job_id} is {job.ended} and can no longer be cancelled."
            )
        jobs.cancel(job)
        return {}


def _source_type(job: Job) -> str:
    return (
        "METRICS_DATA"
        if "MetricsDataSource" in job.request["ExportDataSource"]
        else ("MESSAGE_INSIGHTS")
    )


def _download_url(job: Job) -> str:
    """Where the export's file is: a pre-signed URL into moto's S3 (valid five minutes, as
    SES's), or an ``s3://`` URL naming where the fake keeps it (``ses_account.export_file``)."""
    bucket = EXPORT_BUCKET.format(region=job.region)
    key = job.s3_key or f"{job.job_id}.{job.request['ExportDestination']['DataFormat'].lower()}"
    if job.s3_key is not None and moto_active():
        return presign(bucket, key, job.region)
    return f"s3://{bucket}/{key}"


def _page(items: list[dict[str, Any]], key: str, p: Params) -> Result:
    try:
        return paginate(
            items,
            key,
            size=p.get("PageSize"),
            token=p.get("NextToken"),
            default=JOBS_PAGE,
            size_name="PageSize",
        )
    except ApiError as error:
        raise bad_request(error.message) from None


def _dates(where: str, source: Mapping[str, Any]) -> tuple[datetime, datetime]:
    start, end = source["StartDate"], source["EndDate"]
    if end < start:
        raise bad_request(f"{where}: EndDate must not be before StartDate.")
    return start, end


def _check_metrics_source(source: Mapping[str, Any]) -> None:
    check_namespace(source.get("Namespace"))
    dimensions = source.get("Dimensions") or {}
    if not 1 <= len(dimensions) <= 3:
        raise bad_request("MetricsDataSource.Dimensions must name from 1 to 3 dimensions.")
    check_dimension_names(dimensions)
    for name, values in dimensions.items():
        if not isinstance(values, list) or not 1 <= len(values) <= 10:
            raise bad_request(f"MetricsDataSource.Dimensions.{name} must list 1 to 10 values.")
    metrics = source.get("Metrics") or []
    if not 1 <= len(metrics) <= 10:
        raise bad_request("MetricsDataSource.Metrics must list 1 to 10 metrics.")
    for metric in metrics:
        check_metric(metric.get("Name"))
        if metric.get("Aggregation") is not None:
            _one_of(
                "metricsDataSource.metrics.member.aggregation",
                metric["Aggregation"],
                ("RATE", "VOLUME"),
            )
    start, end = _dates("MetricsDataSource", source)
    if end == start:
        raise bad_request("MetricsDataSource: EndDate must be after StartDate.")


def _check_insights_source(source: Mapping[str, Any]) -> None:
    _dates("MessageInsightsDataSource", source)
    limit = source.get("MaxResults")
    if limit is not None and not 1 <= limit <= 10_000:
        raise bad_request("MessageInsightsDataSource.MaxResults must be from 1 to 10000.")
    for side in ("Include", "Exclude"):
        for name, values in (source.get(side) or {}).items():
            most, valid = _FILTER_LIMITS.get(name, (0, None))
            if len(values) > most:
                raise bad_request(
                    f"MessageInsightsDataSource.{side}.{name} takes at most {most} values."
                )
            if valid is not None:
                for value in values:
                    _one_of(f"messageInsightsDataSource.{side.lower()}.{name}", value, valid)
