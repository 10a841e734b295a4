//! [`Queue`]: one SQS queue's messages and what sends, receives, deletes, visibility changes,
//! purges and retention do to them. Each call records the [`Change`]s the engine must persist.

mod dedup;
mod index;
mod receive;

#[cfg(test)]
mod fifo_tests;
#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use dedup::DEDUPLICATION_WINDOW;
pub use receive::{Receive, ReceiveRequest, Received};

use crate::config::{DeduplicationScope, QueueConfig};
use crate::digest::sha256_hex;
use crate::message::{self, Millis, NewMessage, Sent, StoredMessage};
use crate::receipt::Receipt;
use crate::Error;
use dedup::{Attempts, Dedup, DedupKey, Original};
use index::{group_key, Group};

/// Longest visibility timeout, and the cap on a message's total visibility per receive: 12 hours.
pub const MAX_VISIBILITY_TIMEOUT: u32 = 43_200;

/// What the engine must persist after a call, in order.
// `Put` is as common as the others (every send), so boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Store a new message (a send, still pending until `commit_send`, or a moved message).
    Put(StoredMessage),
    /// A message's receive state changed.
    Update {
        /// The message.
        seq: u64,
        /// Its new `visible_at`.
        visible_at: Millis,
        /// Its new receive count.
        receive_count: u32,
        /// Its first receive time.
        first_received_at: Option<Millis>,
    },
    /// The message is gone (deleted, expired, purged, dead-lettered or moved).
    Delete {
        /// The message.
        seq: u64,
    },
}

/// `ApproximateNumberOfMessages*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Visible messages (`ApproximateNumberOfMessages`).
    pub visible: u64,
    /// In-flight messages (`ApproximateNumberOfMessagesNotVisible`).
    pub not_visible: u64,
    /// Delayed messages (`ApproximateNumberOfMessagesDelayed`).
    pub delayed: u64,
}

/// One queue's state.
#[derive(Debug)]
pub struct Queue {
    name: String,
    arn: String,
    config: QueueConfig,
    next_seq: u64,
    /// The latest `now` seen (for `commit_send`, which is given none).
    clock: Millis,
    /// Committed messages. Boxed: a backlog of millions makes the table grow by doubling,
    /// and moving 16-byte entries instead of whole messages keeps that cheap.
    slots: HashMap<u64, Box<StoredMessage>>,
    /// Sent but not yet committed.
    pending: HashMap<u64, Box<StoredMessage>>,
    /// Standard queues: visible messages by seq.
    ready: BTreeSet<u64>,
    /// Delayed and in-flight messages by `(visible_at, seq)`.
    timed: BTreeSet<(Millis, u64)>,
    /// How many of `timed` are in flight (the rest are delayed).
    timed_inflight: usize,
    /// Every committed message by `(sent_at, seq)`, for retention.
    by_sent: BTreeSet<(Millis, u64)>,
    /// FIFO message groups.
    groups: HashMap<String, Group>,
    /// FIFO groups that can be received from, by their first message's seq.
    ready_groups: BTreeMap<u64, String>,
    dedup: Dedup,
    attempts: Attempts,
    changes: Vec<Change>,
}

impl Queue {
    /// An empty queue named `name` (receipt handles are bound to it) with ARN `arn` (recorded
    /// as `DeadLetterQueueSourceArn` on the messages it dead-letters).
    pub fn new(name: &str, arn: &str, config: QueueConfig) -> Self {
        Queue {
            name: name.to_string(),
            arn: arn.to_string(),
            config,
            next_seq: 1,
            clock: 0,
            slots: HashMap::new(),
            pending: HashMap::new(),
            ready: BTreeSet::new(),
            timed: BTreeSet::new(),
            timed_inflight: 0,
            by_sent: BTreeSet::new(),
            groups: HashMap::new(),
            ready_groups: BTreeMap::new(),
            dedup: Dedup::default(),
            attempts: Attempts::default(),
            changes: Vec::new(),
        }
    }

    /// The queue's attributes.
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// The queue's attributes, to change them (`fifo` must not change).
    pub fn config_mut(&mut self) -> &mut QueueConfig {
        &mut self.config
    }

    /// Replaces the state with stored messages after a restart. Messages in flight stay in
    /// flight until their `visible_at`; deduplication ids of the messages sent within the window
    /// are remembered again (those of messages already deleted are not).
    pub fn restore(&mut self, messages: Vec<StoredMessage>, now: Millis) {
        let config = self.config.clone();
        let (name, arn) = (
            std::mem::take(&mut self.name),
            std::mem::take(&mut self.arn),
        );
        *self = Queue::new(&name, &arn, config);
        self.clock = now;
        let mut messages = messages;
        messages.sort_by_key(|m| m.seq);
        for m in messages {
            self.next_seq = self.next_seq.max(m.seq.saturating_add(1));
            if self.config.fifo && now < m.sent_at.saturating_add(DEDUPLICATION_WINDOW) {
                if let Some(id) = &m.deduplication_id {
                    let key = self.dedup_key(m.group_id.as_deref(), id);
                    if self.dedup.find(&key, now).is_none() {
                        self.dedup.insert(key, original(&m));
                    }
                }
            }
            self.insert_committed(Box::new(m), now);
        }
    }

    /// Validates and accepts a message. The message is pending — invisible to receives and
    /// counts — until [`Queue::commit_send`]; [`Queue::abort_send`] forgets it. On a FIFO queue a
    /// deduplication id seen within five minutes returns the first message's id and sequence
    /// number with `duplicate: true` and adds nothing.
    pub fn send(&mut self, msg: NewMessage, now: Millis) -> Result<Sent, Error> {
        self.clock = self.clock.max(now);
        let dedup_id = self.check_send(&msg)?;
        let key = dedup_id
            .as_ref()
            .map(|id| self.dedup_key(msg.group_id.as_deref(), id));
        if let Some(key) = &key {
            if let Some(o) = self.dedup.find(key, now) {
                return Ok(Sent {
                    seq: o.seq,
                    message_id: o.message_id.clone(),
                    sequence_number: o.sequence_number.clone(),
                    duplicate: true,
                });
            }
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        let delay = if self.config.fifo {
            self.config.delay_seconds
        } else {
            msg.delay_seconds.unwrap_or(self.config.delay_seconds)
        };
        let sequence_number = self.config.fifo.then(|| format!("{seq:020}"));
        let stored = StoredMessage {
            seq,
            message_id: msg.message_id,
            body: msg.body,
            attributes: msg.attributes,
            system_attributes: msg.system_attributes,
            group_id: msg.group_id,
            deduplication_id: dedup_id,
            sequence_number: sequence_number.clone(),
            sender_id: msg.sender_id,
            sent_at: now,
            visible_at: now.saturating_add(u64::from(delay) * 1000),
            receive_count: 0,
            first_received_at: None,
            dead_letter_source_arn: None,
        };
        if let Some(key) = key {
            self.dedup.insert(key, original(&stored));
        }
        let sent = Sent {
            seq,
            message_id: stored.message_id.clone(),
            sequence_number,
            duplicate: false,
        };
        self.changes.push(Change::Put(stored.clone()));
        self.pending.insert(seq, Box::new(stored));
        Ok(sent)
    }

    /// Checks a send as SQS does; returns the deduplication id (FIFO: explicit, or the body's
    /// SHA-256 under content-based deduplication).
    fn check_send(&self, msg: &NewMessage) -> Result<Option<String>, Error> {
        message::check_body(&msg.body)?;
        if let Some(group) = &msg.group_id {
            message::check_fifo_id(group, "MessageGroupId")?;
        }
        if let Some(id) = &msg.deduplication_id {
            message::check_fifo_id(id, "MessageDeduplicationId")?;
        }
        let dedup_id = if self.config.fifo {
            if msg.group_id.is_none() {
                return Err(Error::MissingParameter(
                    "The request must contain the parameter MessageGroupId.".into(),
                ));
            }
            match (&msg.deduplication_id, self.config.content_based_deduplication) {
                (Some(id), _) => Some(id.clone()),
                (None, true) => Some(sha256_hex(msg.body.as_bytes())),
                (None, false) => {
                    return Err(Error::InvalidParameterValue(
                        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly".into(),
                    ))
                }
            }
        } else {
            if let Some(id) = &msg.deduplication_id {
                return Err(Error::invalid_value(
                    id,
                    "MessageDeduplicationId",
                    "The request includes a parameter that is not valid for this queue type.",
                ));
            }
            None
        };
        match msg.delay_seconds {
            Some(d) if d > 0 && self.config.fifo => {
                return Err(Error::invalid_value(
                    d,
                    "DelaySeconds",
                    "The request include parameter that is not valid for this queue type.",
                ))
            }
            Some(d) if d > 900 => {
                return Err(Error::invalid_value(
                    d,
                    "DelaySeconds",
                    "DelaySeconds must be >= 0 and <= 900.",
                ))
            }
            _ => {}
        }
        message::check_attributes(&msg.attributes)?;
        message::check_system_attributes(&msg.system_attributes)?;
        let size = message::message_size(&msg.body, &msg.attributes);
        if size > self.config.maximum_message_size as usize {
            return Err(Error::InvalidParameterValue(format!(
                "One or more parameters are invalid. Reason: Message must be shorter than {} bytes.",
                self.config.maximum_message_size
            )));
        }
        Ok(dedup_id)
    }

    fn dedup_key(&self, group: Option<&str>, id: &str) -> DedupKey {
        let group = match self.config.deduplication_scope {
            DeduplicationScope::MessageGroup => group.map(str::to_string),
            DeduplicationScope::Queue => None,
        };
        (group, id.to_string())
    }

    /// Makes a pending message receivable (the engine has made it durable). Unknown seqs are
    /// ignored.
    pub fn commit_send(&mut self, seq: u64) {
        if let Some(m) = self.pending.remove(&seq) {
            let now = self.clock;
            self.insert_committed(m, now);
        }
    }

    /// Forgets a pending message and its deduplication id (persisting it failed).
    pub fn abort_send(&mut self, seq: u64) {
        if let Some(m) = self.pending.remove(&seq) {
            if let Some(id) = &m.deduplication_id {
                let key = self.dedup_key(m.group_id.as_deref(), id);
                self.dedup.forget(&key, seq);
            }
        }
    }

    /// `DeleteMessage`. A malformed handle, or one of another queue, is `ReceiptHandleIsInvalid`;
    /// a message already gone is success. On a standard queue an older handle of the message
    /// still deletes it (SQS: "the request succeeds, but the message might not be deleted"); on a
    /// FIFO queue only the current handle of a message still in flight does, else the handle
    /// "has expired".
    pub fn delete(&mut self, receipt_handle: &str, now: Millis) -> Result<(), Error> {
        let receipt = self.parse_receipt(receipt_handle)?;
        self.advance(now);
        let Some(m) = self.slots.get(&receipt.seq) else {
            return Ok(());
        };
        if receipt.receive_count > m.receive_count {
            return Err(invalid_handle(receipt_handle));
        }
        if self.config.fifo && (receipt.receive_count != m.receive_count || !self.in_flight(m, now))
        {
            return Err(Error::invalid_value(
                receipt_handle,
                "ReceiptHandle",
                "The receipt handle has expired.",
            ));
        }
        self.remove_message(receipt.seq, now);
        Ok(())
    }

    /// `ChangeMessageVisibility`: the message becomes visible `timeout` seconds from `now`. The
    /// handle must be the message's current one and the message in flight (else
    /// `MessageNotInflight`); the total visibility since that receive may not pass 12 hours.
    pub fn change_visibility(
        &mut self,
        receipt_handle: &str,
        timeout: u32,
        now: Millis,
    ) -> Result<(), Error> {
        let receipt = self.parse_receipt(receipt_handle)?;
        if timeout > MAX_VISIBILITY_TIMEOUT {
            return Err(Error::invalid_value(
                timeout,
                "VisibilityTimeout",
                "Must be between 0 and 43200, if provided.",
            ));
        }
        self.advance(now);
        let Some(m) = self.slots.get(&receipt.seq) else {
            return Err(Error::invalid_value(
                receipt_handle,
                "ReceiptHandle",
                "Message does not exist or is not available for visibility timeout change.",
            ));
        };
        if receipt.receive_count > m.receive_count {
            return Err(invalid_handle(receipt_handle));
        }
        if receipt.receive_count != m.receive_count || !self.in_flight(m, now) {
            return Err(Error::MessageNotInflight);
        }
        let until = now.saturating_add(u64::from(timeout) * 1000);
        if until.saturating_sub(receipt.received_at) > u64::from(MAX_VISIBILITY_TIMEOUT) * 1000 {
            return Err(Error::invalid_value(
                timeout,
                "VisibilityTimeout",
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
            ));
        }
        self.set_visible_at(receipt.seq, until, now);
        Ok(())
    }

    /// Moves a committed message's `visible_at`, re-indexes it and records the update.
    fn set_visible_at(&mut self, seq: u64, visible_at: Millis, now: Millis) {
        self.unplace(seq);
        let Some(m) = self.slots.get_mut(&seq) else {
            return;
        };
        m.visible_at = visible_at;
        self.changes.push(Change::Update {
            seq,
            visible_at,
            receive_count: m.receive_count,
            first_received_at: m.first_received_at,
        });
        let gid = self.config.fifo.then(|| group_key(m).to_string());
        self.place(seq, now);
        if let Some(gid) = gid {
            self.refresh_group(&gid, now);
        }
    }

    fn parse_receipt(&self, handle: &str) -> Result<Receipt, Error> {
        Receipt::parse(handle, &self.name).ok_or_else(|| invalid_handle(handle))
    }

    /// `PurgeQueue`: deletes every committed message (pending sends survive).
    pub fn purge(&mut self) {
        let mut seqs: Vec<u64> = self.slots.keys().copied().collect();
        seqs.sort_unstable();
        self.changes
            .extend(seqs.into_iter().map(|seq| Change::Delete { seq }));
        self.slots.clear();
        self.ready.clear();
        self.timed.clear();
        self.timed_inflight = 0;
        self.by_sent.clear();
        self.groups.clear();
        self.ready_groups.clear();
    }

    /// Deletes the messages sent `MessageRetentionPeriod` or longer ago, in flight or not.
    pub fn expire(&mut self, now: Millis) {
        self.advance(now);
        let retention = u64::from(self.config.message_retention_period) * 1000;
        while let Some(&(sent_at, seq)) = self.by_sent.first() {
            if sent_at.saturating_add(retention) > now {
                break;
            }
            if self.remove_message(seq, now).is_none() {
                self.by_sent.remove(&(sent_at, seq));
            }
        }
    }

    /// The approximate counts at `now`.
    pub fn counts(&self, now: Millis) -> Counts {
        let (mut matured_inflight, mut matured_delayed) = (0usize, 0usize);
        for (_, seq) in self.timed.range(..=(now, u64::MAX)) {
            match self.slots.get(seq) {
                Some(m) if m.receive_count > 0 => matured_inflight += 1,
                _ => matured_delayed += 1,
            }
        }
        let timed_delayed = self.timed.len().saturating_sub(self.timed_inflight);
        let visible =
            self.slots.len().saturating_sub(self.timed.len()) + matured_inflight + matured_delayed;
        Counts {
            visible: visible as u64,
            not_visible: self.timed_inflight.saturating_sub(matured_inflight) as u64,
            delayed: timed_delayed.saturating_sub(matured_delayed) as u64,
        }
    }

    /// The earliest time after `now` at which a message becomes visible or expires — when long
    /// polls and timers should look again. A time `<= now` means an expiry is already due (call
    /// [`Queue::expire`]). `None` when nothing is waiting.
    pub fn next_change(&self, now: Millis) -> Option<Millis> {
        let visible = self
            .timed
            .range((now.saturating_add(1), 0)..)
            .next()
            .map(|&(t, _)| t);
        let retention = u64::from(self.config.message_retention_period) * 1000;
        let expiry = self
            .by_sent
            .first()
            .map(|&(sent_at, _)| sent_at.saturating_add(retention));
        match (visible, expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes up to `max` visible messages, oldest first (`StartMessageMoveTask` from a
    /// dead-letter queue; the engine passes them to the destination's [`Queue::accept_moved`]).
    pub fn take_for_move(&mut self, max: usize, now: Millis) -> Vec<StoredMessage> {
        self.advance(now);
        let mut out = Vec::new();
        while out.len() < max {
            let next = if self.config.fifo {
                self.ready_groups.first_key_value().map(|(&seq, _)| seq)
            } else {
                self.ready.first().copied()
            };
            let Some(seq) = next else { break };
            match self.remove_message(seq, now) {
                Some(m) => out.push(m),
                None => break,
            }
        }
        out
    }

    /// Adds a message moved from another queue (dead-lettered into this one, or moved back by a
    /// move task): a new seq (and sequence number on FIFO), visible now, receive count reset;
    /// id, body, attributes and `sent_at` kept. No deduplication applies. Records a `Put`.
    pub fn accept_moved(&mut self, mut msg: StoredMessage, now: Millis) -> u64 {
        self.clock = self.clock.max(now);
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        msg.seq = seq;
        msg.visible_at = now;
        msg.receive_count = 0;
        msg.first_received_at = None;
        msg.sequence_number = self.config.fifo.then(|| format!("{seq:020}"));
        if self.config.fifo && msg.group_id.is_none() {
            msg.group_id = Some(String::new());
        }
        self.changes.push(Change::Put(msg.clone()));
        self.insert_committed(Box::new(msg), now);
        seq
    }

    /// Drains the changes recorded since the last call, in order.
    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    /// How many committed messages the queue holds (pending sends not included).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the queue holds no committed message.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

fn original(m: &StoredMessage) -> Original {
    Original {
        at: m.sent_at,
        seq: m.seq,
        message_id: m.message_id.clone(),
        sequence_number: m.sequence_number.clone(),
    }
}

fn invalid_handle(handle: &str) -> Error {
    Error::ReceiptHandleIsInvalid(format!(
        "The input receipt handle \"{handle}\" is not a valid receipt handle."
    ))
}
