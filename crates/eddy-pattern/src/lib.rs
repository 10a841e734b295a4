//! EventBridge event patterns and input transformers, as a pure library.
//!
//! - [`Pattern`] parses and validates the whole EventBridge pattern language, with the
//!   reasons EventBridge gives for invalid patterns.
//! - [`Matcher`] compiles many patterns, each under a key, into one structure whose cost
//!   per event barely grows with the number of patterns.
//! - [`reference`] is a brute-force matcher that defines the semantics the compiled one
//!   is tested against.
//! - [`transform`] applies `InputPath` and `InputTransformer` to an event.
//!
//! This crate does no I/O, spawns nothing, reads no clock and logs nothing; callers pass
//! in everything (for example the ingestion time a transformer needs).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod caseless;
pub mod cidr;
pub mod json;
pub mod matcher;
pub mod pattern;
pub mod plain;
pub mod reference;
mod swar;
pub mod test_event;
pub mod transform;
pub mod value;
pub mod wildcard;

pub use matcher::{Error, Matcher, MatcherLimits};
pub use pattern::{Limits, Pattern};
