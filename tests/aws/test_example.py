"""The orders example (examples/orders) end to end: `eddy apply` its stack file on a fresh
server, place orders through the HTTP route, and check that every function ran — the
built-in python3 and nodejs runtimes, awslambdaric under `provided`, and the Rust
`lambda_runtime` binary — that the cheap order was paid, and that the expensive one, declined
by the payment function through a partial batch response, reached `payments-dlq`."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import requests

from conftest import EDDY_BIN, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "examples", "orders")
FUNCTIONS = ["create-order", "inventory", "notification", "analytics", "payment"]


@pytest.fixture(scope="module")
def analytics_binary():
    """The Rust function, built as the example's README says (a no-op when up to date)."""
    subprocess.run(["cargo", "build", "--locked", "--quiet", "-p", "orders-analytics"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    path = os.path.join(target, "debug", "analytics")
    assert os.access(path, os.X_OK), path
    return path


def cli(eddy, *args):
    return subprocess.run([EDDY_BIN, *args], env={**os.environ, "EDDY_ENDPOINT": eddy.endpoint},
                          capture_output=True, text=True, timeout=60)


def log_lines(eddy, function):
    r = requests.get(f"{eddy.endpoint}/v1/functions/{function}/logs", params={"limit": 10000}, timeout=10)
    r.raise_for_status()
    return [item["line"] for item in r.json()["items"]]


def logged(eddy, function, *needles):
    """The function's log lines holding every needle, or None."""
    lines = [line for line in log_lines(eddy, function) if all(n in line for n in needles)]
    return lines or None


def order(amount, customer="ada"):
    return {"customer": customer, "items": [{"sku": "book", "qty": 2}, {"sku": "pen", "qty": 1}], "amount": amount}


def test_orders_example_end_to_end(eddy, sqs, analytics_binary):
    if shutil.which("node") is None:
        pytest.skip("node is not installed (the notification function is Node.js)")
    # The inventory function's bootstrap runs awslambdaric from target/pyenv: this environment.
    pytest.importorskip("awslambdaric")

    applied = cli(eddy, "apply", "-f", os.path.join(EXAMPLE, "eddy.yaml"))
    assert applied.returncode == 0, applied.stderr
    listed = cli(eddy, "functions", "list", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(f["name"] for f in json.loads(listed.stdout)["items"]) == sorted(FUNCTIONS)

    api = f"{eddy.endpoint}/api/orders"
    bad = requests.post(api, data="{\"customer\": \"ada\"}", timeout=30)
    assert bad.status_code == 400, bad.text
    assert "items" in bad.json()["error"]

    cheap = requests.post(api, json=order(42.5), timeout=30)
    assert cheap.status_code == 201, cheap.text
    assert cheap.headers["content-type"].startswith("application/json")
    cheap_id = cheap.json()["orderId"]
    expensive = requests.post(api, json=order(1500, customer="grace"), timeout=30)
    assert expensive.status_code == 201, expensive.text
    expensive_id = expensive.json()["orderId"]
    assert cheap_id != expensive_id

    # Each function ran for both orders (rule targets are invoked asynchronously).
    for oid in (cheap_id, expensive_id):
        wait_for(lambda: logged(eddy, "create-order", "create-order: order " + oid), timeout=30)
        wait_for(lambda: logged(eddy, "inventory", "inventory: reserved", oid), timeout=60)
        wait_for(lambda: logged(eddy, "notification", "notification:", oid), timeout=60)
        wait_for(lambda: logged(eddy, "analytics", "analytics: order " + oid), timeout=60)
    # One warm analytics instance (max-instances 1) counted both orders.
    assert logged(eddy, "analytics", "2 orders, 1542.50 in total"), log_lines(eddy, "analytics")
    # Lambda's platform lines come with every invocation.
    assert any(line.startswith("REPORT RequestId:") for line in log_lines(eddy, "inventory"))

    # The cheap order was charged; the expensive one declined on each of its two receives.
    wait_for(lambda: logged(eddy, "payment", "payment: charged order " + cheap_id), timeout=60)
    declined = wait_for(lambda: (lambda l: l if l and len(l) >= 2 else None)(
        logged(eddy, "payment", "payment: declined order " + expensive_id)), timeout=60)
    assert "receive 1" in declined[0] and "receive 2" in declined[1], declined
    assert not logged(eddy, "payment", "payment: declined order " + cheap_id)

    # After maxReceiveCount (2) the expensive order is in payments-dlq, the cheap one is not.
    dlq = sqs.get_queue_url(QueueName="payments-dlq")["QueueUrl"]

    def dead_letters():
        got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  VisibilityTimeout=0).get("Messages", [])
        return got or None

    messages = wait_for(dead_letters, timeout=60)
    bodies = [json.loads(m["Body"]) for m in messages]
    assert [b["orderId"] for b in bodies] == [expensive_id], bodies
    assert bodies[0]["amount"] == 1500 and bodies[0]["customer"] == "grace"

    # Nothing is left in payments (the cheap order's message was deleted after its batch).
    payments = sqs.get_queue_url(QueueName="payments")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=payments, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0", attrs
    # No asynchronous invocation failed.
    failed = sqs.get_queue_url(QueueName="failed-events")["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=failed, WaitTimeSeconds=0)

    # The CLI shows the same: `eddy logs` and `eddy queues receive`.
    logs = cli(eddy, "logs", "payment")
    assert logs.returncode == 0 and expensive_id in logs.stdout, logs.stderr
    print(logs.stdout, file=sys.stderr)
