"""EventBridge through boto3 against the real `eddy serve`: buses, rules, targets,
PutEvents fan-out into queues, transformers, dead letters and errors."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import Eddy, wait_for


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive_all(sqs, url, count, **kwargs):
    got = []
    def enough():
        got.extend(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get("Messages", []))
        return len(got) >= count
    wait_for(enough)
    return got


def entry(detail, **kwargs):
    return {"Source": "shop", "DetailType": "OrderCreated", "Detail": json.dumps(detail), **kwargs}


def test_fan_out_to_five_queues(events, sqs):
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"], "detail": {"total": [{"numeric": [">", 10]}]}}))
    queues = [queue(sqs, f"fan-{i}") for i in range(5)]
    result = events.put_targets(Rule="orders", Targets=[{"Id": f"t{i}", "Arn": arn} for i, (_, arn) in enumerate(queues)])
    assert result["FailedEntryCount"] == 0
    put = events.put_events(Entries=[entry({"total": 42, "id": "o-1"}), entry({"total": 5, "id": "o-2"})])
    assert put["FailedEntryCount"] == 0 and all("EventId" in e for e in put["Entries"])
    for url, _ in queues:
        messages = receive_all(sqs, url, 1)
        assert len(messages) == 1
        event = json.loads(messages[0]["Body"])
        assert event["detail"] == {"total": 42, "id": "o-1"}
        assert event["source"] == "shop" and event["detail-type"] == "OrderCreated"
        assert event["id"] == put["Entries"][0]["EventId"]
        assert event["account"] == "000000000000" and event["region"] == "us-east-1"


def test_pretty_printed_detail_routes(events, sqs):
    """A Detail written by `json.dumps(..., indent=2)` routes like a compact one."""
    url, arn = queue(sqs, "pretty")
    events.put_rule(Name="pretty", EventPattern=json.dumps({"detail": {"status": ["paid"]}}))
    events.put_targets(Rule="pretty", Targets=[{"Id": "q", "Arn": arn}])
    detail = {"customer": "a customer with a rather long name, Esq.", "items": [{"sku": "x-1", "qty": 2}], "status": "paid"}
    unpaid = {**detail, "status": "open"}
    put = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "Order", "Detail": json.dumps(detail, indent=2)},
        {"Source": "shop", "DetailType": "Order", "Detail": json.dumps(unpaid, indent=4)},
    ])
    assert put["FailedEntryCount"] == 0
    messages = receive_all(sqs, url, 1)
    assert [json.loads(m["Body"])["detail"] for m in messages] == [detail]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)


def test_input_transformer_output(events, sqs):
    url, arn = queue(sqs, "transformed")
    events.put_rule(Name="t", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(
        Rule="t",
        Targets=[
            {
                "Id": "q",
                "Arn": arn,
                "InputTransformer": {
                    "InputPathsMap": {"id": "$.detail.id", "total": "$.detail.total"},
                    "InputTemplate": '{"order": <id>, "amount": <total>, "rule": "<aws.events.rule-name>"}',
                },
            }
        ],
    )
    events.put_events(Entries=[entry({"id": "o-9", "total": 12.5})])
    body = json.loads(receive_all(sqs, url, 1)[0]["Body"])
    assert body == {"order": "o-9", "amount": 12.5, "rule": "t"}


def test_input_transformer_json_lines(events, sqs):
    # The recipe for one JSON line per event (Firehose to S3): the whole event, or a JSON
    # template, followed by a newline; the newline and the template's spacing are kept.
    url, arn = queue(sqs, "lines")
    events.put_rule(Name="lines", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(
        Rule="lines",
        Targets=[
            {"Id": "whole", "Arn": arn, "InputTransformer": {"InputPathsMap": {}, "InputTemplate": "<aws.events.event.json>\n"}},
            {"Id": "part", "Arn": arn, "InputTransformer": {"InputPathsMap": {"d": "$.detail"}, "InputTemplate": '{ "event": <d> }\n'}},
            {"Id": "path", "Arn": arn, "InputPath": "$['detail']['id']"},
        ],
    )
    events.put_events(Entries=[entry({"id": "o-7"})])
    bodies = sorted(m["Body"] for m in receive_all(sqs, url, 3))
    assert bodies[0] == '"o-7"'
    assert bodies[1] == '{ "event": {"id":"o-7"} }\n'
    assert bodies[2].endswith("\n") and json.loads(bodies[2])["detail"] == {"id": "o-7"}


def test_custom_bus_and_bus_target(events, sqs):
    events.create_event_bus(Name="orders")
    url, arn = queue(sqs, "from-orders-bus")
    events.put_rule(Name="forward", EventBusName="default", EventPattern=json.dumps({"source": ["shop"]}))
    bus_arn = events.describe_event_bus(Name="orders")["Arn"]
    events.put_targets(Rule="forward", Targets=[{"Id": "bus", "Arn": bus_arn}])
    events.put_rule(Name="collect", EventBusName="orders", EventPattern=json.dumps({"detail-type": ["OrderCreated"]}))
    events.put_targets(Rule="collect", EventBusName="orders", Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[entry({"n": 1})])
    assert json.loads(receive_all(sqs, url, 1)[0]["Body"])["detail"] == {"n": 1}
    names = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert names == ["default", "orders"]


def test_disabled_rule_does_not_deliver(events, sqs):
    url, arn = queue(sqs, "disabled")
    events.put_rule(Name="off", EventPattern=json.dumps({"source": ["shop"]}), State="DISABLED")
    events.put_targets(Rule="off", Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[entry({"n": 1})])
    events.enable_rule(Name="off")
    events.put_events(Entries=[entry({"n": 2})])
    messages = receive_all(sqs, url, 1)
    assert [json.loads(m["Body"])["detail"]["n"] for m in messages] == [2]


def test_missing_queue_target_dead_letters_with_error_attributes(events, sqs):
    dlq_url, dlq_arn = queue(sqs, "events-dlq")
    events.put_rule(Name="broken", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(
        Rule="broken",
        Targets=[{"Id": "gone", "Arn": "arn:aws:sqs:us-east-1:000000000000:no-such-queue", "DeadLetterConfig": {"Arn": dlq_arn}}],
    )
    events.put_events(Entries=[entry({"n": 1})])
    message = receive_all(sqs, dlq_url, 1, MessageAttributeNames=["All"])[0]
    attrs = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attrs["RULE_ARN"] == "arn:aws:events:us-east-1:000000000000:rule/broken"
    assert attrs["TARGET_ARN"] == "arn:aws:sqs:us-east-1:000000000000:no-such-queue"
    assert attrs["ERROR_CODE"] == "RESOURCE_NOT_FOUND" and attrs["RETRY_ATTEMPTS"] == "0"
    assert "ERROR_MESSAGE" in attrs
    # Not retried (the target does not exist), so no retry condition was exhausted.
    assert "EXHAUSTED_RETRY_CONDITION" not in attrs
    assert json.loads(message["Body"])["detail"] == {"n": 1}


def test_rule_and_target_management(events, sqs):
    _, arn = queue(sqs, "managed")
    arn_rule = events.put_rule(Name="r1", EventPattern='{"source":["a"]}', Description="first", Tags=[{"Key": "k", "Value": "v"}])["RuleArn"]
    assert arn_rule == "arn:aws:events:us-east-1:000000000000:rule/r1"
    described = events.describe_rule(Name="r1")
    assert described["State"] == "ENABLED" and described["Description"] == "first"
    assert json.loads(described["EventPattern"]) == {"source": ["a"]}
    events.put_targets(Rule="r1", Targets=[{"Id": "a", "Arn": arn}, {"Id": "b", "Arn": arn, "Input": '{"x":1}'}])
    targets = events.list_targets_by_rule(Rule="r1")["Targets"]
    assert [t["Id"] for t in targets] == ["a", "b"] and targets[1]["Input"] == '{"x":1}'
    assert events.list_rule_names_by_target(TargetArn=arn)["RuleNames"] == ["r1"]
    with pytest.raises(ClientError) as e:
        events.delete_rule(Name="r1")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert events.list_tags_for_resource(ResourceARN=arn_rule)["Tags"] == [{"Key": "k", "Value": "v"}]
    events.disable_rule(Name="r1")
    assert events.describe_rule(Name="r1")["State"] == "DISABLED"
    events.remove_targets(Rule="r1", Ids=["a", "b"])
    events.delete_rule(Name="r1")
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.describe_rule(Name="r1")
    assert [r["Name"] for r in events.list_rules()["Rules"]] == []


def test_limits_and_errors(events):
    with pytest.raises(events.exceptions.InvalidEventPatternException):
        events.put_rule(Name="bad", EventPattern='{"source": "not-an-array"}')
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.put_targets(Rule="nope", Targets=[{"Id": "a", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"}])
    with pytest.raises(ClientError) as e:
        events.put_events(Entries=[entry({})] * 11)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    events.put_rule(Name="five", EventPattern='{"source":["a"]}')
    with pytest.raises(events.exceptions.LimitExceededException):
        events.put_targets(Rule="five", Targets=[{"Id": f"t{i}", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"} for i in range(6)])
    result = events.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": "not json"}, {"DetailType": "b", "Detail": "{}"}])
    assert result["FailedEntryCount"] == 2
    assert result["Entries"][0]["ErrorCode"] == "MalformedDetail"
    assert result["Entries"][1]["ErrorCode"] == "InvalidArgument"
    with pytest.raises(events.exceptions.ResourceAlreadyExistsException):
        events.create_event_bus(Name="default")
    # The API model bounds an event pattern at 4,096 characters.
    long = json.dumps({"source": ["x" * 4090]})
    for call in (
        lambda: events.put_rule(Name="long", EventPattern=long),
        lambda: events.test_event_pattern(EventPattern=long, Event="{}"),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "ValidationException"
        assert "Member must have length less than or equal to 4096" in e.value.response["Error"]["Message"]
    events.put_rule(Name="long", EventPattern=json.dumps({"source": ["x" * 4000]}))


def test_test_event_pattern(events):
    event = {"id": "1", "account": "1", "source": "shop", "time": "2024-01-01T00:00:00Z", "region": "us-east-1", "detail-type": "x", "detail": {}}
    assert events.test_event_pattern(EventPattern='{"source":["shop"]}', Event=json.dumps(event))["Result"] is True
    assert events.test_event_pattern(EventPattern='{"source":["other"]}', Event=json.dumps(event))["Result"] is False


def test_rules_and_deliveries_survive_a_restart(data_dir):
    server = Eddy(data_dir).start()
    events, sqs = server.client("events"), server.client("sqs")
    url, arn = queue(sqs, "kept")
    events.put_rule(Name="kept", EventPattern='{"source":["shop"]}')
    events.put_targets(Rule="kept", Targets=[{"Id": "q", "Arn": arn}])
    events.put_events(Entries=[entry({"before": True})])
    assert server.stop() == 0
    server = Eddy(data_dir).start()
    try:
        events, sqs = server.client("events"), server.client("sqs")
        events.put_events(Entries=[entry({"after": True})])
        bodies = [json.loads(m["Body"])["detail"] for m in receive_all(sqs, url, 2)]
        assert sorted(bodies, key=json.dumps) == sorted([{"before": True}, {"after": True}], key=json.dumps)
    finally:
        assert server.stop() == 0


class FlakyEndpoint:
    """A local HTTP server that answers `fail_status` to the first `failures` requests, then
    200; it records every request."""

    def __init__(self, failures, fail_status=500):
        import http.server
        import threading

        self.failures = failures
        self.requests = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                endpoint.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = fail_status if len(endpoint.requests) <= endpoint.failures else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def api_destination(events, name, url):
    connection = events.create_connection(
        Name=f"{name}-conn",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret"}},
    )["ConnectionArn"]
    return events.create_api_destination(
        Name=name, ConnectionArn=connection, InvocationEndpoint=url + "/hook/*", HttpMethod="POST", InvocationRateLimitPerSecond=100
    )["ApiDestinationArn"]


def test_http_target_retries_until_success(events):
    endpoint = FlakyEndpoint(failures=2, fail_status=503)
    try:
        arn = api_destination(events, "flaky", endpoint.url)
        events.put_rule(Name="to-http", EventPattern=json.dumps({"source": ["shop"]}))
        events.put_targets(
            Rule="to-http",
            Targets=[{"Id": "h", "Arn": arn, "HttpParameters": {"PathParameterValues": ["orders"], "HeaderParameters": {"x-extra": "1"}}}],
        )
        events.put_events(Entries=[entry({"n": 1})])
        wait_for(lambda: len(endpoint.requests) >= 3, timeout=20)
        last = endpoint.requests[-1]
        assert last["path"] == "/hook/orders"
        assert last["headers"]["x-api-key"] == "secret" and last["headers"]["x-extra"] == "1"
        assert json.loads(last["body"])["detail"] == {"n": 1}
    finally:
        endpoint.close()


def test_http_target_dead_letters_after_retry_policy(events, sqs):
    endpoint = FlakyEndpoint(failures=1000, fail_status=500)
    try:
        dlq_url, dlq_arn = queue(sqs, "http-dlq")
        arn = api_destination(events, "down", endpoint.url)
        events.put_rule(Name="to-down", EventPattern=json.dumps({"source": ["shop"]}))
        events.put_targets(
            Rule="to-down",
            Targets=[{"Id": "h", "Arn": arn, "RetryPolicy": {"MaximumRetryAttempts": 1}, "DeadLetterConfig": {"Arn": dlq_arn}}],
        )
        events.put_events(Entries=[entry({"n": 7})])
        message = receive_all(sqs, dlq_url, 1, MessageAttributeNames=["All"])[0]
        attrs = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
        assert attrs["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
        assert attrs["RETRY_ATTEMPTS"] == "1"
        assert attrs["RULE_ARN"].endswith(":rule/to-down") and attrs["TARGET_ARN"] == arn
        assert "500" in attrs["ERROR_MESSAGE"]
        assert json.loads(message["Body"])["detail"] == {"n": 7}
        assert len(endpoint.requests) == 2
    finally:
        endpoint.close()


def test_http_client_error_is_not_retried(events, sqs):
    endpoint = FlakyEndpoint(failures=1000, fail_status=400)
    try:
        dlq_url, dlq_arn = queue(sqs, "http-400-dlq")
        arn = api_destination(events, "bad-request", endpoint.url)
        events.put_rule(Name="to-400", EventPattern=json.dumps({"source": ["shop"]}))
        events.put_targets(Rule="to-400", Targets=[{"Id": "h", "Arn": arn, "DeadLetterConfig": {"Arn": dlq_arn}}])
        events.put_events(Entries=[entry({"n": 8})])
        message = receive_all(sqs, dlq_url, 1, MessageAttributeNames=["All"])[0]
        attrs = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
        assert attrs["RETRY_ATTEMPTS"] == "0" and "EXHAUSTED_RETRY_CONDITION" not in attrs
        assert len(endpoint.requests) == 1
    finally:
        endpoint.close()


def test_http_target_asking_for_cloudevents(events):
    endpoint = FlakyEndpoint(failures=0)
    try:
        arn = api_destination(events, "ce", endpoint.url)
        events.put_rule(Name="to-ce", EventPattern=json.dumps({"source": ["shop"]}))
        events.put_targets(
            Rule="to-ce",
            Targets=[{"Id": "h", "Arn": arn, "HttpParameters": {"HeaderParameters": {"Content-Type": "application/cloudevents+json"}}}],
        )
        put = events.put_events(Entries=[entry({"n": 3})])
        wait_for(lambda: endpoint.requests)
        request = endpoint.requests[0]
        assert request["headers"]["content-type"] == "application/cloudevents+json"
        ce = json.loads(request["body"])
        assert ce["specversion"] == "1.0" and ce["type"] == "OrderCreated" and ce["source"] == "shop"
        assert ce["id"] == put["Entries"][0]["EventId"]
        assert ce["data"] == {"n": 3}
    finally:
        endpoint.close()
