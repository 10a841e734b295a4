"""Bad input through the native and the AWS protocols: every request gets a clean 4xx in
the protocol's error shape, and the server stays healthy."""

import json

import pytest
import requests

EVENTS = {"content-type": "application/x-amz-json-1.1"}
SQS = {"content-type": "application/x-amz-json-1.0"}


def aws(target, headers):
    return dict(headers, **{"x-amz-target": target})


BIG = "x" * (300 * 1024)

# (name, method, path, headers, body, expected status, expected error code)
CASES = [
    ("events: malformed JSON", "POST", "/", aws("AWSEvents.PutEvents", EVENTS), "{not json", 400, "SerializationException"),
    ("events: wrong type", "POST", "/", aws("AWSEvents.PutEvents", EVENTS), json.dumps({"Entries": "nope"}), 400, "SerializationException"),
    ("events: 11 entries", "POST", "/", aws("AWSEvents.PutEvents", EVENTS),
     json.dumps({"Entries": [{"Source": "a", "DetailType": "b", "Detail": "{}"}] * 11}), 400, "ValidationException"),
    ("events: no entries", "POST", "/", aws("AWSEvents.PutEvents", EVENTS), json.dumps({"Entries": []}), 400, "ValidationException"),
    ("events: oversize entry", "POST", "/", aws("AWSEvents.PutEvents", EVENTS),
     json.dumps({"Entries": [{"Source": "a", "DetailType": "b", "Detail": json.dumps({"big": BIG})}]}), 400, "ValidationException"),
    ("events: invalid pattern", "POST", "/", aws("AWSEvents.PutRule", EVENTS),
     json.dumps({"Name": "r", "EventPattern": "{\"source\": [{\"prefix\": 1}]}"}), 400, "InvalidEventPatternException"),
    ("events: pattern not JSON", "POST", "/", aws("AWSEvents.PutRule", EVENTS), json.dumps({"Name": "r", "EventPattern": "{"}), 400, "InvalidEventPatternException"),
    ("events: unknown rule", "POST", "/", aws("AWSEvents.DescribeRule", EVENTS), json.dumps({"Name": "nope"}), 400, "ResourceNotFoundException"),
    ("events: unknown bus", "POST", "/", aws("AWSEvents.DescribeEventBus", EVENTS), json.dumps({"Name": "nope"}), 400, "ResourceNotFoundException"),
    ("events: bad rule name", "POST", "/", aws("AWSEvents.PutRule", EVENTS), json.dumps({"Name": "bad name", "EventPattern": "{}"}), 400, "ValidationException"),
    ("events: unknown operation", "POST", "/", aws("AWSEvents.Frobnicate", EVENTS), "{}", 400, "UnknownOperationException"),
    ("events: bad retry policy", "POST", "/", aws("AWSEvents.PutTargets", EVENTS),
     json.dumps({"Rule": "exists", "Targets": [{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RetryPolicy": {"MaximumRetryAttempts": 500}}]}), 200, None),
    ("sqs: malformed JSON", "POST", "/", aws("AmazonSQS.SendMessage", SQS), "[", 400, "SerializationException"),
    ("sqs: unknown queue", "POST", "/", aws("AmazonSQS.SendMessage", SQS),
     json.dumps({"QueueUrl": "http://localhost/000000000000/nope", "MessageBody": "x"}), 400, "com.amazonaws.sqs#QueueDoesNotExist"),
    ("sqs: invalid receipt handle", "POST", "/", aws("AmazonSQS.DeleteMessage", SQS),
     json.dumps({"QueueUrl": "http://localhost/000000000000/q", "ReceiptHandle": "zzz"}), 400, "com.amazonaws.sqs#ReceiptHandleIsInvalid"),
    ("sqs: wrong type", "POST", "/", aws("AmazonSQS.ReceiveMessage", SQS),
     json.dumps({"QueueUrl": "http://localhost/000000000000/q", "MaxNumberOfMessages": "ten"}), 400, "SerializationException"),
    ("sqs: too many batch entries", "POST", "/", aws("AmazonSQS.SendMessageBatch", SQS),
     json.dumps({"QueueUrl": "http://localhost/000000000000/q", "Entries": [{"Id": str(i), "MessageBody": "x"} for i in range(11)]}),
     400, "com.amazonaws.sqs#TooManyEntriesInBatchRequest"),
    ("sqs: oversize message", "POST", "/", aws("AmazonSQS.SendMessage", SQS),
     json.dumps({"QueueUrl": "http://localhost/000000000000/q", "MessageBody": BIG}), 400, None),
    ("sqs: missing body", "POST", "/", aws("AmazonSQS.SendMessage", SQS), json.dumps({"QueueUrl": "http://localhost/000000000000/q"}), 400, "MissingParameter"),
    ("native: malformed JSON", "POST", "/v1/buses/default/events", {"content-type": "application/json"}, "{", 400, "SerializationException"),
    ("native: unknown field", "POST", "/v1/buses", {"content-type": "application/json"}, json.dumps({"nmae": "x"}), 400, "SerializationException"),
    ("native: 11 events", "POST", "/v1/buses/default/events", {"content-type": "application/json"},
     json.dumps({"entries": [{"source": "a", "detail-type": "b", "detail": {}}] * 11}), 400, "ValidationException"),
    ("native: unknown bus", "GET", "/v1/buses/nope", {}, None, 404, "ResourceNotFoundException"),
    ("native: unknown queue", "POST", "/v1/queues/nope/receive", {"content-type": "application/json"}, "{}", 404, "QueueDoesNotExist"),
    ("native: invalid pattern", "PUT", "/v1/buses/default/rules/r", {"content-type": "application/json"},
     json.dumps({"name": "r", "pattern": {"source": "shop"}}), 400, "InvalidEventPatternException"),
    ("native: invalid receipt handle", "DELETE", "/v1/queues/q/messages/zzz", {}, None, 400, "ReceiptHandleIsInvalid"),
    ("native: no content type", "POST", "/v1/buses", {}, json.dumps({"name": "x"}), 415, "SerializationException"),
]


@pytest.fixture()
def server(eddy, sqs, events):
    sqs.create_queue(QueueName="q")
    events.put_rule(Name="exists", EventPattern='{"source":["a"]}')
    return eddy.endpoint


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clean_error(server, case):
    name, method, path, headers, body, status, code = case
    response = requests.request(method, server + path, headers=headers, data=body, timeout=10)
    if status == 200:
        # PutTargets reports a refused target as a failed entry, not an error.
        assert response.status_code == 200, response.text
        assert response.json()["FailedEntryCount"] == 1
    else:
        assert response.status_code == status, response.text
        payload = response.json()
        if path.startswith("/v1"):
            assert set(payload) == {"error"} and payload["error"]["message"]
            if code:
                assert payload["error"]["code"] == code
        else:
            assert payload["message"]
            if code:
                assert payload["__type"] == code
    assert requests.get(server + "/healthz", timeout=5).status_code == 200
