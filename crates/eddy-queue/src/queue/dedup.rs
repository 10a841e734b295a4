//! The FIFO deduplication window: a send whose deduplication id (in the queue, or in its message
//! group under `DeduplicationScope=messageGroup`) was accepted in the last five minutes is
//! acknowledged again without adding anything. Also the window of `ReceiveRequestAttemptId`s.

use std::collections::{HashMap, VecDeque};

use crate::receipt::Receipt;
use crate::Millis;

/// SQS's deduplication interval: five minutes.
pub const DEDUPLICATION_WINDOW: Millis = 5 * 60 * 1000;

/// A deduplication key: the group (under message-group scope) and the id.
pub(super) type DedupKey = (Option<String>, String);

/// What a duplicate send answers.
#[derive(Debug, Clone)]
pub(super) struct Original {
    pub at: Millis,
    pub seq: u64,
    pub message_id: String,
    pub sequence_number: Option<String>,
}

/// Accepted deduplication ids, expiring in the order they were accepted.
#[derive(Debug, Default)]
pub(super) struct Dedup {
    entries: HashMap<DedupKey, Original>,
    order: VecDeque<(Millis, DedupKey)>,
}

impl Dedup {
    /// The original send of `key`, if it is still within the window at `now`.
    pub fn find(&mut self, key: &DedupKey, now: Millis) -> Option<&Original> {
        self.expire(now);
        self.entries
            .get(key)
            .filter(|o| now < o.at.saturating_add(DEDUPLICATION_WINDOW))
    }

    /// Records an accepted send.
    pub fn insert(&mut self, key: DedupKey, original: Original) {
        self.order.push_back((original.at, key.clone()));
        self.entries.insert(key, original);
    }

    /// Forgets `key` if it was recorded for `seq` (an aborted send).
    pub fn forget(&mut self, key: &DedupKey, seq: u64) {
        if self.entries.get(key).is_some_and(|o| o.seq == seq) {
            self.entries.remove(key);
        }
    }

    fn expire(&mut self, now: Millis) {
        while let Some((at, _)) = self.order.front() {
            if now < at.saturating_add(DEDUPLICATION_WINDOW) {
                break;
            }
            if let Some((at, key)) = self.order.pop_front() {
                if self.entries.get(&key).is_some_and(|o| o.at == at) {
                    self.entries.remove(&key);
                }
            }
        }
    }
}

/// Receives made under a `ReceiveRequestAttemptId`, kept for the deduplication window.
#[derive(Debug, Default)]
pub(super) struct Attempts {
    entries: HashMap<String, (Millis, Vec<Receipt>)>,
    order: VecDeque<(Millis, String)>,
}

impl Attempts {
    /// The receipts an earlier receive under `id` returned, if within the window.
    pub fn find(&mut self, id: &str, now: Millis) -> Option<&[Receipt]> {
        self.expire(now);
        self.entries.get(id).map(|(_, r)| r.as_slice())
    }

    /// Records the receipts a receive under `id` returned.
    pub fn insert(&mut self, id: String, now: Millis, receipts: Vec<Receipt>) {
        self.order.push_back((now, id.clone()));
        self.entries.insert(id, (now, receipts));
    }

    fn expire(&mut self, now: Millis) {
        while let Some((at, _)) = self.order.front() {
            if now < at.saturating_add(DEDUPLICATION_WINDOW) {
                break;
            }
            if let Some((at, id)) = self.order.pop_front() {
                if self.entries.get(&id).is_some_and(|(t, _)| *t == at) {
                    self.entries.remove(&id);
                }
            }
        }
    }
}
