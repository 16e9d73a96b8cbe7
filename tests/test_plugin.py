"""Plugin wiring through pytester: marker, ini options, errors at setup, teardown."""

from __future__ import annotations

import pytest

VALID = (
    "api_rate_limit, auto_tick, budget, bulk_throttling, burst, daily, fail_on_dropped, "
    "max_24_hour_send, max_send_rate, profile, region, regions, reputation, seed, sending_enabled, "
    "sent_last_24_hours, smtp_idle_timeout, smtp_max_connections, "
    "smtp_max_messages_per_connection, smtp_require_starttls, start, time_backend, "
    "transient_failures, verified"
)


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)

    def run(source: str, *args: str, ini: str | None = None) -> pytest.RunResult:
        pytester.makepyfile(source)
        if ini is not None:
            pytester.makeini(ini)
        # The hypothesis plugin costs ~1 s per inner session and is not under test.
        return pytester.runpytest_inprocess("-p", "no:hypothesispytest", *args)

    return run


def test_unknown_marker_argument_fails_at_setup_naming_the_valid_ones(run):
    result = run(
        """
        import pytest

        @pytest.mark.ses_quota(max_rate=14)
        def test_it():
            pass
        """
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [f"*ses_quota got an unexpected argument 'max_rate'. Valid arguments: {VALID}"]
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        ("profile='prod'", "*profile='prod' is not valid; valid profiles: 'sandbox', 'production'"),
        (
            "daily='exceed'",
            "*daily='exceed' is not valid; valid modes: 'would_exceed', 'below_max'",
        ),
        ("max_send_rate=0", "*max_send_rate=0 is not valid; expected a positive number, or -1*"),
        ("burst=0.5", "*burst=0.5 is not valid; expected a number of recipients >= 1*"),
        ("sent_last_24_hours=-1", "*sent_last_24_hours=-1 is not valid*"),
        ("region='US East'", "*region='US East' is not valid; expected an AWS region name*"),
        ("verified='a@example.com'", "*verified='a@example.com' is not valid; expected a list*"),
        ("start='yesterday'", "*start='yesterday' is not valid; expected an ISO 8601 time*"),
        ("sending_enabled='no'", "*sending_enabled='no' is not valid; expected True or False"),
        (
            "bulk_throttling='whole'",
            "*bulk_throttling='whole' is not valid; valid choices: 'per_destination', 'whole_call'",
        ),
        (
            "smtp_require_starttls=1",
            "*smtp_require_starttls=1 is not valid; expected True or False",
        ),
        (
            "smtp_idle_timeout=0",
            "*smtp_idle_timeout=0 is not valid; expected a number of seconds > 0 (real time*",
        ),
        (
            "smtp_max_connections=0",
            "*smtp_max_connections=0 is not valid; expected a whole number of connections >= 1*",
        ),
        (
            "regions={'eu-west-1': {'region': 'x'}}",
            "*regions?'eu-west-1'? got an unexpected key 'region'. Valid keys: profile, *",
        ),
        (
            "time_backend='sundial'",
            "*time_backend='sundial' is not valid; valid backends: 'auto', 'freezegun', "
            "'time-machine'",
        ),
        (
            "auto_tick=0",
            "*ses_quota: auto_tick=0 is not valid; expected a number of seconds > 0 each read "
            "moves the clock, or None",
        ),
        (
            "reputation={'bounce_rate': 0.02}",
            "*ses_quota: reputation got an unexpected key 'bounce_rate'. Valid keys: "
            "bounce_review, bounce_pause, complaint_review, complaint_pause, window, "
            "minimum_volume, review_period, enforced",
        ),
        (
            "reputation={'bounce_review': 5}",
            "*ses_quota: reputation?'bounce_review'?=5 is not valid; expected a fraction above 0 "
            "and at most 1 (0.05 is 5 %)",
        ),
        (
            "reputation={'bounce_pause': 0.01}",
            "*ses_quota: reputation: a pause threshold cannot be below its review threshold "
            "(bounces 0.05 / 0.01, complaints 0.001 / 0.005)",
        ),
        (
            "regions={'eu-west-1': {'reputation': {'window': 0}}}",
            "*ses_quota: regions?'eu-west-1'?: reputation?'window'?=0 is not valid; expected a "
            "positive number of seconds or a timedelta",
        ),
        ("reputation='strict'", "*ses_quota: reputation='strict' is not valid; expected a dict*"),
        ("'sandbox'", "*ses_quota takes keyword arguments only, got ('sandbox',).*"),
    ],
)
def test_bad_marker_values_fail_at_setup(run, args, line):
    result = run(
        f"""
        import pytest

        @pytest.mark.ses_quota({args})
        def test_it(ses_account):
            pass
        """
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_it*", line])


def test_closest_marker_wins_key_by_key(run):
    result = run(
        """
        import pytest

        pytestmark = pytest.mark.ses_quota(profile="production", region="eu-west-1")

        @pytest.mark.ses_quota(max_send_rate=5)
        class TestIt:
            @pytest.mark.ses_quota(max_send_rate=7)
            def test_function_wins(self, ses_account):
                assert ses_account.region == "eu-west-1"
                assert ses_account.quota() == (50000.0, 7.0, 0.0)

            def test_class_applies(self, ses_account):
                assert ses_account.quota() == (50000.0, 5.0, 0.0)

        def test_module_applies(ses_account):
            assert ses_account.quota("eu-west-1") == (50000.0, 14.0, 0.0)
        """
    )
    result.assert_outcomes(passed=3)


def test_ini_options_set_suite_defaults_and_markers_beat_them(run):
    result = run(
        """
        import pytest

        def test_ini(ses_account):
            assert ses_account.region == "eu-central-1"
            assert ses_account.quota("eu-central-1") == (50000.0, 20.0, 0.0)
            assert ses_account.clock.now().year == 2027
            assert ses_account.is_verified("x@example.com")

        @pytest.mark.ses_quota(profile="sandbox", max_send_rate=2)
        def test_marker_wins(ses_account):
            assert ses_account.quota() == (200.0, 2.0, 0.0)
        """,
        ini="""
        [pytest]
        ses_quota_profile = production
        ses_quota_region = eu-central-1
        ses_quota_max_send_rate = 20
        ses_quota_start = 2027-03-01T00:00:00Z
        ses_quota_verified =
            example.com
        """,
    )
    result.assert_outcomes(passed=2)


def test_bad_ini_option_is_a_usage_error(run):
    result = run("def test_it(): pass", ini="[pytest]\nses_quota_profile = prod\n")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*ini option ses_quota_profile: profile='prod' is not valid; valid profiles: *"]
    )


def test_marker_without_the_fixture_still_gets_the_fake(run):
    result = run(
        """
        import time
        import boto3
        import pytest

        @pytest.mark.ses_quota(start="2030-01-01T00:00:00Z")
        def test_it():
            assert time.gmtime().tm_year == 2030
            quota = boto3.client("ses", region_name="us-east-1").get_send_quota()
            assert quota["Max24HourSend"] == 200.0
        """
    )
    result.assert_outcomes(passed=1)


def test_everything_is_restored_after_failing_and_erroring_tests(run):
    result = run(
        """
        import time
        import botocore.endpoint
        import pytest

        REAL_SLEEP = time.sleep
        REAL_SEND = botocore.endpoint.Endpoint._send

        def test_fails(ses_account):
            ses_account.clock.advance(days=3)
            assert False, "boom"

        @pytest.fixture
        def broken(ses_account):
            yield
            raise RuntimeError("teardown boom")

        def test_teardown_errors(broken):
            pass

        def test_after():
            assert time.sleep is REAL_SLEEP
            assert botocore.endpoint.Endpoint._send is REAL_SEND
            assert time.gmtime().tm_year >= 2026 and time.time() > 1.7e9
            from pytest_sesquota.doors import botocore as _botocore
            assert _botocore.current() is None
        """
    )
    result.assert_outcomes(passed=2, failed=1, errors=1)


def test_with_the_block_off_ses_requests_without_the_fixture_pass_through(run):
    result = run(
        """
        import boto3

        def test_it():
            client = boto3.client("ses", region_name="us-east-1",
                                  aws_access_key_id="x", aws_secret_access_key="y")
            seen = []

            def network(request, **kwargs):
                seen.append(request.url)
                raise RuntimeError("would reach the network")

            client.meta.events.register_last("before-send.ses", network)
            try:
                client.get_send_quota()
            except RuntimeError:
                pass
            assert seen == ["https://email.us-east-1.amazonaws.com/"]
        """,
        ini="[pytest]\nses_quota_block_unfaked = false\n",
    )
    result.assert_outcomes(passed=1)


def test_marker_and_fixtures_are_documented(run):
    result = run("", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.ses_quota(profile='sandbox'|'production', *"])
    result = run("", "--fixtures")
    # pytest orders fixtures by their location's text (plugin.py:106 before plugin.py:79),
    # so each fixture and its docstring is looked for on its own.
    for name, doc in [
        ("ses_account", "The fake SES account of this test: quotas, ledger and virtual clock"),
        ("ses_clock", "The virtual clock of the fake SES account"),
        ("ses_smtp", "A loopback SMTP server answering like SES's SMTP interface, on the test's"),
        ("ses_server", "SES's APIs and SMTP on loopback ports for this test, on ses_account's"),
    ]:
        result.stdout.fnmatch_lines([f"{name}*", f"*{doc}*"])


def test_durations_stay_real(run):
    result = run(
        """
        import time

        def test_it(ses_account):
            ses_account.clock.advance(days=365)
            time.sleep(3600)
        """,
        "--durations=0",
        "-vv",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*s call *test_it"])
    assert not any(line.startswith(("3600", "31536")) for line in result.stdout.lines)


def test_time_machine_backend_without_the_package_says_what_to_install(run, monkeypatch):
    import pytest_sesquota.account.options

    monkeypatch.setattr(pytest_sesquota.account.options, "available", lambda name: False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)  # no backend from the outer run
    result = run(
        """
        import pytest

        @pytest.mark.ses_quota(time_backend="time-machine")
        def test_it(ses_account):
            pass
        """
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ses_quota: time_backend='time-machine' is not valid; it needs the time-machine "
            'package: pip install "pytest-sesquota?time-machine?"'  # ? for fnmatch's brackets
        ]
    )


def test_a_unittest_testcase_with_the_marker(run):
    result = run(
        """
        import unittest

        import boto3
        import pytest

        from pytest_sesquota import UnfakedSesCall, current_account


        @pytest.mark.ses_quota(profile="production")
        class TestMail(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                # Before any test's account: refused (the default), never real SES.
                try:
                    boto3.client("ses", region_name="us-east-1").get_send_quota()
                    cls.outcome = "sent"
                except UnfakedSesCall:
                    cls.outcome = "refused"

            def test_each_test_has_its_own_account(self):
                self.assertEqual(self.outcome, "refused")
                account = current_account()
                self.assertIsNotNone(account)
                quota = boto3.client("ses", region_name="us-east-1").get_send_quota()
                self.assertEqual(quota["Max24HourSend"], 50000.0)
                self.assertEqual(len(account.requests), 1)

            def test_and_a_fresh_one(self):
                self.assertEqual(current_account().requests, [])
        """
    )
    result.assert_outcomes(passed=2)
