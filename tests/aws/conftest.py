"""Fixtures for the AWS-client integration tests: start the real `eddy` binary on a free
port with a fresh data directory, and hand boto3 clients pointed at it to the tests."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import boto3
import pytest
from botocore.config import Config

EDDY_BIN = os.environ.get("EDDY_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "target", "debug", "eddy"))


class Eddy:
    """A running `eddy serve`: its endpoint, data directory and process."""

    def __init__(self, data_dir, extra_args=()):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.endpoint = None

    def start(self, timeout=20):
        self.proc = subprocess.Popen(
            [EDDY_BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir, "--log", "warn", *self.extra_args],
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
        )
        deadline = time.monotonic() + timeout
        line = self.proc.stdout.readline()
        if not line.startswith("listening on ") or time.monotonic() > deadline:
            self.proc.kill()
            raise RuntimeError(f"eddy did not start: {line!r}")
        self.endpoint = line.split("listening on ", 1)[1].strip()
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        return self.proc.returncode

    def client(self, service):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, read_timeout=60),
        )


@pytest.fixture()
def data_dir():
    path = tempfile.mkdtemp(prefix="eddy-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture()
def eddy(data_dir):
    server = Eddy(data_dir).start()
    yield server
    assert server.stop() == 0, "eddy did not exit cleanly on SIGTERM"


@pytest.fixture()
def sqs(eddy):
    return eddy.client("sqs")


@pytest.fixture()
def events(eddy):
    return eddy.client("events")


def wait_for(condition, timeout=10.0, interval=0.02):
    """Polls `condition` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(interval)
