"""`inventory`: reserves the ordered items. A plain Lambda handler run by the AWS runtime
interface client for Python (awslambdaric) under the `provided` runtime: `bootstrap` starts
`python -m awslambdaric app.handler`, which speaks the Lambda Runtime API to Eddy exactly as
it does on AWS Lambda. The rule `order-created` invokes it with each OrderCreated event.
"""

# Stock of this (in-memory, per instance) warehouse.
STOCK = {"book": 100, "pen": 1000, "lamp": 20, "laptop": 5}


def handler(event, context):
    order = event["detail"]
    reserved = []
    for item in order["items"]:
        sku, qty = item["sku"], item["qty"]
        left = STOCK.get(sku, 0)
        take = min(left, qty)
        STOCK[sku] = left - take
        reserved.append({"sku": sku, "reserved": take, "backordered": qty - take})
    summary = ", ".join(f"{r['reserved']}x {r['sku']}" + (f" ({r['backordered']} backordered)" if r["backordered"] else "") for r in reserved)
    print(f"inventory: reserved {summary} for order {order['orderId']} (request {context.aws_request_id})")
    return {"orderId": order["orderId"], "reserved": reserved}
