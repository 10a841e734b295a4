//! Message move tasks (SQS's StartMessageMoveTask): messages go from a dead-letter queue
//! back to the queues they came from, or to a chosen queue, each move committed atomically
//! (removed from the DLQ and added to the destination in one commit).

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Kind};
use crate::queues::{MoveTask, Plan, QueueCell};
use crate::Engine;

/// Messages moved per commit.
const MOVE_BATCH: usize = 100;

/// Tasks kept per source for ListMessageMoveTasks.
const KEPT_TASKS: usize = 10;

impl Engine {
    /// StartMessageMoveTask: `source_arn` must be a dead-letter queue of some queue.
    pub fn start_move_task(
        &self,
        source_arn: &str,
        destination_arn: Option<String>,
        max_per_second: Option<u32>,
    ) -> Result<String, Error> {
        let source = self.queue_by_arn(source_arn).ok_or_else(|| {
            Error::new(
                Kind::NotFound,
                "The resource that you specified for the SourceArn parameter doesn't exist.",
            )
            .with_code("ResourceNotFoundException")
        })?;
        let is_dlq = self.read().queues.values().any(|c| {
            c.lock()
                .config()
                .redrive_policy
                .as_ref()
                .is_some_and(|p| p.dead_letter_target_arn == source.arn)
        });
        if !is_dlq {
            return Err(Error::validation(
                "Source queue must be configured as a Dead Letter Queue.",
            )
            .with_code("InvalidParameterValue"));
        }
        if let Some(dest) = &destination_arn {
            if self.queue_by_arn(dest).is_none() {
                return Err(Error::new(
                    Kind::NotFound,
                    "The resource that you specified for the DestinationArn parameter doesn't exist.",
                )
                .with_code("ResourceNotFoundException"));
            }
        }
        if max_per_second.is_some_and(|n| n == 0 || n > 500) {
            return Err(Error::validation(
                "Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.",
            )
            .with_code("InvalidParameterValue"));
        }
        let now = self.now();
        let handle = {
            let mut tasks = self
                .inner
                .moves
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if tasks
                .iter()
                .any(|t| t.source_arn == source.arn && matches!(t.status, "RUNNING" | "CANCELLING"))
            {
                return Err(Error::validation("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
                    .with_code("UnsupportedOperation"));
            }
            let handle = format!("{}:{}", uuid::Uuid::new_v4(), source.arn);
            let to_move = source.lock().counts(now).visible;
            tasks.push(MoveTask {
                handle: handle.clone(),
                status: "RUNNING",
                source_arn: source.arn.clone(),
                destination_arn: destination_arn.clone(),
                max_per_second,
                moved: 0,
                to_move,
                started_at: now,
                failure: None,
            });
            let finished: Vec<usize> = tasks
                .iter()
                .enumerate()
                .filter(|(_, t)| {
                    t.source_arn == source.arn && !matches!(t.status, "RUNNING" | "CANCELLING")
                })
                .map(|(i, _)| i)
                .collect();
            if finished.len() >= KEPT_TASKS {
                tasks.remove(finished[0]);
            }
            handle
        };
        let engine = self.clone();
        let task = handle.clone();
        tokio::spawn(async move {
            engine
                .run_move(task, source, destination_arn, max_per_second)
                .await
        });
        Ok(handle)
    }

    fn update_task(
        &self,
        handle: &str,
        change: impl FnOnce(&mut MoveTask),
    ) -> Option<&'static str> {
        let mut tasks = self
            .inner
            .moves
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let task = tasks.iter_mut().find(|t| t.handle == handle)?;
        change(task);
        Some(task.status)
    }

    async fn run_move(
        &self,
        handle: String,
        source: Arc<QueueCell>,
        destination: Option<String>,
        rate: Option<u32>,
    ) {
        loop {
            if self.update_task(&handle, |_| {}) == Some("CANCELLING") {
                self.update_task(&handle, |t| t.status = "CANCELLED");
                return;
            }
            let batch = rate.map_or(MOVE_BATCH, |r| (r as usize).min(MOVE_BATCH));
            let now = self.now();
            let mut plan = Plan::default();
            let taken = {
                let mut queue = source.lock();
                let taken = queue.take_for_move(batch, now);
                crate::queues::ops_of(source.name.as_str(), queue.take_changes(), &mut plan.ops);
                taken
            };
            if taken.is_empty() {
                self.update_task(&handle, |t| t.status = "COMPLETED");
                return;
            }
            let count = taken.len() as u64;
            for mut message in taken {
                let target = destination
                    .clone()
                    .or_else(|| message.dead_letter_source_arn.clone());
                let Some(cell) = target.and_then(|arn| self.queue_by_arn(&arn)) else {
                    self.update_task(&handle, |t| {
                        t.status = "FAILED";
                        t.failure = Some("AWS.SimpleQueueService.NonExistentQueue".to_owned());
                    });
                    // Put it back where it was, in the same commit.
                    plan.insert_moved(&source, message, now);
                    drop(plan.start(self));
                    return;
                };
                message.dead_letter_source_arn = None;
                plan.insert_moved(&cell, message, now);
            }
            if plan.commit(self).await.is_err() {
                self.update_task(&handle, |t| {
                    t.status = "FAILED";
                    t.failure = Some("InternalError".to_owned());
                });
                return;
            }
            self.update_task(&handle, |t| t.moved += count);
            if let Some(rate) = rate {
                tokio::time::sleep(Duration::from_millis(1000 * count / u64::from(rate.max(1))))
                    .await;
            }
        }
    }

    /// ListMessageMoveTasks: the most recent tasks of a source, newest first.
    pub fn list_move_tasks(&self, source_arn: &str, max: usize) -> Result<Vec<MoveTask>, Error> {
        let source = self.queue_by_arn(source_arn).ok_or_else(|| {
            Error::new(
                Kind::NotFound,
                "The resource that you specified for the SourceArn parameter doesn't exist.",
            )
            .with_code("ResourceNotFoundException")
        })?;
        let tasks = self
            .inner
            .moves
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(tasks
            .iter()
            .rev()
            .filter(|t| t.source_arn == source.arn)
            .take(max)
            .cloned()
            .collect())
    }

    /// CancelMessageMoveTask: returns how many messages were moved.
    pub fn cancel_move_task(&self, handle: &str) -> Result<u64, Error> {
        let mut tasks = self
            .inner
            .moves
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let task = tasks
            .iter_mut()
            .find(|t| t.handle == handle)
            .ok_or_else(|| {
                Error::new(Kind::NotFound, "Task does not exist.")
                    .with_code("ResourceNotFoundException")
            })?;
        if task.status != "RUNNING" {
            return Err(Error::validation("Only active tasks can be cancelled.")
                .with_code("UnsupportedOperation"));
        }
        task.status = "CANCELLING";
        Ok(task.moved)
    }
}
