"""Where import and export jobs find and leave their data: moto's S3, while moto's
``mock_aws`` is on in the process; nowhere else (the fake never reaches AWS).

moto is looked up, never imported: a suite without it pays nothing, and a job whose data
is in S3 fails as SES fails on a source it cannot read.
"""

from __future__ import annotations

__all__ = ["S3Unreadable", "moto_active", "presign", "read", "split_url", "write"]

import re
import sys
from typing import Any

#: The model's pattern for ``S3Url``: ``s3://<bucket>/<object>``.
_S3_URL = re.compile(r"^s3:\/\/([^\/]+)\/(.*?([^\/]+)\/?)$")


class S3Unreadable(Exception):
    """The job's data could not be read (or written): the job fails with this text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def moto_active() -> bool:
    """Whether moto's ``mock_aws`` is on: it answers botocore's S3 calls in this process."""
    models = sys.modules.get("moto.core.models")
    return bool(getattr(getattr(models, "botocore_stubber", None), "enabled", False))


def split_url(url: str) -> tuple[str, str] | None:
    """``s3://bucket/key`` as ``(bucket, key)``; ``None`` if it is not one."""
    match = _S3_URL.match(url)
    return None if match is None else (match.group(1), match.group(2))


def _client(region: str) -> Any:
    import botocore.session

    return botocore.session.get_session().create_client("s3", region_name=region)


def read(url: str, region: str) -> bytes:
    """The object at ``url`` in moto's S3; :class:`S3Unreadable` when there is none."""
    where = split_url(url)
    if where is None:
        raise S3Unreadable(f"The data source {url} is not an Amazon S3 URL.")
    if not moto_active():
        raise S3Unreadable(
            f"Failed to read the data source {url}: Amazon SES could not access the S3 "
            "object (pytest-sesquota reads S3 from moto, and moto's mock_aws is not on)."
        )
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, key = where
    try:
        answer = _client(region).get_object(Bucket=bucket, Key=key)
        data: bytes = answer["Body"].read()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise S3Unreadable(
            f"Failed to read the data source {url}: Amazon SES could not access the S3 "
            f"object ({code})."
        ) from None
    except BotoCoreError as error:
        raise S3Unreadable(f"Failed to read the data source {url}: {error}.") from None
    return data


def write(bucket: str, key: str, data: bytes, region: str) -> None:
    """Put ``data`` at ``bucket``/``key`` in moto's S3 (the bucket made if needed);
    :class:`S3Unreadable` if moto would not take it."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = _client(region)
    try:
        try:
            client.head_bucket(Bucket=bucket)
        except ClientError:
            if region == "us-east-1":
                client.create_bucket(Bucket=bucket)
            else:
                location = {"LocationConstraint": region}
                client.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
        client.put_object(Bucket=bucket, Key=key, Body=data)
    except (BotoCoreError, ClientError) as error:
        raise S3Unreadable(f"Failed to write s3://{bucket}/{key}: {error}.") from None


def presign(bucket: str, key: str, region: str, expires: int = 300) -> str:
    """A pre-signed URL of the object, valid ``expires`` seconds (SES: five minutes)."""
    url: str = _client(region).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
    )
    return url
