"""SQS through boto3 against the real `eddy serve` (JSON protocol)."""

import json
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Eddy, wait_for


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_send_receive_delete_round_trip(sqs):
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert url.endswith("/000000000000/jobs")
    assert sqs.get_queue_url(QueueName="jobs")["QueueUrl"] == url
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "greeting"},
            "n": {"DataType": "Number", "StringValue": "7"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    assert "MessageId" in sent and "MD5OfMessageAttributes" in sent
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert len(got) == 1
    message = got[0]
    assert message["Body"] == "hello"
    assert message["MessageAttributes"]["kind"]["StringValue"] == "greeting"
    assert message["MessageAttributes"]["raw"]["BinaryValue"] == b"\x00\x01"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_batches(sqs):
    url = sqs.create_queue(QueueName="batch")["QueueUrl"]
    entries = [{"Id": f"m{i}", "MessageBody": f"body {i}"} for i in range(10)]
    sent = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert len(sent["Successful"]) == 10 and not sent.get("Failed")
    seen = []
    while len(seen) < 10:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        assert got, "messages missing"
        seen.extend(got)
        deleted = sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
        )
        assert len(deleted["Successful"]) == len(got)
    assert sorted(m["Body"] for m in seen) == sorted(e["MessageBody"] for e in entries)


def test_batch_errors(sqs):
    url = sqs.create_queue(QueueName="batch-errors")["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
    assert error_code(e) == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}])
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.delete_message_batch(QueueUrl=url, Entries=[])


def test_errors_have_sqs_codes(sqs):
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
        sqs.get_queue_url(QueueName="nope")
    assert error_code(e) == "AWS.SimpleQueueService.NonExistentQueue"
    url = sqs.create_queue(QueueName="errs")["QueueUrl"]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="bad name!")
    assert error_code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="errs", Attributes={"VisibilityTimeout": "5"})
    assert error_code(e) == "QueueAlreadyExists"


def test_visibility_timeout_expiry_redelivers(sqs):
    url = sqs.create_queue(QueueName="vis", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    second = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]
    assert third["MessageId"] == first["MessageId"]


def test_long_poll_wakes_on_send(sqs):
    url = sqs.create_queue(QueueName="poll")["QueueUrl"]
    result = {}

    def receive():
        started = time.monotonic()
        result["messages"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=receive)
    thread.start()
    time.sleep(0.3)  # let the receive start waiting; the assertion below is on the answer, not on timing
    sqs.send_message(QueueUrl=url, MessageBody="wake")
    thread.join(timeout=25)
    assert [m["Body"] for m in result["messages"]] == ["wake"]
    assert result["elapsed"] < 15, "the long poll did not wake on the send"


def test_fifo_order_per_group_and_dedup(sqs):
    url = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})[
        "QueueUrl"
    ]
    for i in range(6):
        sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="a")
        sqs.send_message(QueueUrl=url, MessageBody=f"b{i}", MessageGroupId="b")
    dup = sqs.send_message(QueueUrl=url, MessageBody="a0", MessageGroupId="a")
    received = {"a": [], "b": []}
    while len(received["a"]) + len(received["b"]) < 12:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, AttributeNames=["MessageGroupId"]).get("Messages", [])
        assert got
        for m in got:
            received[m["Attributes"]["MessageGroupId"]].append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert received["a"] == [f"a{i}" for i in range(6)]
    assert received["b"] == [f"b{i}" for i in range(6)]
    assert "MessageId" in dup
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_redrive_to_dlq_after_max_receive_count(sqs):
    dlq_url = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName="work",
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}),
        },
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    for _ in range(2):
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]["Body"] == "poison"
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    dead = wait_for(lambda: sqs.receive_message(QueueUrl=dlq_url).get("Messages"))
    assert dead[0]["Body"] == "poison"
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [url]


def test_messages_survive_a_restart(data_dir):
    server = Eddy(data_dir).start()
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName="durable")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)])
    assert server.stop() == 0
    server = Eddy(data_dir).start()
    try:
        sqs = server.client("sqs")
        url = sqs.get_queue_url(QueueName="durable")["QueueUrl"]
        bodies = set()
        while len(bodies) < 5:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            assert got
            bodies.update(m["Body"] for m in got)
        assert bodies == {f"m{i}" for i in range(5)}
    finally:
        assert server.stop() == 0


def test_list_tag_purge_delete(sqs):
    for name in ["alpha-1", "alpha-2", "beta"]:
        sqs.create_queue(QueueName=name, tags={"team": name})
    urls = sqs.list_queues(QueueNamePrefix="alpha")["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["alpha-1", "alpha-2"]
    url = urls[0]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "test"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "alpha-1", "env": "test"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "test"}
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="alpha-1")


def test_move_messages_back_from_the_dlq(sqs):
    dlq_url = sqs.create_queue(QueueName="mv-dead")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName="mv-work",
        Attributes={"VisibilityTimeout": "0", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})},
    )["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])
    # Receive each once; the next receive moves them to the DLQ.
    seen = set()
    while len(seen) < 3:
        seen.update(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []))
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    wait_for(lambda: sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] == "3")
    with pytest.raises(ClientError):
        sqs.start_message_move_task(SourceArn=sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    tasks = wait_for(lambda: [t for t in sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"] if t["Status"] == "COMPLETED"])
    assert tasks[0]["ApproximateNumberOfMessagesMoved"] == 3
    back = set()
    while len(back) < 3:
        back.update(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []))
    assert back == {"m0", "m1", "m2"}


def test_fifo_order_per_group_under_concurrent_consumers(eddy):
    producer = eddy.client("sqs")
    url = producer.create_queue(QueueName="concurrent.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})[
        "QueueUrl"
    ]
    groups, per_group = 5, 40
    for i in range(per_group):
        producer.send_message_batch(
            QueueUrl=url, Entries=[{"Id": f"g{g}", "MessageBody": f"{g}:{i}", "MessageGroupId": f"g{g}"} for g in range(groups)]
        )
    seen = {f"g{g}": [] for g in range(groups)}
    lock = threading.Lock()
    done = threading.Event()

    def consume():
        sqs = eddy.client("sqs")
        while not done.is_set():
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=4, WaitTimeSeconds=1, AttributeNames=["MessageGroupId"]).get("Messages", [])
            for m in got:
                # A group is never handed to two consumers at once, so appending in the
                # order received (before deleting) must give each group's send order.
                with lock:
                    seen[m["Attributes"]["MessageGroupId"]].append(int(m["Body"].split(":")[1]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            with lock:
                if sum(len(v) for v in seen.values()) >= groups * per_group:
                    done.set()

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for group, order in seen.items():
        assert order == list(range(per_group)), group
