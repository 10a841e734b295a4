//! The storage trait of Eddy: what the engine persists and reads back at start, and the
//! errors of a backend.
//!
//! The store is the source of truth; the engine keeps working state in memory and writes
//! every change through [`Store::commit`], one atomic batch at a time, so that many
//! requests share one commit (group commit). Records are opaque bytes to the store: their
//! encoding belongs to the engine. Depends only on `eddy-model`; only the `eddy` binary
//! and test support name a concrete backend (`eddy-store-sqlite`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// What a backend can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The stored data is not what this version of Eddy wrote or can read.
    #[error("stored data is corrupt or from an unknown version: {0}")]
    Corrupt(String),
    /// The backend refused or failed an operation (disk full, I/O error, locked database).
    #[error("storage backend failed: {0}")]
    Backend(String),
}

/// How far a commit goes before it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// A commit returns once the data is on disk (fsync): survives a power loss.
    #[default]
    Fsync,
    /// A commit returns once the data is handed to the operating system: survives a crash
    /// of the process, not a power loss.
    Relaxed,
}

/// The kinds of resource definitions kept in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// An event bus.
    Bus,
    /// A rule with its targets.
    Rule,
    /// A queue's definition (its messages are stored apart).
    Queue,
    /// An HTTP endpoint that targets deliver to (EventBridge's API destination).
    ApiDestination,
    /// The authorisation an API destination uses (EventBridge's connection).
    Connection,
    /// A function (Lambda).
    Function,
    /// An event source mapping (queue to function).
    EventSourceMapping,
    /// An HTTP route answered by a function or turned into an event.
    Route,
}

impl ResourceKind {
    /// A stable number for the kind, as backends store it.
    pub fn code(self) -> i64 {
        match self {
            Self::Bus => 1,
            Self::Rule => 2,
            Self::Queue => 3,
            Self::ApiDestination => 4,
            Self::Connection => 5,
            Self::Function => 6,
            Self::EventSourceMapping => 7,
            Self::Route => 8,
        }
    }

    /// The kind with that code.
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            1 => Self::Bus,
            2 => Self::Rule,
            3 => Self::Queue,
            4 => Self::ApiDestination,
            5 => Self::Connection,
            6 => Self::Function,
            7 => Self::EventSourceMapping,
            8 => Self::Route,
            _ => return None,
        })
    }
}

/// The mutable state of a stored queue message, kept in columns so an update does not
/// rewrite the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageState {
    /// When the message becomes (or became) receivable, ms since the Unix epoch.
    pub visible_at: u64,
    /// How many times it has been received.
    pub receive_count: u32,
    /// When it was first received, ms since the Unix epoch.
    pub first_received_at: Option<u64>,
}

/// One change, applied in order within a [`Store::commit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Creates or replaces a resource definition.
    PutResource {
        /// Its kind.
        kind: ResourceKind,
        /// Its key within the kind (e.g. `bus/rule` for rules).
        key: String,
        /// The engine's encoding of it.
        body: Vec<u8>,
    },
    /// Deletes a resource definition (nothing if absent).
    DeleteResource {
        /// Its kind.
        kind: ResourceKind,
        /// Its key.
        key: String,
    },
    /// Adds a message to a queue.
    PutMessage {
        /// The queue's name.
        queue: String,
        /// The message's sequence number within the queue.
        seq: u64,
        /// Its mutable state.
        state: MessageState,
        /// The engine's encoding of the immutable rest.
        body: Vec<u8>,
    },
    /// Updates a message's mutable state (nothing if absent).
    UpdateMessage {
        /// The queue's name.
        queue: String,
        /// The message.
        seq: u64,
        /// The new state.
        state: MessageState,
    },
    /// Deletes a message (nothing if absent).
    DeleteMessage {
        /// The queue's name.
        queue: String,
        /// The message.
        seq: u64,
    },
    /// Deletes every message of a queue.
    DeleteMessages {
        /// The queue's name.
        queue: String,
    },
    /// Records (or replaces) a pending delivery to a target.
    PutDelivery {
        /// The delivery's id.
        id: u64,
        /// When its next attempt is due, ms since the Unix epoch.
        due_at: u64,
        /// The engine's encoding of it (target, payload, attempts so far).
        body: Vec<u8>,
    },
    /// Forgets a delivery (done, dead-lettered or dropped).
    DeleteDelivery {
        /// The delivery's id.
        id: u64,
    },
}

/// A stored queue message as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The queue's name.
    pub queue: String,
    /// Its sequence number.
    pub seq: u64,
    /// Its mutable state.
    pub state: MessageState,
    /// The engine's encoding of the rest.
    pub body: Vec<u8>,
}

/// A stored pending delivery as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDelivery {
    /// Its id.
    pub id: u64,
    /// When its next attempt is due.
    pub due_at: u64,
    /// The engine's encoding of it.
    pub body: Vec<u8>,
}

/// Everything in the store, read at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Resource definitions: kind, key, body.
    pub resources: Vec<(ResourceKind, String, Vec<u8>)>,
    /// Queue messages, by queue then sequence number.
    pub messages: Vec<StoredMessage>,
    /// Pending deliveries, by id.
    pub deliveries: Vec<StoredDelivery>,
}

/// A storage backend. Calls come from one writer thread at a time, so a backend needs no
/// locking of its own; it may block.
pub trait Store: Send + 'static {
    /// Reads everything back (at start).
    fn load(&mut self) -> Result<Snapshot, Error>;

    /// Applies `ops` in order, atomically: all or none. Returns once they are as durable
    /// as the backend's [`Durability`] promises.
    fn commit(&mut self, ops: &[Op]) -> Result<(), Error>;
}
