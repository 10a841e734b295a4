//! The indexes over a queue's committed messages and the moves between them.
//!
//! A committed message is either *timed* (in `timed`, keyed by `(visible_at, seq)`: delayed if
//! never received, in flight otherwise) or *visible*. Visible messages of a standard queue sit in
//! `ready` (by seq, so the oldest comes first); a FIFO queue keeps every message in its group's
//! ordered set and lists the groups that can be received from in `ready_groups`, keyed by their
//! first message. Every mutation of `visible_at` happens between [`Queue::unplace`] and
//! [`Queue::place`], so a message is in `timed` under exactly its current `visible_at`.

use std::collections::BTreeSet;

use super::Queue;
use crate::{Change, Millis, StoredMessage};

/// One FIFO message group.
#[derive(Debug, Default)]
pub(super) struct Group {
    /// The group's committed messages, in send order.
    pub seqs: BTreeSet<u64>,
    /// How many of them are in flight; the group is blocked while any is.
    pub inflight: u32,
    /// Its key in `ready_groups` while it is there.
    pub ready_key: Option<u64>,
}

impl Queue {
    /// Indexes the committed message `seq` as timed or visible, as of `now`.
    pub(super) fn place(&mut self, seq: u64, now: Millis) {
        let Some(m) = self.slots.get(&seq) else {
            return;
        };
        if m.visible_at > now {
            self.timed.insert((m.visible_at, seq));
            if m.receive_count > 0 {
                self.timed_inflight += 1;
                if let Some(g) = self.groups.get_mut(group_key(m)) {
                    g.inflight += 1;
                }
            }
        } else if !self.config.fifo {
            self.ready.insert(seq);
        }
    }

    /// Takes `seq` out of the timed or visible index (not out of its group).
    pub(super) fn unplace(&mut self, seq: u64) {
        let Some(m) = self.slots.get(&seq) else {
            return;
        };
        if self.timed.remove(&(m.visible_at, seq)) {
            if m.receive_count > 0 {
                self.timed_inflight = self.timed_inflight.saturating_sub(1);
                if let Some(g) = self.groups.get_mut(group_key(m)) {
                    g.inflight = g.inflight.saturating_sub(1);
                }
            }
        } else {
            self.ready.remove(&seq);
        }
    }

    /// Adds a message to the committed set and its indexes (no change is recorded).
    pub(super) fn insert_committed(&mut self, m: Box<StoredMessage>, now: Millis) {
        let seq = m.seq;
        self.by_sent.insert((m.sent_at, seq));
        let gid = self.config.fifo.then(|| group_key(&m).to_string());
        if let Some(gid) = &gid {
            self.groups.entry(gid.clone()).or_default().seqs.insert(seq);
        }
        self.slots.insert(seq, m);
        self.place(seq, now);
        if let Some(gid) = gid {
            self.refresh_group(&gid, now);
        }
    }

    /// Makes every timed message whose time has come visible.
    pub(super) fn advance(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        while let Some(&(at, seq)) = self.timed.first() {
            if at > now {
                break;
            }
            self.timed.pop_first();
            let Some(m) = self.slots.get(&seq) else {
                continue;
            };
            let was_inflight = m.receive_count > 0;
            if was_inflight {
                self.timed_inflight = self.timed_inflight.saturating_sub(1);
            }
            if self.config.fifo {
                let gid = group_key(m).to_string();
                if was_inflight {
                    if let Some(g) = self.groups.get_mut(&gid) {
                        g.inflight = g.inflight.saturating_sub(1);
                    }
                }
                self.refresh_group(&gid, now);
            } else {
                self.ready.insert(seq);
            }
        }
    }

    /// Removes a committed message from everything and records its deletion. FIFO callers
    /// refresh its group afterwards.
    pub(super) fn detach(&mut self, seq: u64) -> Option<StoredMessage> {
        self.unplace(seq);
        let m = *self.slots.remove(&seq)?;
        self.by_sent.remove(&(m.sent_at, seq));
        if self.config.fifo {
            if let Some(g) = self.groups.get_mut(group_key(&m)) {
                g.seqs.remove(&seq);
            }
        }
        self.changes.push(Change::Delete { seq });
        Some(m)
    }

    /// [`Queue::detach`], then the group's readiness is brought up to date.
    pub(super) fn remove_message(&mut self, seq: u64, now: Millis) -> Option<StoredMessage> {
        let m = self.detach(seq)?;
        if self.config.fifo {
            self.refresh_group(group_key(&m), now);
        }
        Some(m)
    }

    /// Lists the group in `ready_groups` iff nothing of it is in flight and its first message is
    /// visible; forgets it when it is empty.
    pub(super) fn refresh_group(&mut self, gid: &str, now: Millis) {
        let Some(g) = self.groups.get_mut(gid) else {
            return;
        };
        if let Some(key) = g.ready_key.take() {
            self.ready_groups.remove(&key);
        }
        if g.seqs.is_empty() && g.inflight == 0 {
            self.groups.remove(gid);
            return;
        }
        if g.inflight > 0 {
            return;
        }
        let Some(&head) = g.seqs.first() else { return };
        let visible = self.slots.get(&head).is_some_and(|m| m.visible_at <= now);
        if visible {
            g.ready_key = Some(head);
            self.ready_groups.insert(head, gid.to_string());
        }
    }

    /// Whether `m` is in flight (received and not yet visible again).
    pub(super) fn in_flight(&self, m: &StoredMessage, now: Millis) -> bool {
        m.receive_count > 0 && m.visible_at > now
    }
}

/// The group a FIFO message belongs to (`""` for none, which only a damaged store could give).
pub(super) fn group_key(m: &StoredMessage) -> &str {
    m.group_id.as_deref().unwrap_or("")
}
