//! Queues: SQS semantics from `eddy-queue`, made durable and awake. Each queue sits behind
//! its own lock; a message becomes receivable only once it is committed; receivers that
//! long-poll sleep on the queue's `Notify` and on its next timer, never in a polling loop.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use eddy_model::arn::{Arn, Scope};
use eddy_model::names::QueueName;
use eddy_queue::{
    Change, NewMessage, Queue, QueueConfig, Receive, ReceiveRequest, Received, Sent, StoredMessage,
};
use eddy_store::{MessageState, Op, ResourceKind};
use tokio::sync::Notify;

use crate::error::{Error, Kind};
use crate::resources::{QueueDef, Tags};
use crate::Engine;

/// The sender id Eddy puts on messages (there is no IAM principal in local mode).
pub const SENDER_ID: &str = "AIDAEDDYLOCALSENDER";

/// Longest long poll, as SQS allows.
pub const MAX_WAIT_SECONDS: u32 = 20;

/// One queue: its SQS state, its definition and the receivers waiting on it.
pub struct QueueCell {
    pub(crate) name: QueueName,
    pub(crate) arn: String,
    state: Mutex<Queue>,
    def: Mutex<QueueDef>,
    notify: Notify,
}

impl QueueCell {
    pub(crate) fn from_def(scope: &Scope, def: QueueDef) -> Result<QueueCell, Error> {
        let name = QueueName::parse(&def.name)?;
        let arn = scope.queue_arn(&name);
        let mut config = QueueConfig::new(name.is_fifo());
        config.apply(&def.attributes, true)?;
        Ok(QueueCell {
            state: Mutex::new(Queue::new(name.as_str(), &arn, config)),
            name,
            arn,
            def: Mutex::new(def),
            notify: Notify::new(),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Queue> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn def(&self) -> MutexGuard<'_, QueueDef> {
        self.def
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes committed sends receivable and wakes the receivers.
    fn finish_sends(&self, seqs: &[u64], committed: bool) {
        {
            let mut queue = self.lock();
            for &seq in seqs {
                if committed {
                    queue.commit_send(seq);
                } else {
                    queue.abort_send(seq);
                }
            }
        }
        if committed {
            self.notify.notify_waiters();
        }
    }
}

/// Store operations for a queue's changes.
pub(crate) fn ops_of(queue: &str, changes: Vec<Change>, ops: &mut Vec<Op>) {
    for change in changes {
        ops.push(match change {
            Change::Put(message) => {
                let state = MessageState {
                    visible_at: message.visible_at,
                    receive_count: message.receive_count,
                    first_received_at: message.first_received_at,
                };
                let seq = message.seq;
                let body = crate::encoding::encode(&message);
                Op::PutMessage {
                    queue: queue.to_owned(),
                    seq,
                    state,
                    body,
                }
            }
            Change::Update {
                seq,
                visible_at,
                receive_count,
                first_received_at,
            } => Op::UpdateMessage {
                queue: queue.to_owned(),
                seq,
                state: MessageState {
                    visible_at,
                    receive_count,
                    first_received_at,
                },
            },
            Change::Delete { seq } => Op::DeleteMessage {
                queue: queue.to_owned(),
                seq,
            },
        });
    }
}

/// Reads a stored message back, with its mutable state from the store's columns.
pub(crate) fn decode_message(
    stored: &eddy_store::StoredMessage,
) -> Result<StoredMessage, crate::encoding::Malformed> {
    crate::encoding::decode(&stored.body, stored.seq, &stored.state)
}

/// Changes waiting for one commit: store operations, and the sends that become receivable
/// once it is durable.
#[derive(Default)]
pub(crate) struct Plan {
    pub(crate) ops: Vec<Op>,
    sends: Vec<(Arc<QueueCell>, Vec<u64>)>,
    deliveries: Vec<crate::delivery::Delivery>,
}

impl Plan {
    /// Sends a message into `cell` as part of this plan.
    pub(crate) fn send(
        &mut self,
        cell: &Arc<QueueCell>,
        message: NewMessage,
        now: u64,
    ) -> Result<Sent, Error> {
        let mut queue = cell.lock();
        let sent = queue.send(message, now)?;
        ops_of(cell.name.as_str(), queue.take_changes(), &mut self.ops);
        drop(queue);
        if !sent.duplicate {
            match self.sends.iter_mut().find(|(c, _)| Arc::ptr_eq(c, cell)) {
                Some((_, seqs)) => seqs.push(sent.seq),
                None => self.sends.push((Arc::clone(cell), vec![sent.seq])),
            }
        }
        Ok(sent)
    }

    /// Commits the plan; its sends become receivable (or are forgotten if the commit fails)
    /// on the writer thread, whether or not the caller is still waiting.
    pub(crate) async fn commit(self, engine: &Engine) -> Result<(), Error> {
        if self.ops.is_empty() {
            return Ok(());
        }
        self.start(engine).wait().await
    }

    /// Submits the plan for commit without waiting for it; what follows the commit
    /// (receivable sends, scheduled deliveries) happens on the writer thread.
    pub(crate) fn start(self, engine: &Engine) -> crate::writer::Ack {
        let sends = self.sends;
        let deliveries = self.deliveries;
        let scheduler = engine.clone();
        let runtime = tokio::runtime::Handle::current();
        engine.inner.writer.commit_then(
            self.ops,
            Box::new(move |committed| {
                for (cell, seqs) in &sends {
                    cell.finish_sends(seqs, committed);
                }
                if committed && !deliveries.is_empty() {
                    let _guard = runtime.enter();
                    for delivery in deliveries {
                        scheduler.schedule(delivery);
                    }
                }
            }),
        )
    }

    /// Adds a delivery to an HTTP target; it starts once the plan is committed.
    pub(crate) fn deliver(&mut self, delivery: crate::delivery::Delivery) {
        self.ops.push(delivery.op());
        self.deliveries.push(delivery);
    }
}

/// A message to send, as a producer gives it.
#[derive(Debug, Clone, Default)]
pub struct SendInput {
    /// `MessageBody`.
    pub body: String,
    /// `MessageAttributes`.
    pub attributes: Vec<eddy_queue::MessageAttribute>,
    /// `MessageSystemAttributes` (AWSTraceHeader).
    pub system_attributes: Vec<eddy_queue::MessageAttribute>,
    /// `DelaySeconds`.
    pub delay_seconds: Option<u32>,
    /// `MessageGroupId`.
    pub group_id: Option<String>,
    /// `MessageDeduplicationId`.
    pub deduplication_id: Option<String>,
}

impl SendInput {
    fn into_message(self) -> NewMessage {
        NewMessage {
            message_id: uuid::Uuid::new_v4().to_string(),
            body: self.body,
            attributes: self.attributes,
            system_attributes: self.system_attributes,
            delay_seconds: self.delay_seconds,
            group_id: self.group_id,
            deduplication_id: self.deduplication_id,
            sender_id: SENDER_ID.to_owned(),
        }
    }
}

/// A queue's summary for listings.
#[derive(Debug, Clone)]
pub struct QueueInfo {
    /// Its name.
    pub name: QueueName,
    /// Its ARN.
    pub arn: String,
}

/// A running message move task (StartMessageMoveTask).
#[derive(Debug, Clone)]
pub struct MoveTask {
    /// Its handle.
    pub handle: String,
    /// RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED.
    pub status: &'static str,
    /// The DLQ's ARN.
    pub source_arn: String,
    /// Where messages go; `None` means back to the queues they came from.
    pub destination_arn: Option<String>,
    /// MaxNumberOfMessagesPerSecond, if given.
    pub max_per_second: Option<u32>,
    /// Why it failed, if it did.
    pub failure: Option<String>,
    /// How many moved so far.
    pub moved: u64,
    /// How many were in the DLQ when the task started.
    pub to_move: u64,
    /// When it started, ms since the Unix epoch.
    pub started_at: u64,
}

fn queue_missing() -> Error {
    Error::new(Kind::NotFound, "The specified queue does not exist.").with_code("QueueDoesNotExist")
}

impl Engine {
    pub(crate) fn queue(&self, name: &QueueName) -> Result<Arc<QueueCell>, Error> {
        self.read()
            .queues
            .get(name)
            .cloned()
            .ok_or_else(queue_missing)
    }

    /// A queue by its ARN, if it exists.
    pub(crate) fn queue_by_arn(&self, arn: &str) -> Option<Arc<QueueCell>> {
        let parsed = Arn::parse(arn)?;
        if parsed.service != "sqs" {
            return None;
        }
        let name = QueueName::parse(parsed.resource).ok()?;
        self.read().queues.get(&name).cloned()
    }

    /// CreateQueue: creates the queue, or returns it if it exists with the same attributes.
    pub async fn create_queue(
        &self,
        name: &str,
        attributes: Vec<(String, String)>,
        tags: Tags,
    ) -> Result<QueueInfo, Error> {
        let name = QueueName::parse(name)
            .map_err(|e| Error::validation(e.0).with_code("InvalidParameterValue"))?;
        let now = self.now();
        let def = QueueDef {
            name: name.to_string(),
            attributes,
            tags,
            created_at: now,
            modified_at: now,
        };
        let cell = QueueCell::from_def(&self.inner.config.scope, def.clone())?;
        self.check_redrive(cell.lock().config())?;
        let ack = {
            let mut registry = self.write();
            if let Some(existing) = registry.queues.get(&name) {
                let same = {
                    let queue = existing.lock();
                    let mut wanted = QueueConfig::new(name.is_fifo());
                    wanted.apply(&def.attributes, true)?;
                    wanted.attributes() == queue.config().attributes()
                };
                if same {
                    return Ok(QueueInfo {
                        name,
                        arn: existing.arn.clone(),
                    });
                }
                return Err(Error::new(
                    Kind::AlreadyExists,
                    "A queue already exists with the same name and a different value for attribute(s)",
                )
                .with_code("QueueAlreadyExists"));
            }
            let body = serde_json::to_vec(&def).map_err(|_| Error::internal())?;
            let arn = cell.arn.clone();
            registry.queues.insert(name.clone(), Arc::new(cell));
            let ack = self.inner.writer.commit(vec![Op::PutResource {
                kind: ResourceKind::Queue,
                key: name.to_string(),
                body,
            }]);
            (ack, arn)
        };
        ack.0.wait().await?;
        Ok(QueueInfo { name, arn: ack.1 })
    }

    /// DeleteQueue: removes the queue and its messages.
    pub async fn delete_queue(&self, name: &QueueName) -> Result<(), Error> {
        let ack = {
            let mut registry = self.write();
            let cell = registry.queues.remove(name).ok_or_else(queue_missing)?;
            cell.lock().purge();
            cell.notify.notify_waiters();
            self.inner.writer.commit(vec![
                Op::DeleteMessages {
                    queue: name.to_string(),
                },
                Op::DeleteResource {
                    kind: ResourceKind::Queue,
                    key: name.to_string(),
                },
            ])
        };
        ack.wait().await
    }

    /// A redrive policy must name an existing queue of the same type.
    fn check_redrive(&self, config: &QueueConfig) -> Result<(), Error> {
        let Some(policy) = &config.redrive_policy else {
            return Ok(());
        };
        let invalid = |reason: &str| {
            Error::validation(format!(
                "Value {{\"deadLetterTargetArn\":\"{}\",\"maxReceiveCount\":{}}} for parameter RedrivePolicy is invalid. Reason: {reason}",
                policy.dead_letter_target_arn, policy.max_receive_count
            ))
            .with_code("InvalidParameterValue")
        };
        let Some(dlq) = self.queue_by_arn(&policy.dead_letter_target_arn) else {
            return Err(invalid("Dead letter target does not exist."));
        };
        if dlq.lock().config().fifo != config.fifo {
            return Err(invalid(
                "Dead-letter queue must be same type of queue as the source.",
            ));
        }
        Ok(())
    }

    /// GetQueueUrl: whether the queue exists.
    pub fn queue_info(&self, name: &QueueName) -> Result<QueueInfo, Error> {
        let cell = self.queue(name)?;
        Ok(QueueInfo {
            name: cell.name.clone(),
            arn: cell.arn.clone(),
        })
    }

    /// ListQueues: queues whose names start with `prefix`, in name order.
    pub fn list_queues(&self, prefix: &str) -> Vec<QueueInfo> {
        self.read()
            .queues
            .values()
            .filter(|c| c.name.as_str().starts_with(prefix))
            .map(|c| QueueInfo {
                name: c.name.clone(),
                arn: c.arn.clone(),
            })
            .collect()
    }

    /// GetQueueAttributes: `names` as SQS takes them (`All` or attribute names).
    pub fn queue_attributes(
        &self,
        name: &QueueName,
        names: &[String],
    ) -> Result<Vec<(String, String)>, Error> {
        let cell = self.queue(name)?;
        let now = self.now();
        let (created, modified) = {
            let def = cell.def();
            (def.created_at / 1000, def.modified_at / 1000)
        };
        let queue = cell.lock();
        let counts = queue.counts(now);
        let mut all = queue.config().attributes();
        all.push(("QueueArn".into(), cell.arn.clone()));
        all.push((
            "ApproximateNumberOfMessages".into(),
            counts.visible.to_string(),
        ));
        all.push((
            "ApproximateNumberOfMessagesNotVisible".into(),
            counts.not_visible.to_string(),
        ));
        all.push((
            "ApproximateNumberOfMessagesDelayed".into(),
            counts.delayed.to_string(),
        ));
        all.push(("CreatedTimestamp".into(), created.to_string()));
        all.push(("LastModifiedTimestamp".into(), modified.to_string()));
        drop(queue);
        if names.is_empty() {
            return Ok(Vec::new());
        }
        if names.iter().any(|n| n == "All") {
            return Ok(all);
        }
        let mut out = Vec::new();
        for wanted in names {
            match all.iter().find(|(k, _)| k == wanted) {
                Some(pair) => out.push(pair.clone()),
                None if KNOWN_ATTRIBUTES.contains(&wanted.as_str()) => {}
                None => {
                    return Err(Error::validation(format!("Unknown Attribute {wanted}."))
                        .with_code("InvalidAttributeName"))
                }
            }
        }
        Ok(out)
    }

    /// SetQueueAttributes.
    pub async fn set_queue_attributes(
        &self,
        name: &QueueName,
        attributes: Vec<(String, String)>,
    ) -> Result<(), Error> {
        let cell = self.queue(name)?;
        let mut config = cell.lock().config().clone();
        config.apply(&attributes, false)?;
        self.check_redrive(&config)?;
        let ack = {
            let mut queue = cell.lock();
            *queue.config_mut() = config;
            let mut def = cell.def();
            for (k, v) in attributes {
                def.attributes.retain(|(name, _)| *name != k);
                def.attributes.push((k, v));
            }
            def.modified_at = self.now();
            let body = serde_json::to_vec(&*def).map_err(|_| Error::internal())?;
            self.inner.writer.commit(vec![Op::PutResource {
                kind: ResourceKind::Queue,
                key: name.to_string(),
                body,
            }])
        };
        cell.notify.notify_waiters();
        ack.wait().await
    }

    /// The queue's tags.
    pub fn queue_tags(&self, name: &QueueName) -> Result<Tags, Error> {
        Ok(self.queue(name)?.def().tags.clone())
    }

    /// TagQueue / UntagQueue: adds `add`, then removes `remove`.
    pub async fn tag_queue(
        &self,
        name: &QueueName,
        add: Tags,
        remove: &[String],
    ) -> Result<(), Error> {
        let cell = self.queue(name)?;
        let ack = {
            let mut def = cell.def();
            def.tags.extend(add);
            for key in remove {
                def.tags.remove(key);
            }
            let body = serde_json::to_vec(&*def).map_err(|_| Error::internal())?;
            self.inner.writer.commit(vec![Op::PutResource {
                kind: ResourceKind::Queue,
                key: name.to_string(),
                body,
            }])
        };
        ack.wait().await
    }

    /// SendMessage / SendMessageBatch: each entry succeeds or fails on its own; the
    /// successful ones are durable when this returns.
    pub async fn send_messages(
        &self,
        name: &QueueName,
        inputs: Vec<SendInput>,
    ) -> Result<Vec<Result<Sent, Error>>, Error> {
        let cell = self.queue(name)?;
        let now = self.now();
        let mut plan = Plan::default();
        let results: Vec<Result<Sent, Error>> = inputs
            .into_iter()
            .map(|input| plan.send(&cell, input.into_message(), now))
            .collect();
        plan.commit(self).await?;
        Ok(results)
    }

    /// ReceiveMessage: up to `max_messages`; with `wait` (≤ 20 s, else the queue's
    /// ReceiveMessageWaitTimeSeconds) answers as soon as a message is there.
    pub async fn receive_messages(
        &self,
        name: &QueueName,
        request: ReceiveRequest,
        wait_seconds: Option<u32>,
    ) -> Result<Vec<Received>, Error> {
        let cell = self.queue(name)?;
        let start = self.now();
        let wait = match wait_seconds {
            Some(w) => w,
            None => cell.lock().config().receive_message_wait_time_seconds,
        };
        let deadline = start + u64::from(wait) * 1000;
        loop {
            let notified = cell.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = self.now();
            let (received, next) = {
                let mut queue = cell.lock();
                let Receive {
                    messages,
                    dead_lettered,
                } = queue.receive(&request, now)?;
                let mut plan = Plan::default();
                ops_of(cell.name.as_str(), queue.take_changes(), &mut plan.ops);
                let next = queue.next_change(now);
                drop(queue);
                if !dead_lettered.is_empty() {
                    // In the same commit as their removal from this queue: never lost.
                    self.dead_letter_moved(&cell, dead_lettered, now, &mut plan);
                }
                if !plan.ops.is_empty() {
                    drop(plan.start(self));
                }
                (messages, next)
            };
            if !received.is_empty() || now >= deadline || !self.read().queues.contains_key(name) {
                return Ok(received);
            }
            let until = next.map_or(deadline, |n| n.min(deadline));
            let sleep = Duration::from_millis(until.saturating_sub(now).max(1));
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Messages a receive took out of `source` because they were received too often: into
    /// the dead-letter queue of its redrive policy (dropped with a warning if it is gone).
    fn dead_letter_moved(
        &self,
        source: &QueueCell,
        messages: Vec<StoredMessage>,
        now: u64,
        plan: &mut Plan,
    ) {
        let target = source
            .lock()
            .config()
            .redrive_policy
            .as_ref()
            .map(|p| p.dead_letter_target_arn.clone());
        let Some(dlq) = target.and_then(|arn| self.queue_by_arn(&arn)) else {
            tracing::warn!(queue = %source.name, count = messages.len(), "dead-letter queue missing; messages dropped");
            return;
        };
        for mut message in messages {
            message.dead_letter_source_arn = Some(source.arn.clone());
            plan.insert_moved(&dlq, message, now);
        }
    }

    /// DeleteMessage / DeleteMessageBatch.
    pub async fn delete_messages(
        &self,
        name: &QueueName,
        handles: &[String],
    ) -> Result<Vec<Result<(), Error>>, Error> {
        let cell = self.queue(name)?;
        let now = self.now();
        let (results, ack) = {
            let mut queue = cell.lock();
            let results: Vec<Result<(), Error>> = handles
                .iter()
                .map(|h| queue.delete(h, now).map_err(Error::from))
                .collect();
            let mut ops = Vec::new();
            ops_of(cell.name.as_str(), queue.take_changes(), &mut ops);
            (results, self.inner.writer.commit(ops))
        };
        ack.wait().await?;
        cell.notify.notify_waiters();
        Ok(results)
    }

    /// ChangeMessageVisibility / ChangeMessageVisibilityBatch.
    pub fn change_visibility(
        &self,
        name: &QueueName,
        changes: &[(String, u32)],
    ) -> Result<Vec<Result<(), Error>>, Error> {
        let cell = self.queue(name)?;
        let now = self.now();
        let results = {
            let mut queue = cell.lock();
            let results: Vec<Result<(), Error>> = changes
                .iter()
                .map(|(h, t)| queue.change_visibility(h, *t, now).map_err(Error::from))
                .collect();
            let mut ops = Vec::new();
            ops_of(cell.name.as_str(), queue.take_changes(), &mut ops);
            self.inner.writer.submit(ops);
            results
        };
        cell.notify.notify_waiters();
        Ok(results)
    }

    /// PurgeQueue.
    pub async fn purge_queue(&self, name: &QueueName) -> Result<(), Error> {
        let cell = self.queue(name)?;
        let ack = {
            let mut queue = cell.lock();
            queue.purge();
            let _ = queue.take_changes();
            self.inner.writer.commit(vec![Op::DeleteMessages {
                queue: name.to_string(),
            }])
        };
        ack.wait().await
    }

    /// ListDeadLetterSourceQueues: queues whose redrive policy names this one.
    pub fn dead_letter_sources(&self, name: &QueueName) -> Result<Vec<QueueInfo>, Error> {
        let cell = self.queue(name)?;
        let registry = self.read();
        Ok(registry
            .queues
            .values()
            .filter(|c| {
                c.lock()
                    .config()
                    .redrive_policy
                    .as_ref()
                    .is_some_and(|p| p.dead_letter_target_arn == cell.arn)
            })
            .map(|c| QueueInfo {
                name: c.name.clone(),
                arn: c.arn.clone(),
            })
            .collect())
    }

    /// Retention and timers: drops expired messages and wakes receivers whose messages
    /// became visible.
    pub(crate) fn housekeeping(&self) {
        let now = self.now();
        let cells: Vec<Arc<QueueCell>> = self.read().queues.values().cloned().collect();
        for cell in cells {
            let mut queue = cell.lock();
            queue.expire(now);
            let mut ops = Vec::new();
            ops_of(cell.name.as_str(), queue.take_changes(), &mut ops);
            drop(queue);
            self.inner.writer.submit(ops);
        }
    }

    /// The names of the queues, for tests and listings.
    pub fn queue_names(&self) -> BTreeMap<QueueName, String> {
        self.read()
            .queues
            .iter()
            .map(|(n, c)| (n.clone(), c.arn.clone()))
            .collect()
    }
}

/// Attribute names GetQueueAttributes accepts even when a queue has no value for them.
const KNOWN_ATTRIBUTES: &[&str] = &[
    "Policy",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "ApproximateNumberOfMessagesDelayed",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
];

impl Plan {
    /// Adds a message that moves from one queue to another (dead-lettering, move tasks),
    /// keeping its id, body, attributes and send time; its receivers are woken after the
    /// commit.
    pub(crate) fn insert_moved(&mut self, cell: &Arc<QueueCell>, message: StoredMessage, now: u64) {
        let mut queue = cell.lock();
        queue.accept_moved(message, now);
        ops_of(cell.name.as_str(), queue.take_changes(), &mut self.ops);
        drop(queue);
        if !self.sends.iter().any(|(c, _)| Arc::ptr_eq(c, cell)) {
            self.sends.push((Arc::clone(cell), Vec::new()));
        }
    }
}

/// Checks the entry ids of an SQS batch request: 1–10 entries, distinct ids of at most 80
/// alphanumerics, hyphens and underscores. `entry` names the entry type in messages.
pub fn check_batch(ids: &[&str], entry: &str) -> Result<(), Error> {
    if ids.is_empty() {
        return Err(Error::validation(format!(
            "There should be at least one {entry} in the request."
        ))
        .with_code("EmptyBatchRequest"));
    }
    if ids.len() > 10 {
        return Err(Error::validation(format!(
            "Maximum number of entries per request are 10. You have sent {}.",
            ids.len()
        ))
        .with_code("TooManyEntriesInBatchRequest"));
    }
    for (i, id) in ids.iter().enumerate() {
        let valid = !id.is_empty()
            && id.len() <= 80
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(Error::validation(
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
            )
            .with_code("InvalidBatchEntryId"));
        }
        if ids[..i].contains(id) {
            return Err(Error::validation(format!("Id {id} repeated."))
                .with_code("BatchEntryIdsNotDistinct"));
        }
    }
    Ok(())
}
