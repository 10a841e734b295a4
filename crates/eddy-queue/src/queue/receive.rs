//! `ReceiveMessage`: taking visible messages (oldest first on standard queues; group by group,
//! in order, on FIFO queues), dead-lettering those received too often, and replaying a FIFO
//! receive retried with the same `ReceiveRequestAttemptId`.

use super::index::group_key;
use super::{Queue, MAX_VISIBILITY_TIMEOUT};
use crate::digest::{md5_of_attributes, md5_of_body};
use crate::message::{check_fifo_id, Millis, StoredMessage};
use crate::receipt::Receipt;
use crate::{Change, Error};

/// A `ReceiveMessage` request's parameters that concern the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveRequest {
    /// `MaxNumberOfMessages`, 1..=10.
    pub max_messages: u32,
    /// `VisibilityTimeout` for the received messages (default: the queue's).
    pub visibility_timeout: Option<u32>,
    /// `ReceiveRequestAttemptId` (FIFO queues; ignored on standard queues).
    pub receive_request_attempt_id: Option<String>,
}

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The message, with its updated receive count and first receive time.
    pub message: StoredMessage,
    /// The receipt handle of this receive.
    pub receipt_handle: String,
    /// `MD5OfBody`.
    pub md5_of_body: String,
    /// `MD5OfMessageAttributes` over all the message's attributes (when a receive returns only
    /// some, digest those with [`crate::md5_of_attribute_refs`]).
    pub md5_of_message_attributes: Option<String>,
}

/// The outcome of a receive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Receive {
    /// The received messages.
    pub messages: Vec<Received>,
    /// Messages removed from this queue because one more receive would pass the redrive
    /// policy's `maxReceiveCount`, with `dead_letter_source_arn` set; the engine sends them to
    /// the dead-letter queue.
    pub dead_lettered: Vec<StoredMessage>,
}

impl Queue {
    /// `ReceiveMessage` at `now`: up to `max_messages` visible messages, each now in flight for
    /// the visibility timeout with a fresh receipt handle. An empty result is not an error (the
    /// engine long-polls with [`Queue::next_change`]).
    pub fn receive(&mut self, req: &ReceiveRequest, now: Millis) -> Result<Receive, Error> {
        if !(1..=10).contains(&req.max_messages) {
            return Err(Error::invalid_value(
                req.max_messages,
                "MaxNumberOfMessages",
                "Must be between 1 and 10, if provided.",
            ));
        }
        let timeout = req
            .visibility_timeout
            .unwrap_or(self.config.visibility_timeout);
        if timeout > MAX_VISIBILITY_TIMEOUT {
            return Err(Error::invalid_value(
                timeout,
                "VisibilityTimeout",
                "Must be between 0 and 43200, if provided.",
            ));
        }
        let attempt_id = match &req.receive_request_attempt_id {
            Some(id) if self.config.fifo => {
                check_fifo_id(id, "ReceiveRequestAttemptId")?;
                Some(id.as_str())
            }
            _ => None,
        };
        self.expire(now);
        let visible_until = now.saturating_add(u64::from(timeout) * 1000);
        if let Some(id) = attempt_id {
            if let Some(again) = self.replay(id, visible_until, now) {
                return Ok(again);
            }
        }
        let max = req.max_messages as usize;
        let out = if self.config.fifo {
            self.receive_fifo(max, visible_until, now)
        } else {
            self.receive_standard(max, visible_until, now)
        };
        if let Some(id) = attempt_id {
            if !out.messages.is_empty() {
                let receipts = out
                    .messages
                    .iter()
                    .map(|r| Receipt {
                        seq: r.message.seq,
                        receive_count: r.message.receive_count,
                        received_at: now,
                    })
                    .collect();
                self.attempts.insert(id.to_string(), now, receipts);
            }
        }
        Ok(out)
    }

    fn receive_standard(&mut self, max: usize, visible_until: Millis, now: Millis) -> Receive {
        let mut out = Receive::default();
        let mut cursor = 0u64;
        while out.messages.len() < max {
            let Some(&seq) = self.ready.range(cursor..).next() else {
                break;
            };
            cursor = seq.saturating_add(1);
            if self.should_dead_letter(seq) {
                if let Some(m) = self.dead_letter(seq) {
                    out.dead_lettered.push(m);
                }
                continue;
            }
            if let Some(r) = self.mark_received(seq, visible_until, now) {
                out.messages.push(r);
            }
        }
        out
    }

    /// Takes groups in the order of their oldest message; from each, as many messages in order
    /// as are visible and wanted. A group is visited once per call.
    fn receive_fifo(&mut self, max: usize, visible_until: Millis, now: Millis) -> Receive {
        let mut out = Receive::default();
        let mut visited = Vec::new();
        while out.messages.len() < max {
            let Some((_, gid)) = self.ready_groups.pop_first() else {
                break;
            };
            if let Some(g) = self.groups.get_mut(&gid) {
                g.ready_key = None;
            }
            let mut cursor = 0u64;
            while out.messages.len() < max {
                let next = self
                    .groups
                    .get(&gid)
                    .and_then(|g| g.seqs.range(cursor..).next().copied());
                let Some(seq) = next else { break };
                cursor = seq.saturating_add(1);
                let Some(m) = self.slots.get(&seq) else { break };
                if m.visible_at > now {
                    break;
                }
                if self.should_dead_letter(seq) {
                    if let Some(m) = self.dead_letter(seq) {
                        out.dead_lettered.push(m);
                    }
                    continue;
                }
                if let Some(r) = self.mark_received(seq, visible_until, now) {
                    out.messages.push(r);
                }
            }
            visited.push(gid);
        }
        for gid in visited {
            self.refresh_group(&gid, now);
        }
        out
    }

    fn should_dead_letter(&self, seq: u64) -> bool {
        match (&self.config.redrive_policy, self.slots.get(&seq)) {
            (Some(policy), Some(m)) => m.receive_count >= policy.max_receive_count,
            _ => false,
        }
    }

    fn dead_letter(&mut self, seq: u64) -> Option<StoredMessage> {
        let mut m = self.detach(seq)?;
        m.dead_letter_source_arn = Some(self.arn.clone());
        Some(m)
    }

    /// Counts a receive of the visible message `seq` and puts it in flight until `visible_until`.
    fn mark_received(&mut self, seq: u64, visible_until: Millis, now: Millis) -> Option<Received> {
        self.unplace(seq);
        let m = self.slots.get_mut(&seq)?;
        m.receive_count = m.receive_count.saturating_add(1);
        m.first_received_at.get_or_insert(now);
        m.visible_at = visible_until;
        self.changes.push(Change::Update {
            seq,
            visible_at: m.visible_at,
            receive_count: m.receive_count,
            first_received_at: m.first_received_at,
        });
        let receipt = Receipt {
            seq,
            receive_count: m.receive_count,
            received_at: now,
        };
        let received = self.received(seq, receipt);
        self.place(seq, now);
        received
    }

    fn received(&self, seq: u64, receipt: Receipt) -> Option<Received> {
        let m = self.slots.get(&seq)?;
        Some(Received {
            receipt_handle: receipt.encode(&self.name),
            md5_of_body: md5_of_body(&m.body),
            md5_of_message_attributes: md5_of_attributes(&m.attributes),
            message: StoredMessage::clone(m),
        })
    }

    /// A retry under the same attempt id within the window returns the same messages and
    /// handles, with the visibility timeout reset, if all of them are still in flight under
    /// those handles; otherwise the retry is a new receive.
    fn replay(&mut self, id: &str, visible_until: Millis, now: Millis) -> Option<Receive> {
        let receipts = self.attempts.find(id, now)?.to_vec();
        let unchanged = receipts.iter().all(|r| {
            self.slots
                .get(&r.seq)
                .is_some_and(|m| m.receive_count == r.receive_count && self.in_flight(m, now))
        });
        if !unchanged {
            return None;
        }
        let mut out = Receive::default();
        let mut gids = Vec::new();
        for r in &receipts {
            self.unplace(r.seq);
            if let Some(m) = self.slots.get_mut(&r.seq) {
                m.visible_at = visible_until;
                self.changes.push(Change::Update {
                    seq: r.seq,
                    visible_at: m.visible_at,
                    receive_count: m.receive_count,
                    first_received_at: m.first_received_at,
                });
                gids.push(group_key(m).to_string());
            }
            self.place(r.seq, now);
            out.messages.extend(self.received(r.seq, *r));
        }
        for gid in gids {
            self.refresh_group(&gid, now);
        }
        Some(out)
    }
}
