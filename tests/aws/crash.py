"""Crash safety: many concurrent producers put events while `eddy serve` is killed with
SIGKILL at random moments and restarted; at the end every event whose PutEvents was
acknowledged must be in every target queue at least once, and every message must be intact.

    python crash.py --kills 10 --producers 16        # the full run (see BENCHMARKS/README)

The pytest test `test_crash.py` runs a short version in CI.
"""

import argparse
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config

EDDY_BIN = os.environ.get("EDDY_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "target", "debug", "eddy"))
QUEUES = ["crash-a", "crash-b"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=10),
    )


def checksum(producer, n):
    return hashlib.sha256(f"{producer}:{n}".encode()).hexdigest()[:16]


class Server:
    def __init__(self, data_dir, port, durability):
        self.data_dir, self.port, self.durability = data_dir, port, durability
        self.proc = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen(
            [EDDY_BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir, "--log", "error", "--durability", self.durability],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"eddy did not start: {line!r}")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


def run(kills, producers, durability="fsync", seed=None, log=print):
    rng = random.Random(seed)
    data_dir = tempfile.mkdtemp(prefix="eddy-crash-")
    server = Server(data_dir, free_port(), durability)
    server.start()
    events, sqs = client("events", server.endpoint), client("sqs", server.endpoint)
    urls = []
    for name in QUEUES:
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        urls.append(url)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=f"to-{name}", EventPattern=json.dumps({"source": ["crash"]}))
        events.put_targets(Rule=f"to-{name}", Targets=[{"Id": "q", "Arn": arn}])

    acked = set()
    lock = threading.Lock()
    stop = threading.Event()
    counts = {"requests": 0, "errors": 0}

    def produce(p):
        c = client("events", server.endpoint)
        n = 0
        while not stop.is_set():
            batch = list(range(n, n + 10))
            n += 10
            entries = [
                {"Source": "crash", "DetailType": "tick", "Detail": json.dumps({"p": p, "n": i, "check": checksum(p, i)})}
                for i in batch
            ]
            try:
                result = c.put_events(Entries=entries)
            except Exception:
                with lock:
                    counts["errors"] += 1
                time.sleep(0.01)  # the server is down; try again shortly
                continue
            with lock:
                counts["requests"] += 1
                for i, entry in zip(batch, result["Entries"]):
                    if "EventId" in entry:
                        acked.add((p, i))

    threads = [threading.Thread(target=produce, args=(p,), daemon=True) for p in range(producers)]
    for t in threads:
        t.start()
    for k in range(kills):
        time.sleep(rng.uniform(0.3, 1.5))
        server.kill()
        log(f"kill {k + 1}/{kills}: {len(acked)} acknowledged so far")
        server.start()
    time.sleep(rng.uniform(0.3, 1.0))
    stop.set()
    for t in threads:
        t.join(timeout=30)

    # A last restart with a clean stop, then drain every queue.
    assert server.stop() == 0
    server.start()
    sqs = client("sqs", server.endpoint)
    corrupt = 0
    missing_total = 0
    for url in urls:
        seen = set()
        empty = 0
        while empty < 3:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            if not got:
                empty += 1
                continue
            empty = 0
            for m in got:
                try:
                    detail = json.loads(m["Body"])["detail"]
                    ok = detail["check"] == checksum(detail["p"], detail["n"])
                except (ValueError, KeyError, TypeError):
                    ok = False
                if ok:
                    seen.add((detail["p"], detail["n"]))
                else:
                    corrupt += 1
            sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
        missing = acked - seen
        missing_total += len(missing)
        log(f"{url.rsplit('/', 1)[1]}: {len(seen)} distinct events received, {len(missing)} acknowledged but missing")
    assert server.stop() == 0
    log(f"{kills} kills, {producers} producers, {counts['requests']} acknowledged requests, {len(acked)} acknowledged events, {counts['errors']} failed requests (server down), {corrupt} corrupt messages, {missing_total} lost")
    return {"acked": len(acked), "lost": missing_total, "corrupt": corrupt, "data_dir": data_dir}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--producers", type=int, default=16)
    parser.add_argument("--durability", choices=["fsync", "relaxed"], default="fsync")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args()
    result = run(args.kills, args.producers, args.durability, args.seed)
    ok = result["lost"] == 0 and result["corrupt"] == 0 and result["acked"] > 0
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
