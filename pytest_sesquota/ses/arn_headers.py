"""Sending authorization's headers of a raw message: ``X-SES-SOURCE-ARN``,
``X-SES-FROM-ARN`` and ``X-SES-RETURN-PATH-ARN`` name the identities a delegate sends
for; SES reads them and removes them before sending."""

from __future__ import annotations

__all__ = ["ARN_HEADERS", "arn_headers"]

import re
from collections.abc import Mapping

#: Sending authorization's X-headers (AWS guide, "Sending emails for the identity owner"),
#: as ``SentMessage`` names the ARN each carries.
ARN_HEADERS = {
    "x-ses-source-arn": "source_arn",
    "x-ses-from-arn": "from_arn",
    "x-ses-return-path-arn": "return_path_arn",
}
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def arn_headers(data: bytes, names: Mapping[str, str]) -> tuple[dict[str, str], bytes]:
    """SES's X-headers of a raw message: the first value of each header of ``names``
    (lower-cased header -> field), and the message without any of them, as SES removes
    them before sending. A message without ``X-SES-`` headers comes back as it is."""
    end = _HEADER_END.search(data)
    head = data if end is None else data[: end.start()]
    if b"x-ses-" not in head.lower():  # nearly every message: nothing to parse
        return {}, data
    found: dict[str, str] = {}
    kept: list[bytes] = []
    current: str | None = None  # the field whose (first) header is being read
    dropping = False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):  # a folded header goes on
            if current is not None:  # an ARN has no spaces: unfolded by joining
                found[current] += line.strip().decode("utf-8", "replace")
            if not dropping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().decode("ascii", "replace").lower()
        dropping = name in names
        current = None
        if dropping and names[name] not in found:  # SES uses the first instance
            current = names[name]
            found[current] = line.partition(b":")[2].strip().decode("utf-8", "replace")
        if not dropping:
            kept.append(line)
    rest = b"" if end is None else data[end.start() :]
    return {k: v for k, v in found.items() if v}, b"".join(kept) + rest
