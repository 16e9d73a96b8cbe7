"""While faked, no credential machinery runs: no credential_process, SSO, container or
instance metadata lookup; the user's environment is exactly restored after."""

from __future__ import annotations

import json
import os
import sys

import boto3

from pytest_sesquota import SesAccount

FAKE_KEY = "AKIAFAKESESQUOTA0000"


def test_no_credential_machinery_runs_while_faked(tmp_path, monkeypatch):
    ran = tmp_path / "ran"
    script = tmp_path / "credentials.py"
    answer = {"Version": 1, "AccessKeyId": "AKIAREAL", "SecretAccessKey": "real"}
    script.write_text(
        f"open({str(ran)!r}, 'a').write('ran\\n'); print({json.dumps(json.dumps(answer))})"
    )
    process = f"credential_process = {sys.executable} {script}"
    config = tmp_path / "config"
    config.write_text(
        f"[default]\n{process}\nregion = eu-west-1\n"
        f"[profile corp]\n{process}\nregion = eu-central-1\n"
        "[profile sso]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = r\n"
        "[sso-session s]\nsso_start_url = https://example.awsapps.com/start\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/creds")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "a-real-token")
    before = dict(os.environ)

    with SesAccount():
        for profile in (None, "corp", "sso"):
            session = boto3.Session(profile_name=profile)
            credentials = session.get_credentials()
            assert (credentials.access_key, credentials.token) == (FAKE_KEY, None)
            session.client("ses", region_name="us-east-1").get_send_quota()
        assert boto3.Session(profile_name="corp").region_name == "eu-central-1"
        assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
        assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in os.environ

    assert not ran.exists()
    assert dict(os.environ) == before
    # The profile is real: outside the fake, botocore runs its process.
    assert boto3.Session().get_credentials().access_key == "AKIAREAL"
    assert ran.read_text() == "ran\n"


def test_a_profile_named_in_the_environment_that_does_not_exist_gets_the_fake_keys(
    tmp_path, monkeypatch
):
    # A developer's shell names a profile of another machine (or none is configured):
    # a faked test does not fail with ProfileNotFound.
    config = tmp_path / "config"
    config.write_text("[profile other]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.setenv(variable, "gone-missing")
        before = dict(os.environ)
        with SesAccount():
            session = boto3.Session()
            assert session.get_credentials().access_key == FAKE_KEY
            client = session.client("ses", region_name="us-east-1")
            assert client.get_send_quota()["Max24HourSend"] == 200.0
            assert boto3.Session(profile_name="other").region_name == "eu-west-1"
        assert dict(os.environ) == before
        monkeypatch.delenv(variable)
