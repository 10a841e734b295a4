//! The limits Eddy enforces, EventBridge's and SQS's by default, all configurable.

/// Limits on what producers may send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest PutEvents entry, measured as EventBridge measures it
    /// ([`crate::event::Entry::size`]): 256 KiB.
    pub max_entry_bytes: usize,
    /// Most entries in one PutEvents call: 10.
    pub max_entries: usize,
    /// Most targets on one rule: 5.
    pub max_targets_per_rule: usize,
    /// Most hops an event may take from bus to bus before it is dropped (a loop guard).
    pub max_bus_hops: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entry_bytes: 256 * 1024,
            max_entries: 10,
            max_targets_per_rule: 5,
            max_bus_hops: 8,
        }
    }
}
