//! Eddy's model: resource names checked once ([`names`]), the ARNs and queue URLs that
//! name resources on the AWS wire ([`arn`]), the event envelope ([`event`]), CloudEvents
//! 1.0 mapped onto it both ways ([`cloudevents`]) and the limits Eddy enforces by default
//! ([`limits`]).
//!
//! Pure: no I/O, no async, no clock and no randomness — ids and times are passed in. It
//! depends on no other Eddy crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod arn;
pub mod cloudevents;
pub mod event;
pub mod function;
pub mod limits;
pub mod names;
pub mod time;
