//! Receipt handles: opaque ASCII strings naming one receive of one message.
//!
//! A handle is 52 lowercase hex digits: the message's seq (16), its receive count at that receive
//! (8), the receive time in milliseconds (12) and a 64-bit check (16) over those and the queue's
//! name, so a handle from another queue, or a mangled one, does not parse. The receive count
//! tells a current handle from an older one of the same message. Handles identify; they are not
//! secrets (the platform authenticates requests, not handles).

use crate::Millis;

const LEN: usize = 52;

/// One receive of one message, as a receipt handle encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Receipt {
    /// The message's seq.
    pub seq: u64,
    /// The message's receive count right after this receive.
    pub receive_count: u32,
    /// When this receive happened (the visibility cap counts from here).
    pub received_at: Millis,
}

impl Receipt {
    /// The handle for this receive in the queue `queue`.
    pub fn encode(&self, queue: &str) -> String {
        // 12 hex digits hold times until the year 10889.
        let at = self.received_at & 0xffff_ffff_ffff;
        let body = format!("{:016x}{:08x}{:012x}", self.seq, self.receive_count, at);
        let check = check(queue, &body);
        format!("{body}{check:016x}")
    }

    /// Parses a handle of the queue `queue`; `None` when it is not one.
    pub fn parse(handle: &str, queue: &str) -> Option<Receipt> {
        if handle.len() != LEN
            || !handle
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return None;
        }
        let (body, tail) = handle.split_at(36);
        if u64::from_str_radix(tail, 16).ok()? != check(queue, body) {
            return None;
        }
        Some(Receipt {
            seq: u64::from_str_radix(&body[..16], 16).ok()?,
            receive_count: u32::from_str_radix(&body[16..24], 16).ok()?,
            received_at: u64::from_str_radix(&body[24..36], 16).ok()?,
        })
    }
}

/// FNV-1a (64-bit) over the queue name, a separator and the handle's body.
fn check(queue: &str, body: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in queue.bytes().chain([0u8]).chain(body.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = Receipt {
            seq: 42,
            receive_count: 3,
            received_at: 1_700_000_000_123,
        };
        let h = r.encode("orders");
        assert_eq!(h.len(), LEN);
        assert!(h.is_ascii());
        assert_eq!(Receipt::parse(&h, "orders"), Some(r));
    }

    #[test]
    fn rejects_other_queues_and_mangled_handles() {
        let h = Receipt {
            seq: 1,
            receive_count: 1,
            received_at: 5,
        }
        .encode("a");
        assert_eq!(Receipt::parse(&h, "b"), None);
        assert_eq!(Receipt::parse("", "a"), None);
        assert_eq!(Receipt::parse(&h[1..], "a"), None);
        assert_eq!(Receipt::parse(&h.to_uppercase(), "a"), None);
        assert_eq!(Receipt::parse(&format!("{h}0"), "a"), None);
        let mut flipped = h.clone().into_bytes();
        flipped[3] = if flipped[3] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            Receipt::parse(&String::from_utf8(flipped).expect("ascii"), "a"),
            None
        );
        assert_eq!(Receipt::parse(&"é".repeat(26), "a"), None);
    }
}
