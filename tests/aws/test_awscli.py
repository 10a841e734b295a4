"""The AWS CLI (v1, from PyPI) against the real `eddy serve`."""

import json
import os
import subprocess
import sys

import pytest


def aws(eddy, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    cli = os.path.join(os.path.dirname(sys.executable), "aws")
    result = subprocess.run([cli, "--endpoint-url", eddy.endpoint, "--output", "json", *args], env=env, capture_output=True, text=True, timeout=60)
    return result


def ok(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_aws_cli_events_and_sqs(eddy):
    url = ok(aws(eddy, "sqs", "create-queue", "--queue-name", "cli-q"))["QueueUrl"]
    arn = ok(aws(eddy, "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "QueueArn"))["Attributes"]["QueueArn"]
    ok(aws(eddy, "events", "create-event-bus", "--name", "cli-bus"))
    ok(aws(eddy, "events", "put-rule", "--name", "cli-rule", "--event-bus-name", "cli-bus", "--event-pattern", json.dumps({"source": ["cli"]})))
    ok(aws(eddy, "events", "put-targets", "--rule", "cli-rule", "--event-bus-name", "cli-bus", "--targets", json.dumps([{"Id": "q", "Arn": arn}])))
    entries = [{"Source": "cli", "DetailType": "t", "Detail": json.dumps({"n": 1}), "EventBusName": "cli-bus"}]
    put = ok(aws(eddy, "events", "put-events", "--entries", json.dumps(entries)))
    assert put["FailedEntryCount"] == 0
    got = ok(aws(eddy, "sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "5"))["Messages"]
    assert json.loads(got[0]["Body"])["detail"] == {"n": 1}
    rules = ok(aws(eddy, "events", "list-rules", "--event-bus-name", "cli-bus"))["Rules"]
    assert [r["Name"] for r in rules] == ["cli-rule"]
    assert ok(aws(eddy, "sqs", "list-queues"))["QueueUrls"] == [url]


def test_aws_cli_reports_errors(eddy):
    result = aws(eddy, "sqs", "get-queue-url", "--queue-name", "missing")
    assert result.returncode != 0
    assert "NonExistentQueue" in result.stderr or "QueueDoesNotExist" in result.stderr
    result = aws(eddy, "events", "put-rule", "--name", "bad", "--event-pattern", '{"source": "x"}')
    assert result.returncode != 0 and "InvalidEventPatternException" in result.stderr
