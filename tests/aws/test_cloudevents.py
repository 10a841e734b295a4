"""CloudEvents 1.0 over HTTP against the real `eddy serve`, sent with the CloudEvents Python
SDK (v2: `cloudevents.core`): binary, structured and batched content modes onto a bus whose
rule sends to an SQS queue, and what arrives there — the EventBridge envelope with
detail-type = type, source, time, resources = [subject], detail = data, and the attributes
the envelope has no place for in `detail.cloudevents` (see docs/cloudevents.md)."""

import json
from datetime import datetime, timezone

import requests
from cloudevents.core.bindings.http import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v03.event import CloudEvent as CloudEventV03
from cloudevents.core.v1.event import CloudEvent

from conftest import wait_for

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
WHEN = datetime(2026, 11, 24, 12, 30, 5, 250000, tzinfo=timezone.utc)


def queue_for(events, sqs, name, bus="default", pattern=None):
    """A queue that receives every event on `bus` matching `pattern` (any /orders event)."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"to-{name}", EventBusName=bus, EventPattern=json.dumps(pattern or {"source": ["/orders"]}))
    result = events.put_targets(Rule=f"to-{name}", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    assert result["FailedEntryCount"] == 0
    return url


def receive(sqs, url, count):
    got = []

    def enough():
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(got) >= count

    wait_for(enough)
    return got


def post(eddy, message, path="/cloudevents"):
    return requests.post(eddy.endpoint + path, headers=message.headers, data=message.body, timeout=10)


def order(id_, data, **attributes):
    return CloudEvent(
        attributes={"type": "com.example.order.created", "source": "/orders", "id": id_, **attributes},
        data=data,
    )


def test_binary_mode(eddy, events, sqs):
    url = queue_for(events, sqs, "binary")
    event = order("order-1", {"total": 42, "items": ["a"]}, subject="order-1", time=WHEN, traceparent=TRACEPARENT)
    message = to_binary(event, JSONFormat())
    assert message.headers["ce-id"] == "order-1" and "content-type" not in message.headers
    answer = post(eddy, message)
    assert answer.status_code == 202, answer.text
    [event_id] = answer.json()["ids"]
    [got] = receive(sqs, url, 1)
    assert got["detail-type"] == "com.example.order.created"
    assert got["source"] == "/orders"
    assert got["time"] == "2026-11-24T12:30:05Z"  # whole seconds, as EventBridge has them
    assert got["resources"] == ["order-1"]
    assert got["detail"] == {"total": 42, "items": ["a"], "cloudevents": {"traceparent": TRACEPARENT}}
    assert got["account"] == "000000000000" and got["region"] == "us-east-1"
    # The producer's id is the event's id.
    assert got["id"] == event_id == "order-1"


def test_structured_mode(eddy, events, sqs):
    url = queue_for(events, sqs, "structured")
    event = order(
        "order-2",
        {"total": 7.5},
        time=WHEN,
        dataschema="https://example.com/order.json",
        partitionkey="customer-9",
    )
    message = to_structured(event, JSONFormat())
    assert message.headers == {"content-type": "application/cloudevents+json"}
    answer = post(eddy, message)
    assert answer.status_code == 202, answer.text
    [got] = receive(sqs, url, 1)
    assert got["detail-type"] == "com.example.order.created" and got["source"] == "/orders"
    assert got["resources"] == []
    assert got["detail"] == {
        "total": 7.5,
        "cloudevents": {"dataschema": "https://example.com/order.json", "partitionkey": "customer-9"},
    }


def test_batched_mode_on_a_named_bus(eddy, events, sqs):
    events.create_event_bus(Name="orders")
    url = queue_for(events, sqs, "batched", bus="orders")
    fmt = JSONFormat()
    batch = [order(f"order-{n}", {"n": n}) for n in range(3)]
    body = b"[" + b",".join(fmt.write(e) for e in batch) + b"]"
    answer = requests.post(
        eddy.endpoint + "/cloudevents/orders",
        headers={"content-type": "application/cloudevents-batch+json"},
        data=body,
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    assert len(answer.json()["ids"]) == 3
    got = receive(sqs, url, 3)
    assert sorted(e["detail"]["n"] for e in got) == [0, 1, 2]
    assert {e["detail-type"] for e in got} == {"com.example.order.created"}
    # An empty batch is accepted and puts nothing.
    empty = requests.post(
        eddy.endpoint + "/cloudevents/orders",
        headers={"content-type": "application/cloudevents-batch+json"},
        data=b"[]",
        timeout=10,
    )
    assert (empty.status_code, empty.json()) == (202, {"ids": []})


def test_rules_match_on_data(eddy, events, sqs):
    url = queue_for(events, sqs, "big-orders", pattern={"detail-type": ["com.example.order.created"], "detail": {"total": [{"numeric": [">", 100]}]}})
    for id_, total in [("small", 5), ("big", 500)]:
        assert post(eddy, to_binary(order(id_, {"total": total}), JSONFormat())).status_code == 202
    [got] = receive(sqs, url, 1)
    assert got["detail"] == {"total": 500}


def test_text_and_binary_data(eddy, events, sqs):
    url = queue_for(events, sqs, "non-json")
    text = order("t", "hello, world", datacontenttype="text/plain")
    raw = order("b", b"\x00\x01\xfe", datacontenttype="application/octet-stream")
    assert post(eddy, to_binary(text, JSONFormat())).status_code == 202
    assert post(eddy, to_structured(raw, JSONFormat())).status_code == 202
    got = {e["detail"]["cloudevents"].get("datacontenttype"): e["detail"] for e in receive(sqs, url, 2)}
    assert got["text/plain"] == {"cloudevents": {"datacontenttype": "text/plain", "data": "hello, world"}}
    assert got["application/octet-stream"] == {
        "cloudevents": {"datacontenttype": "application/octet-stream", "data_base64": "AAH+"}
    }


def test_errors(eddy, events):
    base = {"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/orders", "ce-type": "t"}

    def send(headers, body=b"{}", path="/cloudevents"):
        answer = requests.post(eddy.endpoint + path, headers=headers, data=body, timeout=10)
        return answer.status_code, answer.json()

    without_id = {k: v for k, v in base.items() if k != "ce-id"}
    assert send(without_id) == (400, {"code": "MissingAttribute", "message": "missing required attribute id"})
    status, body = send({**base, "content-type": "application/json"}, b"{not json")
    assert (status, body["code"]) == (400, "InvalidData")
    status, body = send({"content-type": "application/cloudevents+json"}, b"[1]")
    assert (status, body["code"]) == (400, "MalformedJson")
    status, body = send({"content-type": "application/json"})
    assert (status, body["code"]) == (400, "NotCloudEvent")
    v03 = CloudEventV03(attributes={"type": "t", "source": "/orders", "id": "1"}, data={"a": 1})
    message = to_binary(v03, JSONFormat())
    assert message.headers["ce-specversion"] == "0.3"
    status, body = send(message.headers, message.body)
    assert (status, body["code"]) == (400, "UnsupportedSpecVersion")
    status, body = send(base, path="/cloudevents/no-such-bus")
    assert (status, body["code"]) == (404, "ResourceNotFoundException")
    fmt = JSONFormat()
    eleven = b"[" + b",".join(fmt.write(order(str(n), {"n": n})) for n in range(11)) + b"]"
    status, body = send({"content-type": "application/cloudevents-batch+json"}, eleven)
    assert (status, body["code"]) == (400, "TooManyEvents")
    assert body["message"] == "a batch may hold at most 10 events; this one holds 11"
    big = json.dumps({"blob": "x" * 300_000}).encode()
    status, body = send({**base, "content-type": "application/json"}, big)
    assert (status, body["code"]) == (413, "RequestTooLarge")
