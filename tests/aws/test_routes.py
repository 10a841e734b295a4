"""HTTP routes on the main port: a function answers with API Gateway's HTTP API payload
format 2.0 (path parameters, `{proxy+}`, query string, headers, cookies, a base64 body
both ways), and routes that turn a request into an event on a bus or a message on a queue."""

import base64
import io
import json
import zipfile

import requests

from conftest import wait_for

ECHO = '''
import base64, json

def handler(event, context):
    if event["rawPath"].endswith("/plain"):
        return {"plain": True}
    if event["rawPath"].endswith("/binary"):
        return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
                "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    return {
        "statusCode": 201,
        "headers": {"X-Route": event["routeKey"], "Content-Type": "application/json"},
        "cookies": ["a=1", "b=2"],
        "body": json.dumps({k: event.get(k) for k in (
            "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
            "queryStringParameters", "pathParameters", "body", "isBase64Encoded")}
            | {"method": event["requestContext"]["http"]["method"]}),
    }
'''


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def put_route(eddy, **route):
    r = requests.put(f"{eddy.endpoint}/v1/routes", json=route, timeout=10)
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_function_route_round_trip(eddy):
    lam = eddy.client("lambda")
    lam.create_function(FunctionName="echo", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/x",
                        Handler="app.handler", Code={"ZipFile": zip_of({"app.py": ECHO})})
    put_route(eddy, method="POST", path="/items/{id}/parts/{part}", function="echo")
    put_route(eddy, method="ANY", path="/files/{proxy+}", function="echo")
    put_route(eddy, method="GET", path="/items/special/parts/plain", function="echo")

    r = requests.post(f"{eddy.endpoint}/api/items/42/parts/x%20y?color=red&size=m&size=l",
                      data=bytes([0, 1, 2, 255]), headers={"Content-Type": "application/octet-stream",
                                                           "X-Custom": "hello", "Cookie": "c1=v1; c2=v2"},
                      timeout=30)
    assert r.status_code == 201, r.text
    assert r.headers["x-route"] == "POST /items/{id}/parts/{part}"
    assert r.headers["content-type"] == "application/json"
    assert r.cookies.get("a") == "1" and r.cookies.get("b") == "2"
    got = r.json()
    assert got["version"] == "2.0"
    assert got["method"] == "POST"
    assert got["rawPath"] == "/items/42/parts/x%20y"
    assert got["pathParameters"] == {"id": "42", "part": "x y"}
    assert got["rawQueryString"] == "color=red&size=m&size=l"
    assert got["queryStringParameters"] == {"color": "red", "size": "m,l"}
    assert got["headers"]["x-custom"] == "hello"
    assert got["cookies"] == ["c1=v1", "c2=v2"]
    assert got["isBase64Encoded"] is True
    assert base64.b64decode(got["body"]) == bytes([0, 1, 2, 255])

    # JSON bodies stay text; {proxy+} takes the rest of the path; ANY takes any method.
    r = requests.delete(f"{eddy.endpoint}/api/files/a/b/c.txt", json={"k": 1}, timeout=30)
    got = r.json()
    assert got["routeKey"] == "ANY /files/{proxy+}"
    assert got["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert got["isBase64Encoded"] is False and json.loads(got["body"]) == {"k": 1}

    # The most specific route wins; a bare JSON value is a 200 application/json.
    r = requests.get(f"{eddy.endpoint}/api/items/special/parts/plain", timeout=30)
    assert r.status_code == 200 and r.json() == {"plain": True}
    assert r.headers["content-type"].startswith("application/json")

    # A base64 response body comes out as bytes.
    r = requests.get(f"{eddy.endpoint}/api/files/binary", timeout=30)
    assert r.content == bytes(range(256))

    # No route: API Gateway's 404.
    r = requests.get(f"{eddy.endpoint}/api/nothing/here", timeout=30)
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}


def test_routes_to_a_bus_and_a_queue(eddy, sqs):
    events = eddy.client("events")
    q = sqs.create_queue(QueueName="from-route")["QueueUrl"]
    seen = sqs.create_queue(QueueName="route-events")["QueueUrl"]
    seen_arn = sqs.get_queue_attributes(QueueUrl=seen, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="from-route", EventPattern=json.dumps({"source": ["shop.web"]}))
    events.put_targets(Rule="from-route", Targets=[{"Id": "q", "Arn": seen_arn}])
    put_route(eddy, method="POST", path="/signup", bus="default", source="shop.web", **{"detail-type": "SignedUp"})
    put_route(eddy, method="POST", path="/jobs", queue="from-route")

    r = requests.post(f"{eddy.endpoint}/api/signup", json={"user": "ada"}, timeout=30)
    assert r.status_code == 202, r.text
    event_id = r.json()["id"]
    got = wait_for(lambda: sqs.receive_message(QueueUrl=seen, WaitTimeSeconds=1).get("Messages"))
    event = json.loads(got[0]["Body"])
    assert event["id"] == event_id
    assert event["detail-type"] == "SignedUp" and event["detail"] == {"user": "ada"}

    r = requests.post(f"{eddy.endpoint}/api/jobs", data="job text", timeout=30)
    assert r.status_code == 202, r.text
    message_id = r.json()["message-id"]
    got = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=5)["Messages"]
    assert got[0]["MessageId"] == message_id and got[0]["Body"] == "job text"

    listed = requests.get(f"{eddy.endpoint}/v1/routes", timeout=10).json()["items"]
    assert {(x["method"], x["path"]) for x in listed} == {("POST", "/signup"), ("POST", "/jobs")}
    r = requests.delete(f"{eddy.endpoint}/v1/routes", params={"method": "POST", "path": "/jobs"}, timeout=10)
    assert r.status_code in (200, 204)
    assert requests.post(f"{eddy.endpoint}/api/jobs", data="x", timeout=30).status_code == 404
