"""`eddy serve --stack`: the stack is applied at start and again when the file changes."""

import os
import shutil

from conftest import Eddy, wait_for

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
