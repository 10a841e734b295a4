"""Functions through the Lambda API with boto3, run by the real binary as processes that
speak the Lambda Runtime API: the built-in python3 and nodejs runtimes, awslambdaric under
`provided`, sync and async invocation, errors, timeouts, crashes, throttling, scale to
zero, rule targets, destinations and queue event source mappings."""

import base64
import io
import json
import os
import shutil
import sys
import time
import zipfile

import pytest

from conftest import Eddy


def wait_for(check, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 if name == "bootstrap" else 0o644) << 16
            z.writestr(info, text)
    return buf.getvalue()


PY_APP = '''
import json, os, sys, time

def handler(event, context):
    action = event.get("action")
    print("handling", json.dumps(event))
    if action == "fail":
        raise ValueError("boom: " + str(event.get("n")))
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "crash":
        sys.stdout.flush()
        os._exit(3)
    if action == "env":
        return {k: os.environ.get(k) for k in event["keys"]}
    if action == "context":
        return {
            "function_name": context.function_name,
            "request_id": context.aws_request_id,
            "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb,
            "remaining": context.get_remaining_time_in_millis(),
        }
    if action == "pid":
        return {"pid": os.getpid()}
    if action == "alloc":
        return {"len": len(bytearray(event["mb"] * 1024 * 1024))}
    return {"echo": event}
'''

NODE_APP = '''
exports.handler = async (event, context) => {
  if (event.action === "fail") { throw new TypeError("node boom"); }
  console.log("node handling", JSON.stringify(event));
  return { echo: event, fn: context.functionName };
};
exports.callback = (event, context, callback) => {
  callback(null, { viaCallback: event });
};
'''


@pytest.fixture()
def lam(eddy):
    return eddy.client("lambda")


def create(lam, name, files, runtime="python3.12", handler="app.handler", **extra):
    return lam.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role="arn:aws:iam::000000000000:role/lambda",
        Handler=handler,
        Code={"ZipFile": zip_of(files)},
        **extra,
    )


def invoke(lam, name, payload, **extra):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **extra)
    return r, json.loads(r["Payload"].read() or b"null")


def test_python_function_sync_invoke_with_log_tail(lam):
    created = create(lam, "py-echo", {"app.py": PY_APP})
    assert created["FunctionName"] == "py-echo"
    assert created["Runtime"] == "python3.12"
    assert created["FunctionArn"].endswith(":function:py-echo")
    assert created["CodeSha256"]
    r, body = invoke(lam, "py-echo", {"hello": "world"}, LogType="Tail")
    assert r["StatusCode"] == 200
    assert "FunctionError" not in r
    assert body == {"echo": {"hello": "world"}}
    assert r["ExecutedVersion"] == "$LATEST"
    log = base64.b64decode(r["LogResult"]).decode()
    assert "START RequestId:" in log
    assert 'handling {"hello": "world"}' in log
    assert "END RequestId:" in log
    assert "REPORT RequestId:" in log and "Billed Duration:" in log and "Max Memory Used:" in log
    # Warm: the same instance answers again.
    _, first = invoke(lam, "py-echo", {"action": "pid"})
    _, second = invoke(lam, "py-echo", {"action": "pid"})
    assert first == second


def test_context_and_environment(lam):
    create(lam, "py-ctx", {"app.py": PY_APP}, Environment={"Variables": {"GREETING": "hi"}}, MemorySize=256, Timeout=10)
    _, ctx = invoke(lam, "py-ctx", {"action": "context"})
    assert ctx["function_name"] == "py-ctx"
    assert ctx["arn"].endswith(":function:py-ctx")
    assert ctx["memory"] in (256, "256")
    assert 0 < int(ctx["remaining"]) <= 10_000
    keys = ["GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "AWS_ENDPOINT_URL", "_HANDLER"]
    _, env = invoke(lam, "py-ctx", {"action": "env", "keys": keys})
    assert env["GREETING"] == "hi"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "py-ctx"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")


def test_handler_error_payload(lam):
    create(lam, "py-fail", {"app.py": PY_APP})
    r, body = invoke(lam, "py-fail", {"action": "fail", "n": 7})
    assert r["StatusCode"] == 200
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "boom: 7"
    assert isinstance(body["stackTrace"], list)


def test_import_error_is_reported_as_init_error(lam):
    create(lam, "py-missing", {"app.py": PY_APP}, handler="nope.handler")
    r, body = invoke(lam, "py-missing", {})
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "nope" in body["errorMessage"]
    create(lam, "py-syntax", {"app.py": "def handler(event, context)\n    return 1\n"})
    r, body = invoke(lam, "py-syntax", {})
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"
    create(lam, "py-nohandler", {"app.py": PY_APP}, handler="app.missing")
    r, body = invoke(lam, "py-nohandler", {})
    assert body["errorType"] == "Runtime.HandlerNotFound"
    if shutil.which("node") is not None:
        create(lam, "node-missing", {"index.js": NODE_APP}, runtime="nodejs20.x", handler="nope.handler")
        r, body = invoke(lam, "node-missing", {})
        assert r["FunctionError"] == "Unhandled"
        assert body["errorType"] == "Runtime.ImportModuleError"


def test_memory_limit(lam):
    create(lam, "py-mem", {"app.py": PY_APP}, MemorySize=128)
    assert invoke(lam, "py-mem", {"action": "alloc", "mb": 16})[1] == {"len": 16 * 1024 * 1024}
    r, body = invoke(lam, "py-mem", {"action": "alloc", "mb": 512})
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "MemoryError"
    # The instance survives a failed allocation.
    assert invoke(lam, "py-mem", {"ok": 1})[1] == {"echo": {"ok": 1}}


def test_timeout_kills_the_instance_and_the_next_invoke_works(lam):
    create(lam, "py-slow", {"app.py": PY_APP}, Timeout=1)
    started = time.monotonic()
    r, body = invoke(lam, "py-slow", {"action": "sleep", "seconds": 30})
    assert time.monotonic() - started < 10
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    r, body = invoke(lam, "py-slow", {"ok": 1})
    assert body == {"echo": {"ok": 1}}


def test_crash_mid_request_then_a_fresh_instance(lam):
    create(lam, "py-crash", {"app.py": PY_APP})
    _, before = invoke(lam, "py-crash", {"action": "pid"})
    r, body = invoke(lam, "py-crash", {"action": "crash"})
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    _, after = invoke(lam, "py-crash", {"action": "pid"})
    assert after["pid"] != before["pid"]


def test_concurrency_limit_throttles_sync_invokes(lam, eddy):
    import concurrent.futures

    create(lam, "py-one", {"app.py": PY_APP}, Timeout=10)
    lam.put_function_concurrency(FunctionName="py-one", ReservedConcurrentExecutions=1)
    assert lam.get_function_concurrency(FunctionName="py-one")["ReservedConcurrentExecutions"] == 1
    slow = eddy.client("lambda")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(invoke, slow, "py-one", {"action": "sleep", "seconds": 2})
        # Wait until the slow call holds the only instance.
        wait_for(lambda: busy(eddy, "py-one") >= 1, what="the slow call to start")
        with pytest.raises(lam.exceptions.TooManyRequestsException) as err:
            invoke(lam, "py-one", {})
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        r, body = future.result(timeout=30)
        assert "FunctionError" not in r
    lam.put_function_concurrency(FunctionName="py-one", ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        invoke(lam, "py-one", {})
    lam.delete_function_concurrency(FunctionName="py-one")
    assert invoke(lam, "py-one", {"x": 1})[1] == {"echo": {"x": 1}}


def busy(eddy, name):
    import requests

    return requests.get(f"{eddy.endpoint}/v1/functions/{name}", timeout=5).json().get("busy", 0)


def instances(eddy, name):
    import requests

    return requests.get(f"{eddy.endpoint}/v1/functions/{name}", timeout=5).json().get("instances", 0)


def test_nodejs_runtime_async_and_callback_handlers(lam):
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    create(lam, "node-echo", {"index.js": NODE_APP}, runtime="nodejs20.x", handler="index.handler")
    r, body = invoke(lam, "node-echo", {"a": 1}, LogType="Tail")
    assert body == {"echo": {"a": 1}, "fn": "node-echo"}
    assert "node handling" in base64.b64decode(r["LogResult"]).decode()
    r, body = invoke(lam, "node-echo", {"action": "fail"})
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "TypeError"
    assert body["errorMessage"] == "node boom"
    create(lam, "node-cb", {"index.js": NODE_APP}, runtime="nodejs20.x", handler="index.callback")
    assert invoke(lam, "node-cb", {"b": 2})[1] == {"viaCallback": {"b": 2}}


def test_awslambdaric_under_provided(lam, tmp_path):
    # awslambdaric is installed in this test environment's Python; the function runs it
    # as its own runtime client.
    pytest.importorskip("awslambdaric")
    bootstrap = f"#!/bin/sh\nexec {sys.executable} -m awslambdaric app.handler\n"
    create(lam, "ric", {"app.py": PY_APP, "bootstrap": bootstrap}, runtime="provided.al2023", handler="app.handler")
    r, body = invoke(lam, "ric", {"via": "ric"}, LogType="Tail")
    assert body == {"echo": {"via": "ric"}}, body
    r, body = invoke(lam, "ric", {"action": "fail", "n": 1})
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    # awslambdaric reports an import failure through /runtime/init/error.
    create(lam, "ric-bad", {"app.py": PY_APP, "bootstrap": f"#!/bin/sh\nexec {sys.executable} -m awslambdaric missing.handler\n"}, runtime="provided", handler="missing.handler")
    r, body = invoke(lam, "ric-bad", {})
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"


def test_async_invoke_retries_then_dead_letters(data_dir):
    server = Eddy(data_dir, ["--function-retry-delay", "100ms"]).start()
    try:
        lam, sqs = server.client("lambda"), server.client("sqs")
        dlq = sqs.create_queue(QueueName="fn-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        ok_q = sqs.create_queue(QueueName="fn-ok")["QueueUrl"]
        ok_arn = sqs.get_queue_attributes(QueueUrl=ok_q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        create(lam, "py-async", {"app.py": PY_APP}, DeadLetterConfig={"TargetArn": dlq_arn})
        lam.put_function_event_invoke_config(FunctionName="py-async", MaximumRetryAttempts=1, DestinationConfig={"OnSuccess": {"Destination": ok_arn}})
        cfg = lam.get_function_event_invoke_config(FunctionName="py-async")
        assert cfg["MaximumRetryAttempts"] == 1
        assert cfg["DestinationConfig"]["OnSuccess"]["Destination"] == ok_arn
        r = lam.invoke(FunctionName="py-async", InvocationType="Event", Payload=b'{"action": "fail", "n": 2}')
        assert r["StatusCode"] == 202
        r = lam.invoke(FunctionName="py-async", InvocationType="Event", Payload=b'{"fine": true}')
        assert r["StatusCode"] == 202
        dead = wait_for(lambda: sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"], WaitTimeSeconds=1).get("Messages"), what="the dead letter")
        assert json.loads(dead[0]["Body"]) == {"action": "fail", "n": 2}
        attrs = dead[0]["MessageAttributes"]
        assert attrs["ErrorMessage"]["StringValue"] == "boom: 2"
        assert attrs["RequestID"]["StringValue"]
        record = wait_for(lambda: sqs.receive_message(QueueUrl=ok_q, WaitTimeSeconds=1).get("Messages"), what="the success record")
        record = json.loads(record[0]["Body"])
        assert record["requestContext"]["condition"] == "Success"
        assert record["requestPayload"] == {"fine": True}
        assert record["responsePayload"] == {"echo": {"fine": True}}
        # Both attempts of the failing event ran (one retry).
        logs = server.client("lambda")  # noqa: F841
        import requests

        lines = requests.get(f"{server.endpoint}/v1/functions/py-async/logs", timeout=5).json()["items"]
        assert sum('"n": 2' in l["line"] for l in lines) == 2
        r = lam.invoke(FunctionName="py-async", InvocationType="DryRun")
        assert r["StatusCode"] == 204
    finally:
        assert server.stop() == 0


def test_rule_target_invokes_function_asynchronously(eddy, lam):
    events, sqs = eddy.client("events"), eddy.client("sqs")
    out = sqs.create_queue(QueueName="fn-out")["QueueUrl"]
    out_arn = sqs.get_queue_attributes(QueueUrl=out, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    created = create(lam, "py-target", {"app.py": PY_APP})
    lam.put_function_event_invoke_config(FunctionName="py-target", DestinationConfig={"OnSuccess": {"Destination": out_arn}})
    events.put_rule(Name="to-fn", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="to-fn", Targets=[{"Id": "fn", "Arn": created["FunctionArn"]}])
    events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderCreated", "Detail": json.dumps({"order": 42})}])
    got = wait_for(lambda: sqs.receive_message(QueueUrl=out, WaitTimeSeconds=1).get("Messages"), what="the function's result")
    record = json.loads(got[0]["Body"])
    assert record["requestPayload"]["detail"] == {"order": 42}
    assert record["responsePayload"]["echo"]["detail-type"] == "OrderCreated"


def test_success_destination_on_a_bus_routes_by_the_result(eddy, lam):
    # The result record becomes an event on the bus, matched on its payload like any event.
    events, sqs = eddy.client("events"), eddy.client("sqs")
    bus_arn = events.create_event_bus(Name="results")["EventBusArn"]
    out = sqs.create_queue(QueueName="fn-results")["QueueUrl"]
    out_arn = sqs.get_queue_attributes(QueueUrl=out, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {
        "source": ["lambda"],
        "detail-type": ["Lambda Function Invocation Result - Success"],
        "detail": {"responsePayload": {"echo": {"n": [{"numeric": [">", 1]}]}}},
    }
    events.put_rule(Name="big-results", EventBusName="results", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="big-results", EventBusName="results", Targets=[{"Id": "q", "Arn": out_arn, "InputPath": "$.detail.responsePayload"}])
    create(lam, "py-to-bus", {"app.py": PY_APP})
    lam.put_function_event_invoke_config(FunctionName="py-to-bus", DestinationConfig={"OnSuccess": {"Destination": bus_arn}})
    for n in (1, 2):
        assert lam.invoke(FunctionName="py-to-bus", InvocationType="Event", Payload=json.dumps({"n": n}).encode())["StatusCode"] == 202
    got = wait_for(lambda: sqs.receive_message(QueueUrl=out, WaitTimeSeconds=1).get("Messages"), what="the routed result")
    assert [json.loads(m["Body"]) for m in got] == [{"echo": {"n": 2}}]
    # The result with n = 1 matched nothing: nothing more arrives.
    assert not sqs.receive_message(QueueUrl=out, WaitTimeSeconds=1).get("Messages")


def test_queue_event_source_mapping_with_partial_batch_failures(data_dir):
    server = Eddy(data_dir).start()
    try:
        lam, sqs = server.client("lambda"), server.client("sqs")
        dlq = sqs.create_queue(QueueName="pay-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        q = sqs.create_queue(QueueName="payments", Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
        q_arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        app = '''
import json
def handler(event, context):
    failures = []
    for r in event["Records"]:
        assert r["eventSource"] == "aws:sqs" and r["md5OfBody"] and r["receiptHandle"]
        print("got", r["body"])
        if json.loads(r["body"]).get("bad"):
            failures.append({"itemIdentifier": r["messageId"]})
    return {"batchItemFailures": failures}
'''
        create(lam, "pay", {"app.py": app}, Timeout=1)
        with pytest.raises(lam.exceptions.InvalidParameterValueException):
            # Lambda refuses a queue whose visibility timeout is shorter than the function's.
            lam.update_function_configuration(FunctionName="pay", Timeout=1)
            create(lam, "pay-slow", {"app.py": app}, Timeout=5)
            lam.create_event_source_mapping(EventSourceArn=q_arn, FunctionName="pay-slow")
        mapping = lam.create_event_source_mapping(EventSourceArn=q_arn, FunctionName="pay", BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
        assert mapping["UUID"]
        assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] in ("Enabled", "Creating")
        entries = [{"Id": str(i), "MessageBody": json.dumps({"n": i, "bad": i in (3, 7)})} for i in range(10)]
        sqs.send_message_batch(QueueUrl=q, Entries=entries)
        dead = []

        def two_dead():
            got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            dead.extend(got)
            return len(dead) >= 2

        wait_for(two_dead, timeout=30, what="the failed messages in the DLQ")
        assert sorted(json.loads(m["Body"])["n"] for m in dead) == [3, 7]
        attrs = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])["Attributes"]
        assert attrs["ApproximateNumberOfMessages"] == "0"
        assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
        listed = lam.list_event_source_mappings(FunctionName="pay")["EventSourceMappings"]
        assert [m["UUID"] for m in listed] == [mapping["UUID"]]
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            lam.get_event_source_mapping(UUID=mapping["UUID"])
    finally:
        assert server.stop() == 0


def test_scale_to_zero_after_idle_then_cold_start(data_dir):
    server = Eddy(data_dir, ["--function-idle-timeout", "1"]).start()
    try:
        lam = server.client("lambda")
        create(lam, "py-idle", {"app.py": PY_APP})
        _, first = invoke(lam, "py-idle", {"action": "pid"})
        wait_for(lambda: instances(server, "py-idle") == 0, timeout=15, what="the idle instance to stop")
        r, second = invoke(lam, "py-idle", {"action": "pid"}, LogType="Tail")
        assert second["pid"] != first["pid"]
        assert "Init Duration" in base64.b64decode(r["LogResult"]).decode()
    finally:
        assert server.stop() == 0


def test_functions_survive_a_restart(data_dir):
    server = Eddy(data_dir).start()
    lam = server.client("lambda")
    create(lam, "py-keep", {"app.py": PY_APP}, Description="kept")
    assert server.stop() == 0
    server = Eddy(data_dir).start()
    try:
        lam = server.client("lambda")
        assert lam.get_function(FunctionName="py-keep")["Configuration"]["Description"] == "kept"
        assert invoke(lam, "py-keep", {"x": 2})[1] == {"echo": {"x": 2}}
    finally:
        assert server.stop() == 0


def test_lambda_api_errors_and_updates(lam):
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as err:
        lam.get_function(FunctionName="nope")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    create(lam, "py-api", {"app.py": PY_APP})
    with pytest.raises(lam.exceptions.ResourceConflictException):
        create(lam, "py-api", {"app.py": PY_APP})
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_function_configuration(FunctionName="py-api", Timeout=901)
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_function_configuration(FunctionName="py-api", Environment={"Variables": {"AWS_REGION": "x"}})
    with pytest.raises(lam.exceptions.InvalidRequestContentException):
        lam.invoke(FunctionName="py-api", Payload=b"not json")
    with pytest.raises(lam.exceptions.RequestTooLargeException) as err:
        lam.invoke(FunctionName="py-api", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    # Just under the limit is fine, both ways.
    big = "y" * (5 * 1024 * 1024)
    assert invoke(lam, "py-api", {"big": big})[1] == {"echo": {"big": big}}
    updated = lam.update_function_configuration(FunctionName="py-api", Timeout=5, Description="d")
    assert updated["Timeout"] == 5 and updated["Description"] == "d"
    new_code = PY_APP.replace('return {"echo": event}', 'return {"v2": event}')
    lam.update_function_code(FunctionName="py-api", ZipFile=zip_of({"app.py": new_code}))
    assert invoke(lam, "py-api", {"a": 1})[1] == {"v2": {"a": 1}}
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert "py-api" in names
    arn = lam.get_function_configuration(FunctionName="py-api")["FunctionArn"]
    assert invoke(lam, arn, {"b": 1})[1] == {"v2": {"b": 1}}
    lam.delete_function(FunctionName="py-api")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="py-api")


def test_lambda_runtime_crate_with_a_partial_client_context(lam):
    """A Rust function built with the `lambda_runtime` crate (the orders example's analytics
    binary, zipped as `bootstrap`). The crate exits when a client context's `client` lacks
    any of its five fields: Eddy completes it, so this partial one works."""
    import subprocess

    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    subprocess.run(["cargo", "build", "--locked", "--quiet", "-p", "orders-analytics"], cwd=root, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    with open(os.path.join(target, "debug", "analytics"), "rb") as f:
        binary = f.read()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, binary)
    lam.create_function(FunctionName="rust-fn", Runtime="provided.al2023", Role="arn:aws:iam::000000000000:role/lambda",
                        Handler="bootstrap", Code={"ZipFile": buf.getvalue()}, Timeout=10)
    context = base64.b64encode(json.dumps({"client": {"appTitle": "shop"}, "custom": {"k": "v"}}).encode()).decode()
    r, body = invoke(lam, "rust-fn", {"detail": {"orderId": "o-1", "amount": 2.5}}, ClientContext=context, LogType="Tail")
    assert "FunctionError" not in r, body
    assert body == {"orderId": "o-1", "orders": 1, "totalCents": 250}
    assert "analytics: order o-1" in base64.b64decode(r["LogResult"]).decode()
    r, body = invoke(lam, "rust-fn", {"detail": {}})
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "NotAnOrder"
    # The same warm instance kept its count.
    assert invoke(lam, "rust-fn", {"detail": {"orderId": "o-2", "amount": 1}})[1]["orders"] == 2


def test_permissions_and_tags(lam):
    arn = create(lam, "py-perm", {"app.py": PY_APP}, Tags={"team": "a"})["FunctionArn"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="py-perm")
    rule_arn = "arn:aws:events:us-east-1:000000000000:rule/to-fn"
    added = lam.add_permission(FunctionName="py-perm", StatementId="events", Action="lambda:InvokeFunction",
                               Principal="events.amazonaws.com", SourceArn=rule_arn)
    statement = json.loads(added["Statement"])
    assert statement["Sid"] == "events" and statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == rule_arn
    assert statement["Resource"] == arn
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.add_permission(FunctionName="py-perm", StatementId="events", Action="lambda:InvokeFunction",
                           Principal="events.amazonaws.com")
    policy = json.loads(lam.get_policy(FunctionName="py-perm")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["events"]
    # A policy change does not restart the function's instances.
    _, before = invoke(lam, "py-perm", {"action": "pid"})
    lam.remove_permission(FunctionName="py-perm", StatementId="events")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.remove_permission(FunctionName="py-perm", StatementId="events")
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a"}
    lam.tag_resource(Resource=arn, Tags={"env": "dev", "team": "b"})
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "dev"}
    assert lam.get_function(FunctionName="py-perm")["Tags"] == {"env": "dev"}
    _, after = invoke(lam, "py-perm", {"action": "pid"})
    assert before == after
