"""Stack files: `eddy serve --stack` applies the stack at start and again when the file
changes; `eddy apply` plans and converges functions, event source mappings and routes."""

import json
import os
import shutil
import subprocess
import urllib.request

import pytest

from conftest import EDDY_BIN, Eddy, wait_for

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "stack", "eddy.yaml")


def queue_names(sqs):
    return sorted(u.rsplit("/", 1)[1] for u in sqs.list_queues().get("QueueUrls", []))


def test_serve_applies_the_stack_and_follows_the_file(data_dir):
    stack = os.path.join(data_dir, "eddy.yaml")
    shutil.copy(EXAMPLE, stack)
    server = Eddy(os.path.join(data_dir, "db"), ["--stack", stack]).start()
    try:
        sqs, events = server.client("sqs"), server.client("events")
        wait_for(lambda: queue_names(sqs) == ["order-audit", "order-created", "orders-dlq"])
        def rules_on_orders():
            try:
                return [r["Name"] for r in events.list_rules(EventBusName="orders")["Rules"]]
            except events.exceptions.ResourceNotFoundException:
                return []  # the bus is not created yet

        wait_for(lambda: rules_on_orders() == ["order-created"])
        with open(stack) as f:
            text = f.read()
        text = text.replace("  - name: orders-dlq\n", "  - name: orders-dlq\n  - name: order-refunds\n")
        os.utime(stack, (0, 0))  # make sure the modification time changes even within one second
        with open(stack, "w") as f:
            f.write(text)
        wait_for(lambda: "order-refunds" in queue_names(sqs))
    finally:
        assert server.stop() == 0


# `eddy apply` with functions, event source mappings and HTTP routes.

APP = '''
import json, os

def handler(event, context):
    out = os.environ["OUT"]
    if "Records" in event:
        with open(out, "a") as f:
            for r in event["Records"]:
                f.write("message " + r["body"] + "\\n")
        return {}
    if "detail-type" in event:
        with open(out, "a") as f:
            f.write("event " + json.dumps(event["detail"]) + "\\n")
        return {}
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 201, "body": json.dumps({"route": event["routeKey"], "got": body})}
'''

FULL = """\
version: 1
name: shop
queues:
  - name: payments
functions:
  - name: pay
    runtime: python3
    handler: app.handler
    code: ./functions/pay
    timeout: 5
    environment: {OUT: %(out)s}
mappings:
  - function: pay
    queue: payments
    batch-size: 5
    report-batch-item-failures: true
rules:
  - name: paid
    pattern: {source: [shop]}
    targets: [{id: pay, function: pay}]
routes:
  - {method: POST, path: /orders, function: pay}
  - {method: POST, path: /signup, bus: default, detail-type: SignUp}
"""

QUEUE_ONLY = """\
version: 1
name: shop
queues:
  - name: payments
"""


def apply(endpoint, path):
    done = subprocess.run(
        [EDDY_BIN, "apply", "-f", path, "--endpoint", endpoint, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    return [f"{s['action']} {s['kind']} {s['name']}" for s in out["steps"]]


def v1(endpoint, path):
    with urllib.request.urlopen(endpoint + path, timeout=10) as r:
        return json.load(r)["items"]


def write_stack(tmp_path):
    """A stack file with a python3 function in ./functions/pay; the function appends what it
    is given to the returned out.txt."""
    code = tmp_path / "functions" / "pay"
    code.mkdir(parents=True)
    (code / "app.py").write_text(APP)
    out = tmp_path / "out.txt"
    out.touch()
    stack = tmp_path / "eddy.yaml"
    stack.write_text(FULL % {"out": out})
    return stack, code, out


def test_apply_functions_mappings_and_routes(eddy, tmp_path):
    stack, code, out = write_stack(tmp_path)
    endpoint = eddy.endpoint

    assert apply(endpoint, str(stack)) == [
        "create queue payments",
        "create function pay",
        "create mapping payments→pay",
        "create rule default/paid",
        "create route POST /orders",
        "create route POST /signup",
    ]
    assert apply(endpoint, str(stack)) == [], "a second apply changes nothing"

    [function] = v1(endpoint, "/v1/functions")
    assert function["code"] == str(code.resolve()), "the code directory, made absolute"
    assert (function["runtime"], function["handler"]) == ("python3", "app.handler")
    assert (function["timeout"], function["memory"]) == (5, 128)
    assert function["environment"] == {"OUT": str(out)}
    assert function["tags"] == {"eddy:stack": "shop"}
    [mapping] = v1(endpoint, "/v1/mappings")
    assert (mapping["function"], mapping["queue"], mapping["batch-size"]) == ("pay", "payments", 5)
    assert mapping["report-batch-item-failures"] is True
    routes = {f"{r['method']} {r['path']}": r for r in v1(endpoint, "/v1/routes")}
    assert sorted(routes) == ["POST /orders", "POST /signup"]
    assert routes["POST /orders"]["function"] == "pay"
    assert (routes["POST /signup"]["bus"], routes["POST /signup"]["detail-type"]) == ("default", "SignUp")
    assert all(r["tags"] == {"eddy:stack": "shop"} for r in routes.values())
    [rule] = eddy.client("events").list_targets_by_rule(Rule="paid")["Targets"]
    assert rule["Arn"] == function["arn"]

    # A changed setting is an update; dropping them from the file deletes them, users first.
    stack.write_text((FULL % {"out": out}).replace("batch-size: 5", "batch-size: 7").replace("timeout: 5", "timeout: 6"))
    assert apply(endpoint, str(stack)) == ["update function pay", "update mapping payments→pay"]
    assert v1(endpoint, "/v1/mappings")[0]["batch-size"] == 7
    assert apply(endpoint, str(stack)) == []
    stack.write_text(QUEUE_ONLY)
    assert apply(endpoint, str(stack)) == [
        "delete route POST /orders",
        "delete route POST /signup",
        "delete mapping payments→pay",
        "delete rule default/paid",
        "delete function pay",
    ]
    assert apply(endpoint, str(stack)) == []
    assert v1(endpoint, "/v1/functions") == []
    assert v1(endpoint, "/v1/mappings") == []
    assert v1(endpoint, "/v1/routes") == []
    assert queue_names(eddy.client("sqs")) == ["payments"]


def test_functions_of_a_stack_run(eddy, tmp_path):
    stack, _, out = write_stack(tmp_path)
    endpoint = eddy.endpoint
    assert len(apply(endpoint, str(stack))) == 6
    # Behind its route.
    request = urllib.request.Request(
        endpoint + "/api/orders", data=b'{"order": 1}', method="POST", headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 201
        assert json.load(r) == {"route": "POST /orders", "got": {"order": 1}}
    # Fed by the queue, and as a rule's target.
    sqs = eddy.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="payments")["QueueUrl"], MessageBody="paid-1")
    eddy.client("events").put_events(Entries=[{"Source": "shop", "DetailType": "Paid", "Detail": '{"order": 2}'}])
    wait_for(lambda: "message paid-1" in out.read_text() and 'event {"order": 2}' in out.read_text(), timeout=30)
