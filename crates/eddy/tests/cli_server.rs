//! The everyday CLI against the real server: `eddy serve` on port 0 with a temporary data
//! directory, then `eddy apply`, `put-events`, `queues`, `rules` and `dlq` as a user runs
//! them. Nothing sleeps: each wait polls a condition until a deadline.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use eddy_pattern::json::{self, Value};

const DEADLINE: Duration = Duration::from_secs(20);

/// A running `eddy serve`, killed (and its data removed) when dropped.
struct Server {
    child: Child,
    endpoint: String,
    dir: PathBuf,
}

impl Server {
    fn start(name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!(
            "eddy-cli-server-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_eddy"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.join("data"))
            .env_remove("EDDY_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start eddy serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the ready line");
        let endpoint = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Server {
            child,
            endpoint,
            dir,
        }
    }

    /// Runs the CLI against this server.
    fn eddy(&self, args: &[&str]) -> Output {
        self.eddy_with_stdin(args, "")
    }

    fn eddy_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eddy"))
            .args(args)
            .env("EDDY_ENDPOINT", &self.endpoint)
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start eddy");
        let mut input = child.stdin.take().expect("stdin");
        let text = stdin.to_owned();
        let writer = std::thread::spawn(move || input.write_all(text.as_bytes()));
        let out = child.wait_with_output().expect("eddy runs");
        writer.join().expect("writer").expect("write stdin");
        out
    }

    /// Runs the CLI and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.eddy(args);
        assert!(
            out.status.success(),
            "eddy {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Runs the CLI with `--output json` and parses what it prints.
    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.extend(["--output", "json"]);
        let text = self.ok(&args);
        json::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/stack")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn example_path(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/stack")
        .join(name)
        .display()
        .to_string()
}

fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key)
        .unwrap_or_else(|| panic!("no {key} in {}", v.to_json()))
}

fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(items) => items,
        other => match other.get("items") {
            Some(Value::Array(items)) => items,
            _ => panic!("not a list: {}", other.to_json()),
        },
    }
}

fn text(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        other => panic!("not a string: {}", other.to_json()),
    }
}

fn names(list: &Value) -> Vec<String> {
    items(list)
        .iter()
        .map(|i| text(field(i, "name")).to_owned())
        .collect()
}

/// Polls `f` until it gives a value or the deadline passes.
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::yield_now();
    }
}

#[test]
fn apply_creates_converges_and_deletes_what_the_file_drops() {
    let server = Server::start("apply");
    let stack = server.file("eddy.yaml", &example("eddy.yaml"));
    let stack = stack.to_str().expect("utf-8 path");

    let dry = server.ok(&["apply", "-f", stack, "--dry-run"]);
    assert!(dry.contains("create  rule   orders/order-created"), "{dry}");
    assert!(dry.contains("dry run: nothing was changed"), "{dry}");
    assert_eq!(
        names(&server.json(&["queues", "list"])),
        Vec::<String>::new()
    );

    let first = server.ok(&["apply", "-f", stack]);
    assert!(first.starts_with("ACTION  KIND"), "{first}");
    assert!(
        first.contains("stack shop: 5 created, 0 updated, 0 deleted"),
        "{first}"
    );
    assert_eq!(
        names(&server.json(&["queues", "list"])),
        ["order-audit", "order-created", "orders-dlq"]
    );
    assert_eq!(
        names(&server.json(&["buses", "list"])),
        ["default", "orders"]
    );

    let second = server.ok(&["apply", "-f", stack]);
    assert_eq!(second.trim(), "stack shop: no changes");

    // Drop a queue (and the target that used it), change the rule's pattern.
    let edited = example("eddy.yaml")
        .replace(
            "  - name: order-audit\n    attributes:\n      MessageRetentionPeriod: 1209600   # 14 days\n",
            "",
        )
        .replace("detail-type: [OrderCreated]", "detail-type: [OrderCreated, OrderPlaced]");
    let cut = edited.find("      - id: audit").expect("audit target");
    let edited = &edited[..cut];
    server.file("eddy.yaml", edited);
    let plan = server.json(&["apply", "-f", stack, "--dry-run"]);
    let steps: Vec<String> = items(field(&plan, "steps"))
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                text(field(s, "action")),
                text(field(s, "kind")),
                text(field(s, "name"))
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "update rule orders/order-created",
            "delete queue order-audit"
        ]
    );
    let third = server.ok(&["apply", "-f", stack]);
    assert!(third.contains("update  rule"), "{third}");
    assert!(third.contains("delete  queue"), "{third}");
    assert!(third.contains("1 updated, 1 deleted"), "{third}");

    assert_eq!(
        names(&server.json(&["queues", "list"])),
        ["order-created", "orders-dlq"]
    );
    let rule = server.json(&["rules", "describe", "order-created", "--bus", "orders"]);
    assert_eq!(
        field(&rule, "pattern").to_json(),
        r#"{"source":["shop"],"detail-type":["OrderCreated","OrderPlaced"]}"#
    );
    let targets = items(field(&rule, "targets"));
    assert_eq!(targets.len(), 1);
    assert_eq!(text(field(&targets[0], "queue")), "order-created");
    assert_eq!(
        server.ok(&["apply", "-f", stack]).trim(),
        "stack shop: no changes"
    );
}

#[test]
fn put_events_reach_the_queues_of_the_example() {
    let server = Server::start("events");
    server.ok(&["apply", "-f", &example_path("eddy.yaml")]);

    let put = server.ok(&[
        "put-events",
        "--bus",
        "orders",
        "--file",
        &example_path("order.json"),
    ]);
    assert!(put.contains("1 accepted, 0 failed"), "{put}");

    let table = eventually("the order in order-created", || {
        let out = server.ok(&[
            "queues",
            "receive",
            "order-created",
            "--wait",
            "1",
            "--visibility-timeout",
            "0",
        ]);
        (!out.is_empty()).then_some(out)
    });
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(header, ["MESSAGE-ID", "RECEIVES", "BODY"], "{table}");
    assert_eq!(table.lines().count(), 2, "{table}");
    let order = eventually("the order as JSON", || {
        let v = server.json(&["queues", "receive", "order-created", "--delete"]);
        items(&v).first().cloned()
    });
    let event = json::parse(text(field(&order, "body")).as_bytes()).expect("the event");
    assert_eq!(text(field(&event, "detail-type")), "OrderCreated");
    assert_eq!(text(field(field(&event, "detail"), "order-id")), "o-1001");

    let audit = eventually("the audit record", || {
        let v = server.json(&[
            "queues",
            "receive",
            "order-audit",
            "--wait",
            "1",
            "--delete",
        ]);
        items(&v).first().cloned()
    });
    let body = json::parse(text(field(&audit, "body")).as_bytes()).expect("JSON body");
    assert_eq!(text(field(&body, "order")), "o-1001");
    assert_eq!(field(&body, "total").to_json(), "59.9");

    // Many events from stdin, in batches, with per-event ids in JSON.
    let lines: String = (0..25)
        .map(|i| {
            format!("{{\"source\":\"shop\",\"detail-type\":\"Other\",\"detail\":{{\"n\":{i}}}}}\n")
        })
        .collect();
    let out = server.eddy_with_stdin(
        &["put-events", "--bus", "orders", "--output", "json"],
        &lines,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json::parse(&out.stdout).expect("JSON");
    assert_eq!(field(&result, "accepted").to_json(), "25");
    assert_eq!(field(&result, "failed").to_json(), "0");
    let entries = items(field(&result, "entries"));
    assert_eq!(entries.len(), 25);
    assert!(entries.iter().all(|e| !text(field(e, "id")).is_empty()));

    // Send and receive by hand.
    let id = server.ok(&["queues", "send", "orders-dlq", "hello"]);
    let got = eventually("the sent message", || {
        let v = server.json(&["queues", "receive", "orders-dlq", "--delete"]);
        items(&v).first().cloned()
    });
    assert_eq!(text(field(&got, "message-id")), id.trim());
    assert_eq!(text(field(&got, "body")), "hello");
}

#[test]
fn dlq_shows_why_events_were_not_delivered() {
    let server = Server::start("dlq");
    let stack = server.file(
        "eddy.yaml",
        "version: 1\nname: broken\nqueues: [{name: dead}]\nrules:\n  - name: broken\n    pattern: {source: [broken]}\n    targets:\n      - id: nowhere\n        queue: does-not-exist\n        retry-policy: {maximum-retry-attempts: 0}\n        dead-letter-queue: dead\n",
    );
    server.ok(&["apply", "-f", stack.to_str().expect("utf-8")]);
    server.ok(&[
        "put-events",
        "--source",
        "broken",
        "--detail-type",
        "Thing",
        "--detail",
        "{\"n\":1}",
    ]);
    let letter = eventually("a dead letter", || {
        let v = server.json(&["dlq", "dead", "--visibility-timeout", "0"]);
        items(&v).first().cloned()
    });
    let attributes = field(&letter, "message-attributes");
    assert_eq!(text(field(attributes, "ERROR_CODE")), "RESOURCE_NOT_FOUND");
    assert_eq!(text(field(attributes, "RETRY_ATTEMPTS")), "0");
    assert!(text(field(attributes, "RULE_ARN")).ends_with(":rule/broken"));
    assert!(text(field(attributes, "TARGET_ARN")).ends_with(":does-not-exist"));
    let event = json::parse(text(field(&letter, "body")).as_bytes()).expect("the event");
    assert_eq!(text(field(&event, "source")), "broken");

    let table = eventually("the dead-letter table", || {
        let out = server.ok(&["dlq", "dead", "--visibility-timeout", "0"]);
        out.contains("RESOURCE_NOT_FOUND").then_some(out)
    });
    let header = table.lines().next().expect("header");
    for column in [
        "MESSAGE-ID",
        "ERROR_CODE",
        "ERROR_MESSAGE",
        "RETRY_ATTEMPTS",
        "RULE_ARN",
        "TARGET_ARN",
        "BODY",
    ] {
        assert!(header.contains(column), "{header}");
    }
}

#[test]
fn errors_go_to_stderr_with_the_right_exit_code() {
    let server = Server::start("errors");
    let out = server.eddy(&["queues", "describe", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("QueueDoesNotExist"), "{stderr}");

    let out = server.eddy(&["buses", "create", "orders"]);
    assert_eq!(out.status.code(), Some(0));
    let out = server.eddy(&["buses", "create", "orders"]);
    assert_eq!(out.status.code(), Some(1), "exists: 409");

    let bad = server.file("bad.yaml", "version: 1\nname: s\nqueues:\n  - nme: q\n");
    let out = server.eddy(&["apply", "-f", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.yaml:4:"), "{stderr}");
    assert!(stderr.contains("nme"), "{stderr}");

    let bad = server.file(
        "pattern.yaml",
        "version: 1\nname: s\nqueues: [{name: fine}]\nrules:\n  - {name: r, pattern: {source: [{nope: 1}]}}\n",
    );
    let out = server.eddy(&["apply", "-f", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "the server refused the pattern");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: step 2 of 2 (create rule default/r) failed; 1 step(s) before it were applied: InvalidEventPatternException"),
        "{stderr}"
    );
    assert_eq!(names(&server.json(&["queues", "list"])), ["fine"]);

    let out = server.eddy(&["queues", "create", "bad name!"]);
    assert_eq!(out.status.code(), Some(2), "the server refused our input");

    let out = server.eddy(&["put-events", "--detail", "{"]);
    assert_eq!(out.status.code(), Some(2));

    let out = Command::new(env!("CARGO_BIN_EXE_eddy"))
        .args(["buses", "list", "--endpoint", "http://127.0.0.1:9"])
        .output()
        .expect("eddy runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot reach the Eddy server"), "{stderr}");
}

#[test]
fn apply_file_is_what_serve_stack_calls() {
    let server = Server::start("apply-file");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/stack/eddy.yaml");
    let summary = eddy_cli::apply_file(&server.endpoint, &path).expect("applies");
    assert_eq!(
        (summary.created, summary.updated, summary.deleted),
        (5, 0, 0)
    );
    assert_eq!(summary.changes[0], "create queue order-audit");
    assert_eq!(
        summary.to_string(),
        "stack shop: 5 created, 0 updated, 0 deleted"
    );
    let again = eddy_cli::apply_file(&server.endpoint, &path).expect("applies");
    assert!(again.no_changes());
    assert_eq!(again.to_string(), "stack shop: no changes");

    let bad = server.file("bad.yaml", "version: 1\nname: s\nbuses: {}\n");
    let err = eddy_cli::apply_file(&server.endpoint, &bad).expect_err("a map, not a list");
    assert!(err.to_string().contains("bad.yaml:3:"), "{err}");
}
