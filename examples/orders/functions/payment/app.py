"""`payment`: charges orders, fed in batches from the `payments` queue by an event source
mapping with `ReportBatchItemFailures`.

Each SQS record's body is an order (the rule's `input-path: $.detail` delivers only the
event's detail). The payment provider of this example declines every amount over 1000: such
a record is listed in `batchItemFailures`, so only it goes back to the queue (the others in
the batch are deleted); after `maxReceiveCount` receives it moves to `payments-dlq`.
"""

import json

LIMIT = 1000


def handler(event, context):
    failures = []
    records = event.get("Records", [])
    for record in records:
        order = json.loads(record["body"])
        order_id, amount = order["orderId"], order["amount"]
        receives = record.get("attributes", {}).get("ApproximateReceiveCount", "?")
        if amount > LIMIT:
            print(f"payment: declined order {order_id}: amount {amount:.2f} is over {LIMIT} (receive {receives})")
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            print(f"payment: charged order {order_id} amount {amount:.2f}")
    print(f"payment: batch of {len(records)}, {len(failures)} failed")
    return {"batchItemFailures": failures}
