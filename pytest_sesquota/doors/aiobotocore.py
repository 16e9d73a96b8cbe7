"""The aiobotocore door: aiobotocore's own (async) signer leaves SES requests unsigned.

Everything else an aiobotocore or aioboto3 client needs is botocore's door: its
sessions register the same ``before-send`` handlers, whose answer aiobotocore can
await. Its signer does not go through botocore's ``RequestSigner.sign``, so the
door patches it while a fake account is active; loaded only once aiobotocore is.
"""

from __future__ import annotations

__all__ = ["patch", "unpatch"]

from collections.abc import Callable
from typing import Any

from aiobotocore.signers import AioRequestSigner

_original_sign = AioRequestSigner.sign


def patch(skip_signing: Callable[[Any, str, Any], bool]) -> None:
    """Leave unsigned the requests ``skip_signing(signer, operation, request)`` says
    (the botocore door's rule, handed down: this module imports nothing of it)."""

    async def _guarded_sign(
        self: AioRequestSigner, operation_name: str, request: Any, *a: Any, **k: Any
    ) -> Any:
        if skip_signing(self, operation_name, request):
            return None
        return await _original_sign(self, operation_name, request, *a, **k)

    AioRequestSigner.sign = _guarded_sign


def unpatch() -> None:
    AioRequestSigner.sign = _original_sign
