"""`create-order`: answers `POST /api/orders` (an HTTP route, API Gateway payload format 2.0).

Checks the order in the request body, gives it an id and puts an `OrderCreated` event on the
`orders` bus, then answers 201 with the id. Standard library only: Eddy's built-in python3
runtime has no boto3, so the event goes to Eddy's EventBridge API as a plain HTTP call to
`AWS_ENDPOINT_URL`, which Eddy sets for every instance (with boto3 installed, the same call
is `boto3.client("events").put_events(Entries=[...])`).
"""

import base64
import json
import os
import urllib.request
import uuid


def handler(event, context):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    try:
        order = parse_order(body)
    except ValueError as e:
        print(f"create-order: rejected: {e}")
        return answer(400, {"error": str(e)})

    order_id = "o-" + uuid.uuid4().hex[:12]
    detail = {"orderId": order_id, **order}
    result = put_events([{
        "Source": "shop.orders",
        "DetailType": "OrderCreated",
        "Detail": json.dumps(detail),
        "EventBusName": "orders",
    }])
    if result.get("FailedEntryCount"):
        print(f"create-order: PutEvents failed: {result}")
        return answer(502, {"error": "the order could not be recorded"})
    event_id = result["Entries"][0]["EventId"]
    print(f"create-order: order {order_id} for {order['customer']}, amount {order['amount']:.2f} -> event {event_id}")
    return answer(201, {"orderId": order_id, "amount": order["amount"]})


def parse_order(body):
    """The order as the client sent it, checked: a customer, items and a positive amount."""
    try:
        order = json.loads(body)
    except json.JSONDecodeError as e:
        raise ValueError(f"the body is not JSON: {e}") from None
    if not isinstance(order, dict):
        raise ValueError("the body must be a JSON object")
    customer = order.get("customer")
    if not isinstance(customer, str) or not customer:
        raise ValueError("customer: a non-empty string is required")
    items = order.get("items")
    if not isinstance(items, list) or not items:
        raise ValueError("items: a non-empty list is required")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str):
            raise ValueError(f"items[{i}]: an object with a sku is required")
        qty = item.get("qty", 1)
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise ValueError(f"items[{i}].qty: a positive integer is required")
    amount = order.get("amount")
    if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("amount: a positive number is required")
    return {
        "customer": customer,
        "items": [{"sku": item["sku"], "qty": item.get("qty", 1)} for item in items],
        "amount": float(amount),
    }


def put_events(entries):
    """EventBridge PutEvents (AWS JSON 1.1) against Eddy."""
    request = urllib.request.Request(
        os.environ["AWS_ENDPOINT_URL"].rstrip("/") + "/",
        data=json.dumps({"Entries": entries}).encode(),
        method="POST",
        headers={
            "X-Amz-Target": "AWSEvents.PutEvents",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def answer(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
