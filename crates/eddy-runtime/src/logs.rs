//! The log store: every line instances write (and the host writes about them), numbered,
//! kept in memory per function up to a bound, and broadcast to followers.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use eddy_model::function::{LogRecord, LogStream};
use tokio::sync::broadcast;

pub(crate) struct Logs {
    seq: AtomicU64,
    lines: Mutex<HashMap<String, VecDeque<LogRecord>>>,
    per_function: usize,
    tx: broadcast::Sender<LogRecord>,
}

impl Logs {
    pub(crate) fn new(per_function: usize) -> Logs {
        let (tx, _) = broadcast::channel(4096);
        Logs {
            seq: AtomicU64::new(0),
            lines: Mutex::new(HashMap::new()),
            per_function: per_function.max(1),
            tx,
        }
    }

    /// Stores one line and hands it to followers.
    pub(crate) fn push(
        &self,
        function: &str,
        instance: &str,
        request_id: Option<String>,
        stream: LogStream,
        line: String,
    ) {
        let time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let record = {
            let mut lines = self
                .lines
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let record = LogRecord {
                // Numbered under the lock, so each function's lines are in order.
                seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
                time_ms,
                function: function.to_owned(),
                instance: instance.to_owned(),
                request_id,
                stream,
                line,
            };
            let kept = lines.entry(function.to_owned()).or_default();
            if kept.len() == self.per_function {
                kept.pop_front();
            }
            kept.push_back(record.clone());
            record
        };
        let _ = self.tx.send(record);
    }

    /// Lines of a function numbered after `after`, oldest first, at most `limit`.
    pub(crate) fn read(&self, function: &str, after: u64, limit: usize) -> Vec<LogRecord> {
        let lines = self
            .lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(kept) = lines.get(function) else {
            return Vec::new();
        };
        let start = kept.partition_point(|r| r.seq <= after);
        kept.range(start..).take(limit).cloned().collect()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<LogRecord> {
        self.tx.subscribe()
    }

    pub(crate) fn forget(&self, function: &str) {
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(function);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_lines_in_order() {
        let logs = Logs::new(3);
        for i in 0..5 {
            logs.push("f", "i", None, LogStream::Stdout, format!("line {i}"));
            logs.push("g", "i", None, LogStream::Stdout, format!("other {i}"));
        }
        let lines: Vec<String> = logs.read("f", 0, 10).into_iter().map(|r| r.line).collect();
        assert_eq!(lines, ["line 2", "line 3", "line 4"]);
        let after = logs.read("f", 0, 10)[0].seq;
        assert_eq!(logs.read("f", after, 1)[0].line, "line 3");
        assert!(logs.read("h", 0, 10).is_empty());
    }
}
