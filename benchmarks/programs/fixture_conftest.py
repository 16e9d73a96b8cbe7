"""The conftest.py of the fixture-overhead suite (``run.py --only fixture``): a realistic
suite's imports (boto3, botocore, Django and a good part of the standard library, 1,000+
modules), and the test loop's CPU time written to ``loop.txt``."""

import importlib
import sys
import time
from collections.abc import Iterator

import boto3
import django  # type: ignore[import-untyped]
import pytest
from django.conf import settings  # type: ignore[import-untyped]

settings.configure(INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"])
django.setup()

IMPORTED = """
    botocore.session
    django.contrib.admin django.contrib.auth.models django.db.models django.forms
    django.template.defaultfilters django.test django.views.generic
    email.mime.multipart http.server json logging.handlers sqlite3 xml.dom.minidom
    asyncio concurrent.futures decimal fractions statistics unittest.mock urllib.request
    django.contrib.sessions.middleware django.contrib.messages.views django.core.management
    django.contrib.admin.views.main django.db.backends.sqlite3.base django.test.client
    csv ctypes difflib ftplib imaplib pdb smtplib ssl tarfile xmlrpc.client zipfile
    django.contrib.auth.forms django.contrib.auth.views django.contrib.syndication.views
    django.contrib.sitemaps django.contrib.staticfiles.views django.contrib.humanize
    logging.config multiprocessing.managers wsgiref.simple_server http.cookiejar
"""
for name in IMPORTED.split():
    importlib.import_module(name)

boto3.client("ses", region_name="us-east-1")
boto3.client("sesv2", region_name="us-east-1")
boto3.client("sqs", region_name="us-east-1")
boto3.client("s3", region_name="us-east-1")


# The process's CPU time, not the wall clock: on a shared machine the wall time of the
# same run swings tenfold with the other processes, its CPU time hardly. (No backend
# fakes process_time.)
_CPU = (time.process_time,)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Iterator[None]:
    # The tests alone, not the interpreter's start and the imports above.
    start = _CPU[0]()
    yield
    with open("loop.txt", "w") as out:
        out.write(repr(_CPU[0]() - start))


def pytest_sessionfinish(session: pytest.Session) -> None:
    with open("modules.txt", "w") as out:
        out.write(str(len(sys.modules)))
