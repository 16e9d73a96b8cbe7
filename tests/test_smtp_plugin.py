"""The ses_smtp fixture's wiring through pytester: teardown, bugs reported, docs."""

from __future__ import annotations

import pytest


@pytest.fixture
def run(pytester: pytest.Pytester):
    def run(source: str, *args: str) -> pytest.RunResult:
        pytester.makepyfile(source)
        return pytester.runpytest_inprocess("-p", "no:hypothesispytest", *args)

    return run


def test_the_server_is_gone_after_failing_and_erroring_tests(run):
    result = run(
        """
        import os
        import socket
        import threading
        import pytest

        seen = {}

        def test_fails(ses_smtp):
            seen["ports"] = (ses_smtp.port, ses_smtp.tls_port)
            seen["ca_file"] = ses_smtp.ca_file
            with socket.create_connection((ses_smtp.host, ses_smtp.port), timeout=15):
                assert False, "boom"

        @pytest.fixture
        def broken(ses_smtp):
            yield ses_smtp
            raise RuntimeError("teardown boom")

        def test_teardown_errors(broken):
            socket.create_connection((broken.host, broken.tls_port), timeout=15).close()

        def test_after():
            assert not [t for t in threading.enumerate() if t.name == "pytest-sesquota-smtp"]
            assert not os.path.exists(seen["ca_file"])
            for port in seen["ports"]:
                with pytest.raises(ConnectionRefusedError):
                    socket.create_connection(("127.0.0.1", port), timeout=15)
        """
    )
    result.assert_outcomes(passed=2, failed=1, errors=1)


def test_a_bug_in_the_fake_answers_451_and_fails_the_test(run):
    result = run(
        """
        import smtplib
        import pytest
        from pytest_sesquota import SesAccount

        def test_it(ses_smtp, monkeypatch):
            def broken(self, **kwargs):
                raise RuntimeError("a bug")

            monkeypatch.setattr(SesAccount, "send", broken)
            with smtplib.SMTP(ses_smtp.host, ses_smtp.port, "client.test", 15) as client:
                client.starttls(context=ses_smtp.ssl_context())
                client.login(ses_smtp.username, ses_smtp.password)
                with pytest.raises(smtplib.SMTPDataError) as err:
                    client.sendmail("app@example.com", ["a@example.com"], b"Hi")
            assert err.value.args == (451, b"Temporary service failure")
        """
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*pytest-sesquota hit an internal error*", "*RuntimeError: a bug"])


SIGN_WITH_A_REAL_DATETIME = """
def sign_with_a_real_datetime():
    # What any code of the process may do after our tests: it must still work.
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "other")])
    (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(datetime.datetime(2020, 1, 1))
        .not_valid_after(datetime.datetime(2030, 1, 1))
        .sign(key, hashes.SHA256())
    )
"""


def test_certificates_are_made_before_the_clock_freezes(pytester: pytest.Pytester):
    # A fresh process: newer cryptography remembers the first datetime class it
    # sees, so certificates signed under freezegun would break later signings.
    pytester.makepyfile(
        SIGN_WITH_A_REAL_DATETIME
        + """
import smtplib
import pytest

@pytest.mark.ses_quota(start="2031-05-05")
def test_smtp(ses_smtp):
    from pytest_sesquota.doors import certs as _certs
    assert _certs.made_in == "this process"
    with smtplib.SMTP_SSL(ses_smtp.host, ses_smtp.tls_port, local_hostname="client.test",
                          timeout=15, context=ses_smtp.ssl_context()) as client:
        client.login(ses_smtp.username, ses_smtp.password)

def test_later():
    sign_with_a_real_datetime()
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:hypothesispytest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_server_started_under_a_frozen_clock_outside_pytest(pytester: pytest.Pytester):
    script = pytester.makepyfile(
        SIGN_WITH_A_REAL_DATETIME
        + """
from pytest_sesquota import SesAccount
from pytest_sesquota import SesSmtpServer
from pytest_sesquota.doors import certs as _certs

# freezegun: the backend that replaces the datetime class (time-machine leaves it be).
with SesAccount(time_backend="freezegun") as account, SesSmtpServer(account) as server:
    assert server.ssl_context() is not None
assert _certs.made_in == "a child process"
sign_with_a_real_datetime()
print("all good")
"""
    )
    result = pytester.runpython(script)
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["all good"])
