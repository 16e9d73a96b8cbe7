"""The aiobotocore door: aiobotocore's own (async) signer leaves SES requests unsigned.

Everything else an aiobotocore or aioboto3 client needs is botocore's door: its
sessions register the same ``before-send`` handlers, whose answer aiobotocore can
await. Its signer does not go through botocore's ``RequestSigner.sign``, so the
door patches it while a fake account is active; loaded only once aiobotocore is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiobotocore.signers import AioRequestSigner

_original_sign = AioRequestSigner.sign
_skip: Callable[[Any, str, Any], bool] | None = None


async def _guarded_sign(
    self: AioRequestSigner, operation_name: str, request: Any, *a: Any, **k: Any
) -> Any:
    skip = _skip
    if skip is not None and skip(self, operation_name, request):
        return None
    return await _original_sign(self, operation_name, request, *a, **k)


def patch(skip: Callable[[Any, str, Any], bool]) -> None:
    """Leave the requests ``skip(signer, operation_name, request)`` says unsigned."""
    global _skip
    _skip = skip
    AioRequestSigner.sign = _guarded_sign


def unpatch() -> None:
    global _skip
    _skip = None
    AioRequestSigner.sign = _original_sign
