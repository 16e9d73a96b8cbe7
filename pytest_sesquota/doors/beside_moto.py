"""moto beside the fake: while a fake account is active, moto never sees an SES request.

moto's ``mock_aws`` answers through one object, ``moto.core.models.botocore_stubber``:
registered as a ``before-send`` handler for every botocore client, and the callback of
moto's own ``responses`` mock for ``requests``. botocore calls every ``before-send``
handler and keeps the first answer, so the fake's answer wins, but moto would still have
run each SES request through its backend (recording the fake's sends, failing on the
fake's ``NextToken``); and a ``responses`` mock started after the fake's sits on top of it.
So, while the account is active, the stubber passes SES requests by (botocore keeps the
fake's answer) and answers ``requests`` for them from the fake, whichever started first.
Every other service stays moto's. Nothing is imported from moto: the stubber is patched
when moto is loaded, and put back when the account is turned off.
"""

from __future__ import annotations

__all__ = ["BesideMoto"]

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..wire.http import SES_URL
from . import on_import

_MODELS = "moto.core.models"
#: ``(method, url, headers, body) -> (status, headers, body)`` or ``None``: not the fake's.
FakeAnswer = Callable[[str, str, Any, Any], "tuple[int, dict[str, str], bytes] | None"]


class BesideMoto:
    """For one activation: moto's stubber leaves the fake's requests to the fake."""

    def __init__(self, answer: FakeAnswer) -> None:
        self.answer = answer
        self._stubber: Any = None
        self._active = False

    def start(self) -> None:
        self._active = True
        on_import.when_imported(_MODELS, self._patch)

    def stop(self) -> None:
        self._active = False
        on_import.forget(_MODELS, self._patch)
        stubber, self._stubber = self._stubber, None
        if stubber is not None:
            # The class's own methods again (a callback moto bound meanwhile keeps ours,
            # which hands everything to moto from now on).
            for name in ("process_request", "process_prepared_request"):
                stubber.__dict__.pop(name, None)

    def _patch(self, models: ModuleType) -> None:
        stubber = getattr(models, "botocore_stubber", None)
        if stubber is None or not self._active:
            return
        process_request = stubber.process_request
        # moto 5.0.x hands its responses mock's requests to process_request too (as
        # werkzeug's Request); later releases convert them in process_prepared_request.
        process_prepared_request = getattr(stubber, "process_prepared_request", None)
        beside = self

        def answering_ses(request: Any) -> Any:
            # moto's responses mock, started after the fake's: the fake answers its own.
            if beside._active:
                found = beside.answer(request.method, request.url, request.headers, _body(request))
                if found is not None:
                    return found
            if process_prepared_request is None:
                return process_request(request)
            return process_prepared_request(request)

        def passing_ses(request: Any) -> Any:
            # botocore's before-send (and any caller): the fake answers SES, moto the rest.
            if process_prepared_request is None and not _from_botocore(request):
                return answering_ses(request)
            if beside._active and SES_URL.match(str(getattr(request, "url", ""))):
                return None
            return process_request(request)

        stubber.process_request = passing_ses
        if process_prepared_request is not None:
            stubber.process_prepared_request = answering_ses
        self._stubber = stubber


def _from_botocore(request: Any) -> bool:
    """Whether a request is botocore's (before-send), not moto 5.0's responses callback's."""
    return type(request).__module__.split(".")[0] in ("botocore", "aiobotocore")


def _body(request: Any) -> Any:
    # requests' PreparedRequest has a body; moto 5.0's werkzeug Request, its data.
    get_data = getattr(request, "get_data", None)
    return get_data() if get_data is not None else request.body
