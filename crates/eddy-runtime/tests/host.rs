//! The host against real processes, with the built-in python3 runtime (skipped when the
//! machine has no python3): warm reuse, the instance limit, timeouts, crashes, init errors,
//! and every line a handler prints landing in its invocation's log.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use eddy_model::function::{FunctionSpec, Invocation, InvokeFailure, RuntimeKind};
use eddy_runtime::{Host, HostConfig};

const APP: &str = r#"
import json, os, sys, time

def handler(event, context):
    action = event.get("action")
    if action == "lines":
        for i in range(event["n"]):
            print("line", i)
        sys.stderr.write("to stderr\n")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "crash":
        os._exit(7)
    if action == "fail":
        raise KeyError("missing")
    return {"pid": os.getpid(), "memory": context.memory_limit_in_mb}
"#;

fn python_missing() -> bool {
    std::process::Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
}

fn spec(dir: &Path, name: &str, handler: &str) -> FunctionSpec {
    FunctionSpec {
        name: name.to_owned(),
        arn: format!("arn:aws:lambda:us-east-1:000000000000:function:{name}"),
        version: "$LATEST".to_owned(),
        runtime: RuntimeKind::Python3,
        command: Vec::new(),
        code_dir: dir.display().to_string(),
        handler: handler.to_owned(),
        environment: BTreeMap::new(),
        timeout_ms: 3000,
        memory_mb: 128,
        max_instances: 2,
        min_warm: 0,
        idle_ms: 60_000,
        region: "us-east-1".to_owned(),
        endpoint_url: String::new(),
        revision: "1".to_owned(),
    }
}

fn call(payload: serde_json::Value) -> Invocation {
    Invocation {
        request_id: uuid(),
        payload: serde_json::to_vec(&payload).unwrap(),
        client_context: None,
        trace_id: None,
    }
}

fn uuid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "00000000-0000-0000-0000-{:012}",
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn setup() -> Option<(tempdir::Dir, Host)> {
    if python_missing() {
        eprintln!("python3 is not installed: skipped");
        return None;
    }
    let dir = tempdir::Dir::new();
    std::fs::create_dir_all(dir.path().join("code")).unwrap();
    std::fs::write(dir.path().join("code/app.py"), APP).unwrap();
    let host = Host::new(HostConfig::new(dir.path().join("work"))).unwrap();
    Some((dir, host))
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_reuse_logs_and_errors() {
    let Some((dir, host)) = setup() else { return };
    host.deploy(spec(&dir.path().join("code"), "f", "app.handler"));
    let first = host
        .invoke("f", call(serde_json::json!({})), false)
        .await
        .unwrap();
    assert!(first.init_duration_ms.is_some());
    assert!(first.log.contains("Init Duration"), "{}", first.log);
    let second = host
        .invoke("f", call(serde_json::json!({})), false)
        .await
        .unwrap();
    assert!(second.init_duration_ms.is_none());
    assert_eq!(json(&first.payload)["pid"], json(&second.payload)["pid"]);
    assert_eq!(json(&first.payload)["memory"], "128");

    // Every line printed before the answer is in the invocation's log, in order.
    let lines = host
        .invoke(
            "f",
            call(serde_json::json!({"action": "lines", "n": 2000})),
            false,
        )
        .await
        .unwrap();
    let printed: Vec<&str> = lines
        .log
        .lines()
        .filter(|l| l.starts_with("line "))
        .collect();
    assert_eq!(printed.len(), 2000);
    assert_eq!(printed[1999], "line 1999");
    assert!(lines.log.contains("to stderr"));
    assert!(lines
        .log
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .starts_with("REPORT RequestId:"));

    let failed = host
        .invoke("f", call(serde_json::json!({"action": "fail"})), false)
        .await
        .unwrap();
    assert_eq!(failed.error_type.as_deref(), Some("KeyError"));
    assert_eq!(json(&failed.payload)["errorType"], "KeyError");

    let stored = host.logs("f", 0, 100_000);
    assert!(stored.iter().any(|r| r.line == "line 1999"));
    assert_eq!(host.status("f").unwrap().instances, 1);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_timeout_crash_and_init_errors() {
    let Some((dir, host)) = setup() else { return };
    let mut one = spec(&dir.path().join("code"), "one", "app.handler");
    one.max_instances = 1;
    one.timeout_ms = 1000;
    host.deploy(one);
    let slow = {
        let host = host.clone();
        tokio::spawn(async move {
            host.invoke(
                "one",
                call(serde_json::json!({"action": "sleep", "seconds": 5})),
                false,
            )
            .await
        })
    };
    // The only instance is taken: a caller that may not wait is throttled.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while host.status("one").map(|s| s.busy + s.starting) != Some(1) {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        host.invoke("one", call(serde_json::json!({})), false).await,
        Err(InvokeFailure::Throttled)
    );
    // The slow one times out after 1 s and its instance is killed.
    let timed_out = slow.await.unwrap().unwrap();
    assert_eq!(timed_out.error_type.as_deref(), Some("Sandbox.Timedout"));
    assert!(timed_out.log.contains("Task timed out after 1.00 seconds"));
    // A caller that may wait gets the next instance.
    let after = host
        .invoke("one", call(serde_json::json!({})), true)
        .await
        .unwrap();
    assert!(after.error_type.is_none());
    let crashed = host
        .invoke("one", call(serde_json::json!({"action": "crash"})), true)
        .await
        .unwrap();
    assert_eq!(crashed.error_type.as_deref(), Some("Runtime.ExitError"));
    assert!(String::from_utf8_lossy(&crashed.payload).contains("exit status 7"));

    host.deploy(spec(&dir.path().join("code"), "bad", "nope.handler"));
    let bad = host
        .invoke("bad", call(serde_json::json!({})), false)
        .await
        .unwrap();
    assert_eq!(bad.error_type.as_deref(), Some("Runtime.ImportModuleError"));
    assert!(String::from_utf8_lossy(&bad.payload).contains("Unable to import module 'nope'"));
    assert_eq!(
        host.invoke("none", call(serde_json::json!({})), false)
            .await,
        Err(InvokeFailure::NotFound)
    );
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minimum_warm_instances_start_by_themselves_and_idle_ones_stop() {
    let Some((dir, host)) = setup() else { return };
    let mut warm = spec(&dir.path().join("code"), "warm", "app.handler");
    warm.min_warm = 1;
    warm.idle_ms = 0;
    host.deploy(warm);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    // Warm: one process, its init done and the instance back in the idle set.
    let idle = |s: eddy_runtime::FunctionStatus| s.instances == 1 && s.starting == 0 && s.busy == 0;
    while !host.status("warm").is_some_and(idle) {
        assert!(tokio::time::Instant::now() < deadline, "no warm instance");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The first invocation finds it warm.
    let first = host
        .invoke("warm", call(serde_json::json!({})), false)
        .await
        .unwrap();
    assert!(first.init_duration_ms.is_none(), "{}", first.log);
    // Without a minimum, an instance idle past its idle time stops.
    host.deploy(spec(&dir.path().join("code"), "cold", "app.handler"));
    let mut cold = spec(&dir.path().join("code"), "cold", "app.handler");
    cold.idle_ms = 50;
    host.deploy(cold);
    host.invoke("cold", call(serde_json::json!({})), false)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while host.status("cold").map(|s| s.instances) != Some(0) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the idle instance did not stop"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    host.shutdown().await;
}

/// A temporary directory removed on drop (no extra dependency).
mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!(
                "eddy-runtime-test-{}-{}",
                std::process::id(),
                super::uuid()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
