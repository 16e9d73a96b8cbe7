"""TLS certificates for the SMTP server: a trustme CA and a certificate for loopback.

Made once per process, never under a frozen clock: newer cryptography releases
remember the ``datetime`` class they first see, and a certificate signed while
freezegun has replaced it would make every later signing with a real ``datetime``
fail, in any code of the process. Under a frozen clock the certificates are made
by a child Python process instead. Their validity is trustme's fixed range (from
2000), which OpenSSL checks against the real system time, whatever the virtual one.

Run as a script, this module prints the PEM blobs (the child process's job).
"""

from __future__ import annotations

__all__ = ["made_in", "pems"]

import datetime
import subprocess
import sys
import threading

_lock = threading.Lock()
_pems: tuple[bytes, bytes] | None = None
#: Where they were made: "this process", or "a child process" (under a frozen clock).
made_in: str | None = None
_SEPARATOR = b"\n--pytest-sesquota--\n"


def _make() -> tuple[bytes, bytes]:
    import trustme  # pulls in cryptography: only servers need it

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    chain = cert.private_key_pem.bytes() + b"".join(blob.bytes() for blob in cert.cert_chain_pems)
    return ca.cert_pem.bytes(), chain


def _frozen() -> bool:
    from freezegun.api import real_datetime

    return datetime.datetime is not real_datetime


def pems() -> tuple[bytes, bytes]:
    """``(CA certificate, server key and certificate chain)`` as PEM, made once."""
    global _pems, made_in
    with _lock:
        if _pems is None:
            if _frozen():
                # No timeout: subprocess would measure it on the frozen clock.
                done = subprocess.run(
                    [sys.executable, __file__], check=True, stdout=subprocess.PIPE
                )
                ca, _sep, chain = done.stdout.partition(_SEPARATOR)
                _pems, made_in = (ca, chain), "a child process"
            else:
                _pems, made_in = _make(), "this process"
        return _pems


if __name__ == "__main__":
    ca_pem, chain_pem = _make()
    sys.stdout.buffer.write(ca_pem + _SEPARATOR + chain_pem)
