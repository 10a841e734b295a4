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
//!
//! ```
//! use eddy_queue::{Change, NewMessage, Queue, QueueConfig, ReceiveRequest};
//!
//! let mut queue = Queue::new("jobs", "arn:aws:sqs:us-east-1:000000000000:jobs", QueueConfig::new(false));
//! let now = 1_700_000_000_000;
//! let sent = queue
//!     .send(
//!         NewMessage {
//!             message_id: "5fea7756-0ea4-451a-a703-a558b933e274".into(),
//!             body: "This is a test message".into(),
//!             attributes: vec![],
//!             system_attributes: vec![],
//!             delay_seconds: None,
//!             group_id: None,
//!             deduplication_id: None,
//!             sender_id: "AIDAEXAMPLE".into(),
//!         },
//!         now,
//!     )
//!     .expect("a valid message");
//! assert!(!sent.duplicate);
//! // The engine persists the `Put`, then commits the send.
//! assert!(matches!(queue.take_changes().as_slice(), [Change::Put(_)]));
//! queue.commit_send(sent.seq);
//!
//! let request = ReceiveRequest { max_messages: 10, visibility_timeout: None, receive_request_attempt_id: None };
//! let received = queue.receive(&request, now).expect("valid request").messages;
//! assert_eq!(received.len(), 1);
//! // In flight for the queue's 30 s visibility timeout.
//! assert!(queue.receive(&request, now + 29_999).expect("valid request").messages.is_empty());
//! queue.delete(&received[0].receipt_handle, now + 1_000).expect("a valid handle");
//! assert!(queue.is_empty());
//! ```
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
pub use digest::{md5_of_attribute_refs, md5_of_attributes, md5_of_body, sha256_hex, SendDigests};
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
