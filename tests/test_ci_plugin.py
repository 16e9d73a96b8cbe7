"""CI regression checks through pytester: fail_on_dropped, budgets, the baseline (also
under xdist, and GitHub's job summary), and the seed of transient faults in the report."""

from __future__ import annotations

import json

import pytest

ID = "0100*-000001"

SOURCE = """
import random
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def send(ses, to, subject="Hi"):
    try:
        ses.send_email(Source="app@example.com", Destination={"ToAddresses": [to]},
                       Message={"Subject": {"Data": subject}, "Body": {"Text": {"Data": "x"}}})
        return True
    except ClientError:
        return False


def client():
    return boto3.client("ses", region_name="us-east-1", config=NO_RETRIES)
"""

# b is throttled twice and never sent again; c is throttled, then sent after a second.
DROPPING = """
def test_campaign(ses_account):
    ses = client()
    send(ses, "a@example.com")
    send(ses, "b@example.com")
    send(ses, "b@example.com")
    send(ses, "c@example.com")
    ses_account.clock.sleep(1)
    assert send(ses, "c@example.com")
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    def run(source: str, *args: str, ini: str | None = None) -> pytest.RunResult:
        pytester.makepyfile(test_ci=SOURCE + source)
        if ini is not None:
            pytester.makeini(ini)
        return pytester.runpytest_inprocess("-p", "no:hypothesispytest", *args)

    return run


# -- fail_on_dropped -------------------------------------------------------------------
def test_fail_on_dropped_fails_at_teardown_listing_the_dropped_messages(run):
    result = run("pytestmark = pytest.mark.ses_quota(fail_on_dropped=True)\n" + DROPPING)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_campaign _*",
            "SES dropped 1 message: refused (throttled or a transient fault) and never accepted "
            "later in the test (fail_on_dropped); see 'dropped:' in the SES conversation",
            "*- SES conversation -*",
            f"+0.000s us-east-1 SendEmail app@example.com → a@example.com (1 rcpt) accepted {ID}",
            "+0.000s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
            "(rate: 0.00 of 1 available, max 1/s)",
            "+0.000s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
            "(rate: 0.00 of 1 available, max 1/s) [retry 1]",
            "+0.000s us-east-1 SendEmail app@example.com → c@example.com (1 rcpt) throttled "
            "(rate: 0.00 of 1 available, max 1/s)",
            "+0.000s time.sleep(1)",
            "+1.000s us-east-1 SendEmail app@example.com → c@example.com (1 rcpt) accepted "
            "0100*-000002 [[]retry 1]",
            "dropped: 1 message refused and never accepted later in the test",
            '  app@example.com → b@example.com (1 rcpt) "Hi": throttled (rate) at +0.000s, '
            "2 attempts",
            "quota at +1.000s (GetSendQuota):",
        ]
    )


def test_fail_on_dropped_from_the_ini_and_a_marker_turning_it_off(run):
    result = run(
        DROPPING
        + """
@pytest.mark.ses_quota(fail_on_dropped=False)
def test_allowed(ses_account):
    ses = client()
    send(ses, "a@example.com")
    send(ses, "b@example.com")

def test_resent(ses_account):
    ses = client()
    send(ses, "a@example.com")
    send(ses, "b@example.com")
    ses_account.clock.sleep(1)
    assert send(ses, "b@example.com")
""",
        ini="[pytest]\nses_quota_fail_on_dropped = true\n",
    )
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["ERROR test_ci.py::test_campaign - Failed: SES dropped 1 *"])


def test_a_failing_test_gets_no_second_failure_from_its_checks(run):
    result = run(
        """
@pytest.mark.ses_quota(fail_on_dropped=True, budget={"throttled": 0})
def test_broken(ses_account):
    ses = client()
    send(ses, "a@example.com")
    send(ses, "b@example.com")
    assert False, "broken"
"""
    )
    result.assert_outcomes(failed=1)
    assert "SES budget exceeded" not in result.stdout.str()


# -- budgets -------------------------------------------------------------------------
def test_budgets_fail_at_teardown_with_each_figure_exceeded(run):
    result = run(
        """
@pytest.mark.ses_quota(budget={"throttled": 0, "requests": 5, "virtual_seconds": 0.5,
                               "dropped": 1})
""".lstrip()
        + DROPPING.lstrip()
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_campaign _*",
            "SES budget exceeded: throttled 3 > 0",
            "SES budget exceeded: virtual_seconds 1 > 0.5",
            "*- SES conversation -*",
        ]
    )
    assert "requests 5" not in result.stdout.str()  # 5 requests: within its budget
    assert "SES budget exceeded: dropped" not in result.stdout.str()


def test_a_test_within_its_budget_passes(run):
    result = run('@pytest.mark.ses_quota(budget={"throttled": 3, "dropped": 1})' + DROPPING)
    result.assert_outcomes(passed=1)


def test_unknown_budget_keys_fail_at_setup_naming_the_valid_ones(run):
    result = run(
        """
@pytest.mark.ses_quota(budget={"throttles": 0})
def test_typo(ses_account):
    pass
"""
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at setup of test_typo _*",
            "ses_quota: budget got an unexpected key 'throttles'. "
            "Valid keys: dropped, requests, throttled, virtual_seconds, bounce_rate, "
            "complaint_rate",
        ]
    )
    assert "During handling" not in result.stdout.str()


def test_a_bounce_rate_budget_fails_the_test_whose_mail_bounced_and_the_summary_says(run):
    result = run(
        """
@pytest.mark.ses_quota(profile="production", budget={"bounce_rate": 0.02})
@pytest.mark.parametrize("typos", [0, 1, 3])
def test_signups(ses_account, typos):
    ses_account.mailbox("@typo.example", outcome="bounce")
    ses = client()
    for i in range(50):
        send(ses, f"user{i}@typo.example" if i < typos else f"user{i}@example.com")
        ses_account.clock.sleep(1)
""",
        "--ses-quota-summary",
    )
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_signups?3? _*",
            "SES budget exceeded: bounce_rate 0.06 > 0.02",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "reputation: bounce rate 2.00%, complaint rate 0.00% at the end of "
            "test_ci.py::test_signups?1?",
            "reputation: bounce rate 6.00%, complaint rate 0.00% at the end of "
            "test_ci.py::test_signups?3?",
        ]
    )
    assert "test_signups[0]" not in result.stdout.str().partition("reputation:")[2]


# -- transient faults in the report ----------------------------------------------------
FAULTY = """
@pytest.mark.ses_quota(profile="production", transient_failures=0.5, seed=3,
                       fail_on_dropped=True)
def test_faulty(ses_account):
    random.seed(1)  # the test's own randomness: no effect on the faults
    ses = client()
    for i in range(4):
        send(ses, f"r{i}@example.com", subject=str(random.random())[:4])
"""


def test_the_seed_is_printed_and_replays_the_same_failure(run):
    first = run(FAULTY)
    first.assert_outcomes(passed=1, errors=1)
    first.stdout.fnmatch_lines(
        [
            "SES dropped 2 messages: *",
            "*- SES conversation -*",
            "+0.000s us-east-1 SendEmail app@example.com → r0@example.com (1 rcpt) failed "
            "(ServiceUnavailable: transient fault)",
            "dropped: 2 messages refused and never accepted later in the test",
            '  app@example.com → r0@example.com (1 rcpt) "0.13": failed '
            "(ServiceUnavailable: transient fault) at +0.000s, 1 attempt",
            '  app@example.com → r2@example.com (1 rcpt) "0.76": failed '
            "(ServiceUnavailable: transient fault) at +0.000s, 1 attempt",
            "transient faults: 0.5 of send attempts, seed 3 "
            "(replay: @pytest.mark.ses_quota(transient_failures=0.5, seed=3))",
        ]
    )
    again = run(FAULTY)  # the same faults, on the same messages

    def faults(result: pytest.RunResult) -> list[str]:
        # Not the short test summary's line: cut to the terminal's width, it may or may
        # not still reach the words.
        return [
            line
            for line in result.stdout.lines
            if "transient fault" in line and not line.startswith(("ERROR ", "FAILED "))
        ]

    assert len(faults(first)) == 6  # the failure, 2 requests, 2 dropped, the seed
    assert faults(again) == faults(first)


def test_without_a_seed_the_report_prints_the_one_picked(run):
    result = run(
        """
@pytest.mark.ses_quota(transient_failures=1)
def test_faulty(ses_account):
    assert send(client(), "a@example.com")
"""
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "transient faults: 1 of send attempts, seed * "
            "(replay: @pytest.mark.ses_quota(transient_failures=1, seed=*))"
        ]
    )


def test_transient_failures_and_seed_from_the_ini(run):
    result = run(
        """
def test_faulty(ses_account):
    assert ses_account.seed == 9
    assert not send(client(), "a@example.com")
    assert ses_account.faults
""",
        ini="[pytest]\nses_quota_transient_failures = 1\nses_quota_seed = 9\n",
    )
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        (
            "ses_quota_transient_failures = often",
            "ini option ses_quota_transient_failures='often' is not valid; expected a number",
        ),
        (
            "ses_quota_transient_failures = 2",
            "ini option ses_quota_transient_failures: transient_failures=2.0 is not valid; "
            "expected a probability from 0 to 1 (0.1: one send attempt in ten)",
        ),
        (
            "ses_quota_seed = x",
            "ini option ses_quota_seed='x' is not valid; expected a whole number",
        ),
        (
            "ses_quota_fail_on_dropped = maybe",
            "ini option ses_quota_fail_on_dropped='maybe' is not valid; expected true or false",
        ),
        (
            "ses_quota_reputation = bounce_rate=0.02",
            "ini option ses_quota_reputation='bounce_rate=0.02' is not valid; expected key=value "
            "items, each key one of bounce_review, bounce_pause, complaint_review, "
            "complaint_pause, window, minimum_volume, review_period, enforced",
        ),
        (
            "ses_quota_reputation = minimum_volume=20 enforced=maybe",
            "ini option ses_quota_reputation='minimum_volume=20 enforced=maybe' is not valid; "
            "enforced: expected true or false",
        ),
        (
            "ses_quota_reputation = bounce_review=5",
            "ini option ses_quota_reputation: reputation?'bounce_review'?=5.0 is not valid; "
            "expected a fraction above 0 and at most 1 (0.05 is 5 %)",
        ),
    ],
)
def test_bad_ini_values_stop_the_run(run, ini, message):
    result = run("def test_x(): pass\n", ini=f"[pytest]\n{ini}\n")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


# -- the baseline ----------------------------------------------------------------------
TWO_TESTS = """
@pytest.mark.parametrize("count", [COUNT])
def test_sends(ses_account, count):
    ses = client()
    for i in range(count):
        send(ses, f"r{i}@example.com")

def test_plain():
    pass
"""


def baseline_run(run, count: int, *args: str) -> pytest.RunResult:
    return run(TWO_TESTS.replace("COUNT", str(count)), "--ses-quota-baseline=base.json", *args)


def test_a_missing_baseline_is_written(run, pytester):
    result = baseline_run(run, 3)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*= SES baseline =*",
            "baseline written: base.json (1 test from this run); later runs compare with it",
        ]
    )
    assert json.loads((pytester.path / "base.json").read_text()) == {
        "version": 1,
        "tests": {
            "test_ci.py::test_sends[3]": {
                "requests": 3,
                "sent": 1,
                "throttled": 2,
                "dropped": 2,
                "virtual_seconds": 0.0,
                "retries": 0,
            }
        },
    }


def test_the_same_figures_pass(run):
    baseline_run(run, 3)
    result = baseline_run(run, 3)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*= SES baseline =*",
            "1 test compared with base.json (tolerance 10%): 0 worse, 0 better, 0 new",
            "*= 2 passed in *",
        ]
    )


def test_worse_figures_fail_the_run(run, pytester):
    baseline_run(run, 3)
    (pytester.path / "base.json").write_text(
        (pytester.path / "base.json").read_text().replace("test_sends[3]", "test_sends[5]")
    )
    result = baseline_run(run, 5)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= SES baseline =*",
            "worse   test_ci.py::test_sends[5]: requests 3 -> 5, throttled 2 -> 4, dropped 2 -> 4",
            "1 test compared with base.json (tolerance 10%): 1 worse, 0 better, 0 new",
            "the run fails: a figure got worse than its baseline "
            "(--ses-quota-baseline-update accepts the new figures)",
        ]
    )


def test_better_figures_and_new_tests_pass(run, pytester):
    baseline_run(run, 5)
    text = (pytester.path / "base.json").read_text()
    (pytester.path / "base.json").write_text(text.replace("test_sends[5]", "test_sends[3]"))
    result = run(TWO_TESTS.replace("[COUNT]", "[3, 4]"), "--ses-quota-baseline=base.json")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "better  test_ci.py::test_sends[3]: requests 5 -> 3, throttled 4 -> 2, dropped 4 -> 2",
            "2 tests compared with base.json (tolerance 10%): 0 worse, 1 better, 1 new",
        ]
    )


def test_the_tolerance_lets_small_changes_pass(run, pytester):
    baseline_run(run, 10)
    text = (pytester.path / "base.json").read_text()
    (pytester.path / "base.json").write_text(text.replace("test_sends[10]", "test_sends[11]"))
    assert baseline_run(run, 11).ret == pytest.ExitCode.TESTS_FAILED  # 9 -> 10 throttled: 11%
    result = baseline_run(run, 11, "--ses-quota-baseline-tolerance=15%")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["1 test compared with base.json (tolerance 15%): 0 worse, 0 better, 0 new"]
    )


def test_update_rewrites_the_baseline(run, pytester):
    baseline_run(run, 3)
    text = (pytester.path / "base.json").read_text()
    (pytester.path / "base.json").write_text(text.replace("test_sends[3]", "test_sends[4]"))
    result = baseline_run(run, 4, "--ses-quota-baseline-update")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["baseline updated: base.json (1 test from this run); later runs compare with it"]
    )
    tests = json.loads((pytester.path / "base.json").read_text())["tests"]
    assert tests["test_ci.py::test_sends[4]"]["requests"] == 4
    assert baseline_run(run, 4).ret == pytest.ExitCode.OK


def test_a_broken_baseline_stops_the_run(run, pytester):
    (pytester.path / "base.json").write_text('{"tests": []}')
    result = baseline_run(run, 3)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: base.json is not a pytest-sesquota baseline (version 1, with 'tests'); "
            "delete it, or write it anew with --ses-quota-baseline-update"
        ]
    )


def test_baseline_switches_need_the_baseline(run):
    result = run("def test_x(): pass\n", "--ses-quota-baseline-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --ses-quota-baseline-update needs --ses-quota-baseline=PATH"]
    )


def test_the_github_step_summary_gets_a_markdown_table(run, pytester, monkeypatch):
    baseline_run(run, 3)
    text = (pytester.path / "base.json").read_text()
    (pytester.path / "base.json").write_text(text.replace("test_sends[3]", "test_sends[4]"))
    summary = pytester.path / "summary.md"
    summary.write_text("earlier steps\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    baseline_run(run, 4)
    assert summary.read_text() == (
        "earlier steps\n"
        "### pytest-sesquota: SES figures against the baseline\n"
        "\n"
        "1 test compared with `base.json` (tolerance 10%): 1 worse, 0 better, 0 new.\n"
        "\n"
        "| test | status | requests | sent | throttled | dropped | virtual seconds | retries |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|\n"
        "| `test_ci.py::test_sends[4]` | worse | **4 (was 3)** | 1 | **3 (was 2)** "
        "| **3 (was 2)** | 0 | 0 |\n"
    )


def test_the_baseline_works_under_xdist(run, pytester):
    pytest.importorskip("xdist")
    source = TWO_TESTS.replace("[COUNT]", "[1, 2, 3, 4]")
    written = run(source, "-p", "xdist", "-n", "2", "--ses-quota-baseline=base.json")
    assert written.ret == pytest.ExitCode.OK
    written.stdout.fnmatch_lines(["baseline written: base.json (4 tests from this run); *"])
    tests = json.loads((pytester.path / "base.json").read_text())["tests"]
    assert {t: f["sent"] for t, f in tests.items()} == {
        f"test_ci.py::test_sends[{n}]": 1 for n in (1, 2, 3, 4)
    }
    tests["test_ci.py::test_sends[4]"]["throttled"] = 0
    (pytester.path / "base.json").write_text(json.dumps({"version": 1, "tests": tests}))
    compared = run(source, "-p", "xdist", "-n", "2", "--ses-quota-baseline=base.json")
    assert compared.ret == pytest.ExitCode.TESTS_FAILED
    compared.stdout.fnmatch_lines(
        [
            "worse   test_ci.py::test_sends[4]: throttled 0 -> 3",
            "4 tests compared with base.json (tolerance 10%): 1 worse, 0 better, 0 new",
        ]
    )
