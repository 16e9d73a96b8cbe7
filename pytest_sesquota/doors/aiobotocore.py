"""The aiobotocore door: aiobotocore's own (async) signer leaves SES requests unsigned.

Everything else an aiobotocore or aioboto3 client needs is botocore's door: its
sessions register the same ``before-send`` handlers, whose answer aiobotocore can
await. Its signer does not go through botocore's ``RequestSigner.sign``, so the
door patches it while a fake account is active; loaded only once aiobotocore is.
"""

from __future__ import annotations

__all__ = ["patch", "unpatch"]

from typing import Any

from aiobotocore.signers import AioRequestSigner

from .botocore import skip_signing

_original_sign = AioRequestSigner.sign


async def _guarded_sign(
    self: AioRequestSigner, operation_name: str, request: Any, *a: Any, **k: Any
) -> Any:
    if skip_signing(self, operation_name, request):
        return None
    return await _original_sign(self, operation_name, request, *a, **k)


def patch() -> None:
    """Leave the requests the botocore door skips signing unsigned (idempotent)."""
    AioRequestSigner.sign = _guarded_sign


def unpatch() -> None:
    AioRequestSigner.sign = _original_sign
