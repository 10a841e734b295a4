//! The writer: one thread that owns the store and applies changes in batches, so that every
//! request waiting for durability at the same moment shares one commit (group commit).
//!
//! Changes reach the writer in the order they are submitted and are committed in that
//! order. A caller that must not answer before its changes are durable awaits the
//! [`Ack`]; one that may (e.g. recording a receive) submits and goes on.

use std::sync::mpsc;
use std::sync::Arc;
use std::thread;

use eddy_store::{Op, Store};
use tokio::sync::oneshot;

use crate::error::Error;

/// Largest number of operations folded into one commit; bounds a commit's latency.
const MAX_BATCH_OPS: usize = 20_000;

/// Runs on the writer thread once a commit is decided: `true` if it is durable.
pub type Finish = Box<dyn FnOnce(bool) + Send>;

/// A decided commit: its result, what runs after it, and who waits for it.
type Decided = (
    Result<(), Arc<eddy_store::Error>>,
    Vec<Finish>,
    Vec<oneshot::Sender<Result<(), Arc<eddy_store::Error>>>>,
);

struct Job {
    ops: Vec<Op>,
    done: Option<oneshot::Sender<Result<(), Arc<eddy_store::Error>>>>,
    finish: Option<Finish>,
}

/// A handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

/// Resolves when the submitted changes are durable.
pub struct Ack(oneshot::Receiver<Result<(), Arc<eddy_store::Error>>>);

impl Ack {
    /// Waits for the commit; an error means the changes were not stored.
    pub async fn wait(self) -> Result<(), Error> {
        match self.0.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => {
                tracing::error!(error = %err, "commit failed");
                Err(Error::internal())
            }
            Err(_) => {
                tracing::error!("writer stopped before committing");
                Err(Error::internal())
            }
        }
    }
}

impl Writer {
    /// Starts the writer thread; it stops when every handle is dropped, after committing
    /// what was submitted.
    pub fn start(mut store: Box<dyn Store>) -> std::io::Result<(Writer, thread::JoinHandle<()>)> {
        let (jobs, rx) = mpsc::channel::<Job>();
        // What follows a commit (making sends receivable, waking waiters, answering) runs on
        // a second thread, so the writer goes on to the next commit at once.
        let (decided, finisher_rx) = mpsc::channel::<Decided>();
        let finisher = thread::Builder::new()
            .name("eddy-commit-finisher".into())
            .spawn(move || {
                while let Ok((result, finishing, waiting)) = finisher_rx.recv() {
                    for finish in finishing {
                        finish(result.is_ok());
                    }
                    for done in waiting {
                        let _ = done.send(result.clone());
                    }
                }
            })?;
        let handle = thread::Builder::new()
            .name("eddy-writer".into())
            .spawn(move || {
                let mut batch: Vec<Op> = Vec::new();
                let mut waiting = Vec::new();
                let mut finishing: Vec<Finish> = Vec::new();
                while let Ok(first) = rx.recv() {
                    let mut next = Some(first);
                    while let Some(job) = next.take() {
                        batch.extend(job.ops);
                        waiting.extend(job.done);
                        finishing.extend(job.finish);
                        if batch.len() < MAX_BATCH_OPS {
                            next = rx.try_recv().ok();
                        }
                    }
                    let result = if batch.is_empty() {
                        Ok(())
                    } else {
                        store.commit(&batch).map_err(Arc::new)
                    };
                    if let Err(err) = &result {
                        tracing::error!(error = %err, ops = batch.len(), "store commit failed");
                    }
                    batch.clear();
                    let outcome = (
                        result,
                        std::mem::take(&mut finishing),
                        std::mem::take(&mut waiting),
                    );
                    if let Err(mpsc::SendError((result, finishing, waiting))) =
                        decided.send(outcome)
                    {
                        for finish in finishing {
                            finish(result.is_ok());
                        }
                        drop(waiting);
                    }
                }
                drop(decided);
                if finisher.join().is_err() {
                    tracing::error!("commit finisher panicked");
                }
            })?;
        Ok((Writer { jobs }, handle))
    }

    /// Submits changes; the returned [`Ack`] resolves when they are durable.
    pub fn commit(&self, ops: Vec<Op>) -> Ack {
        let (tx, rx) = oneshot::channel();
        // If the writer is gone, `tx` is dropped with the job and the Ack resolves to an error.
        let _ = self.jobs.send(Job {
            ops,
            done: Some(tx),
            finish: None,
        });
        Ack(rx)
    }

    /// Submits changes; `finish` runs on the writer thread once the commit is decided
    /// (even if nobody awaits the [`Ack`] any more), before the Ack resolves.
    pub fn commit_then(&self, ops: Vec<Op>, finish: Finish) -> Ack {
        let (tx, rx) = oneshot::channel();
        if let Err(mpsc::SendError(job)) = self.jobs.send(Job {
            ops,
            done: Some(tx),
            finish: Some(finish),
        }) {
            if let Some(finish) = job.finish {
                finish(false);
            }
        }
        Ack(rx)
    }

    /// Submits changes without waiting for them.
    pub fn submit(&self, ops: Vec<Op>) {
        if ops.is_empty() {
            return;
        }
        if self
            .jobs
            .send(Job {
                ops,
                done: None,
                finish: None,
            })
            .is_err()
        {
            tracing::error!("writer stopped; changes not stored");
        }
    }
}
