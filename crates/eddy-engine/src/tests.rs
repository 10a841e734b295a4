//! Engine tests on a real SQLite store in a temp directory, with the clock moved by hand
//! instead of waiting.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use eddy_model::event::Entry;
use eddy_model::names::QueueName;
use eddy_queue::ReceiveRequest;
use eddy_store::{Durability, Op, Snapshot, Store};
use eddy_store_sqlite::Sqlite;

use crate::bus::{EntryOutcome, PutRule};
use crate::queues::SendInput;
use crate::resources::{Tags, TargetDef};
use crate::{Clock, Config, Engine, WriterThread};

struct ManualClock(AtomicU64);

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl ManualClock {
    fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

/// Counts commits, to see requests share them.
struct Counting {
    inner: Sqlite,
    commits: Arc<AtomicUsize>,
}

impl Store for Counting {
    fn load(&mut self) -> Result<Snapshot, eddy_store::Error> {
        self.inner.load()
    }

    fn commit(&mut self, ops: &[Op]) -> Result<(), eddy_store::Error> {
        self.commits.fetch_add(1, Ordering::SeqCst);
        self.inner.commit(ops)
    }
}

struct Harness {
    dir: std::path::PathBuf,
    clock: Arc<ManualClock>,
    commits: Arc<AtomicUsize>,
}

impl Harness {
    fn new(name: &str) -> Harness {
        let dir = std::env::temp_dir().join(format!("eddy-engine-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Harness {
            dir,
            clock: Arc::new(ManualClock(AtomicU64::new(1_800_000_000_000))),
            commits: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn open(&self) -> (Engine, WriterThread) {
        let inner = Sqlite::open(&self.dir.join("eddy.db"), Durability::Fsync).unwrap();
        let store = Counting {
            inner,
            commits: Arc::clone(&self.commits),
        };
        Engine::open(Config::default(), Box::new(store), self.clock.clone(), None).unwrap()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn receive(max: u32) -> ReceiveRequest {
    ReceiveRequest {
        max_messages: max,
        visibility_timeout: None,
        receive_request_attempt_id: None,
    }
}

fn send(body: &str) -> SendInput {
    SendInput {
        body: body.to_owned(),
        ..SendInput::default()
    }
}

/// Creates queue `queue` and rule `rule` on the default bus, which sends the detail of
/// the events that match `pattern` to the queue.
async fn detail_to_queue(engine: &Engine, rule: &str, pattern: &str, queue: &str) {
    engine
        .create_queue(queue, Vec::new(), Tags::new())
        .await
        .unwrap();
    engine
        .put_rule(PutRule {
            name: rule.into(),
            event_pattern: Some(pattern.into()),
            ..PutRule::default()
        })
        .await
        .unwrap();
    let target = TargetDef {
        id: "q".into(),
        arn: format!("arn:aws:sqs:us-east-1:000000000000:{queue}"),
        input: None,
        input_path: Some("$.detail".into()),
        input_transformer: None,
        retry_policy: None,
        dead_letter_arn: None,
        message_group_id: None,
        http: None,
        role_arn: None,
    };
    assert!(engine
        .put_targets(None, rule, vec![target])
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_timeout_follows_the_clock() {
    let h = Harness::new("visibility");
    let (engine, _writer) = h.open();
    let q = QueueName::parse("jobs").unwrap();
    engine
        .create_queue(
            "jobs",
            vec![("VisibilityTimeout".into(), "30".into())],
            Tags::new(),
        )
        .await
        .unwrap();
    engine.send_messages(&q, vec![send("a")]).await.unwrap();
    assert_eq!(
        engine
            .receive_messages(&q, receive(1), Some(0))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(engine
        .receive_messages(&q, receive(1), Some(0))
        .await
        .unwrap()
        .is_empty());
    h.clock.advance(29_000);
    assert!(engine
        .receive_messages(&q, receive(1), Some(0))
        .await
        .unwrap()
        .is_empty());
    h.clock.advance(1_000);
    let again = engine
        .receive_messages(&q, receive(1), Some(0))
        .await
        .unwrap();
    assert_eq!(again[0].message.receive_count, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_commits() {
    let h = Harness::new("group-commit");
    let (engine, _writer) = h.open();
    let q = QueueName::parse("jobs").unwrap();
    engine
        .create_queue("jobs", Vec::new(), Tags::new())
        .await
        .unwrap();
    let before = h.commits.load(Ordering::SeqCst);
    let mut tasks = Vec::new();
    for i in 0..400 {
        let engine = engine.clone();
        let q = q.clone();
        tasks.push(tokio::spawn(async move {
            engine.send_messages(&q, vec![send(&format!("m{i}"))]).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap().pop().unwrap().unwrap();
    }
    let commits = h.commits.load(Ordering::SeqCst) - before;
    assert!(
        commits < 400,
        "400 acknowledged sends took {commits} commits"
    );
    let mut seen = 0;
    loop {
        let got = engine
            .receive_messages(&q, receive(10), Some(0))
            .await
            .unwrap();
        if got.is_empty() {
            break;
        }
        seen += got.len();
    }
    assert_eq!(seen, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_acknowledged_is_there_after_a_restart() {
    let h = Harness::new("restart");
    {
        let (engine, writer) = h.open();
        detail_to_queue(&engine, "all", r#"{"source":["shop"]}"#, "jobs").await;
        let entry = Entry {
            source: Some("shop".into()),
            detail_type: Some("t".into()),
            detail: Some(r#"{"n":1}"#.into()),
            ..Entry::default()
        };
        let outcomes = engine.put_events(vec![entry]).await.unwrap();
        assert!(matches!(outcomes[0], EntryOutcome::Accepted(_)));
        drop(engine);
        writer.join();
    }
    let (engine, _writer) = h.open();
    let q = QueueName::parse("jobs").unwrap();
    let got = engine
        .receive_messages(&q, receive(10), Some(0))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message.body, r#"{"n":1}"#);
    assert_eq!(
        engine.describe_rule(None, "all").unwrap().def.targets.len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_drops_old_messages() {
    let h = Harness::new("retention");
    let (engine, _writer) = h.open();
    let q = QueueName::parse("short").unwrap();
    engine
        .create_queue(
            "short",
            vec![("MessageRetentionPeriod".into(), "60".into())],
            Tags::new(),
        )
        .await
        .unwrap();
    engine.send_messages(&q, vec![send("old")]).await.unwrap();
    h.clock.advance(61_000);
    engine.housekeeping();
    assert!(engine
        .receive_messages(&q, receive(1), Some(0))
        .await
        .unwrap()
        .is_empty());
}

/// Details as pretty printers write them (a new line after each `,`) route like compact
/// ones (regression: the matcher's shortcut for usual entries misread the entry after
/// such a separator, and the event matched no rule).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pretty_printed_details_route() {
    let h = Harness::new("pretty-details");
    let (engine, _writer) = h.open();
    detail_to_queue(&engine, "a-is-2", r#"{"detail":{"a":[2]}}"#, "hits").await;
    let note = "a note long enough to pass the scanner's window";
    let details = [
        (format!("{{\n  \"note\": \"{note}\",\n  \"a\": 2\n}}"), true),
        (
            format!("{{\n  \"note\": \"{note}\",\n  \"a\": 1\n}}"),
            false,
        ),
        (
            format!("{{\"x\": \"v\" , \"note\": \"{note}\", \"a\": 2}}"),
            true,
        ),
        (
            format!("{{\r\n\t\"note\": \"{note}\",\r\n\t\"a\": 2\r\n}}"),
            true,
        ),
    ];
    let got = put_details_and_receive(&engine, details.iter().map(|d| d.0.as_str()), "hits").await;
    assert_eq!(got.len(), details.iter().filter(|d| d.1).count());
    for body in &got {
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["a"], 2, "{body}");
    }
}

/// Puts one event (source `shop`, type `t`) per detail, all accepted, and returns the
/// bodies of what then waits in `queue` (up to 10).
async fn put_details_and_receive<'d>(
    engine: &Engine,
    details: impl Iterator<Item = &'d str>,
    queue: &str,
) -> Vec<String> {
    let entries = details
        .map(|detail| Entry {
            source: Some("shop".into()),
            detail_type: Some("t".into()),
            detail: Some(detail.into()),
            ..Entry::default()
        })
        .collect();
    let outcomes = engine.put_events(entries).await.unwrap();
    assert!(outcomes
        .iter()
        .all(|o| matches!(o, EntryOutcome::Accepted(_))));
    let q = QueueName::parse(queue).unwrap();
    let got = engine
        .receive_messages(&q, receive(10), Some(0))
        .await
        .unwrap();
    got.into_iter().map(|m| m.message.body).collect()
}

/// A plain detail is matched by the reader that stops early, any other by the one that
/// reads it all: either way an event reaches the rules EventBridge would send it to (a
/// repeated key counts with its last value).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_and_other_details_route_alike() {
    let h = Harness::new("plain-details");
    let (engine, _writer) = h.open();
    let pattern = r#"{"detail":{"a":[2],"b":{"c":[{"exists":false}]}}}"#;
    detail_to_queue(&engine, "a-is-2", pattern, "hits").await;
    let cases = [
        (r#"{"a":2,"z":[1,2,3]}"#, true),
        (r#"{"a":1,"z":{"a":2}}"#, false),
        (r#"{"a":1,"a":2}"#, true),
        (r#"{"a":2,"x":0,"a":1}"#, false),
        (r#"{"a":2,"b":{"c":1}}"#, false),
        (r#"{"a":2,"b":{"d":1,"d":2}}"#, true),
        (r#"{"a":2,"huge":1e400}"#, true),
    ];
    let mut bodies = put_details_and_receive(&engine, cases.iter().map(|c| c.0), "hits").await;
    let mut want: Vec<&str> = cases.iter().filter(|c| c.1).map(|c| c.0).collect();
    bodies.sort_unstable();
    want.sort_unstable();
    assert_eq!(bodies, want);
}
