//! SQS queue semantics as a state machine: standard and FIFO queues, visibility timeouts,
//! delays, retention, deduplication, redrive counting and the MD5 digests SQS clients check.
//!
//! Pure: no I/O, no async, no clock and no randomness — time (`now`, milliseconds since the
//! Unix epoch) and ids are passed in. The engine persists the [`Change`]s each call produces
//! and wakes long pollers; this crate decides what a queue does.
//!
//! Main types: [`QueueConfig`] (validated queue attributes), [`Queue`] (one queue's messages),
//! [`NewMessage`] / [`StoredMessage`] (a message as sent and as stored), [`Error`] (SQS's error
//! codes and messages). Depends on no other Eddy crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod digest;
mod error;
mod message;
mod queue;
mod receipt;
mod select;

pub use config::{DeduplicationScope, FifoThroughputLimit, QueueConfig, RedrivePolicy};
pub use digest::{md5_of_attribute_refs, md5_of_attributes, md5_of_body, sha256_hex};
pub use error::Error;
pub use message::{
    AttributeValue, MessageAttribute, Millis, NewMessage, Sent, StoredMessage,
    MAX_MESSAGE_ATTRIBUTES,
};
pub use queue::{
    Change, Counts, Queue, Receive, ReceiveRequest, Received, DEDUPLICATION_WINDOW,
    MAX_VISIBILITY_TIMEOUT,
};
pub use select::{select_message_attributes, select_system_attributes, SYSTEM_ATTRIBUTE_NAMES};
