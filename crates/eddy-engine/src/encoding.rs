//! The store encoding of queue messages: length-prefixed fields behind a version byte.
//! Compact and cheap — a message body (often an event, full of quotes) is copied, not
//! escaped as JSON would. Only the immutable part matters: the mutable state lives in the
//! store's columns and is laid over it when read back.

use eddy_queue::{AttributeValue, MessageAttribute, StoredMessage};

const VERSION: u8 = 1;

/// Why stored bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored message is malformed: {0}")]
pub struct Malformed(&'static str);

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn put_opt(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            put_bytes(out, t.as_bytes());
        }
    }
}

fn put_attributes(out: &mut Vec<u8>, attributes: &[MessageAttribute]) {
    out.extend_from_slice(
        &u32::try_from(attributes.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for a in attributes {
        put_bytes(out, a.name.as_bytes());
        put_bytes(out, a.data_type.as_bytes());
        match &a.value {
            AttributeValue::String(s) => {
                out.push(0);
                put_bytes(out, s.as_bytes());
            }
            AttributeValue::Binary(b) => {
                out.push(1);
                put_bytes(out, b);
            }
        }
    }
}

/// Encodes a message for the store.
pub(crate) fn encode(m: &StoredMessage) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + m.body.len() + m.message_id.len());
    out.push(VERSION);
    out.extend_from_slice(&m.sent_at.to_le_bytes());
    put_bytes(&mut out, m.message_id.as_bytes());
    put_bytes(&mut out, m.body.as_bytes());
    put_bytes(&mut out, m.sender_id.as_bytes());
    put_opt(&mut out, m.group_id.as_deref());
    put_opt(&mut out, m.deduplication_id.as_deref());
    put_opt(&mut out, m.sequence_number.as_deref());
    put_opt(&mut out, m.dead_letter_source_arn.as_deref());
    put_attributes(&mut out, &m.attributes);
    put_attributes(&mut out, &m.system_attributes);
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if self.0.len() < n {
            return Err(Malformed("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, Malformed> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, Malformed> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    fn string(&mut self) -> Result<String, Malformed> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| Malformed("text is not UTF-8"))
    }

    fn opt(&mut self) -> Result<Option<String>, Malformed> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err(Malformed("bad option tag")),
        }
    }

    fn attributes(&mut self) -> Result<Vec<MessageAttribute>, Malformed> {
        let n = self.u32()? as usize;
        let mut out = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let name = self.string()?;
            let data_type = self.string()?;
            let value = match self.u8()? {
                0 => AttributeValue::String(self.string()?),
                1 => AttributeValue::Binary(self.bytes()?.to_vec()),
                _ => return Err(Malformed("bad attribute tag")),
            };
            out.push(MessageAttribute {
                name,
                data_type,
                value,
            });
        }
        Ok(out)
    }
}

/// Decodes a stored message; `seq` and the mutable state come from the store's columns.
pub(crate) fn decode(
    bytes: &[u8],
    seq: u64,
    state: &eddy_store::MessageState,
) -> Result<StoredMessage, Malformed> {
    let mut r = Reader(bytes);
    if r.u8()? != VERSION {
        return Err(Malformed("unknown version"));
    }
    let sent_at = r.u64()?;
    let message = StoredMessage {
        seq,
        sent_at,
        message_id: r.string()?,
        body: r.string()?,
        sender_id: r.string()?,
        group_id: r.opt()?,
        deduplication_id: r.opt()?,
        sequence_number: r.opt()?,
        dead_letter_source_arn: r.opt()?,
        attributes: r.attributes()?,
        system_attributes: r.attributes()?,
        visible_at: state.visible_at,
        receive_count: state.receive_count,
        first_received_at: state.first_received_at,
    };
    if !r.0.is_empty() {
        return Err(Malformed("trailing bytes"));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let m = StoredMessage {
            seq: 7,
            message_id: "id".into(),
            body: "{\"a\":\"é\"}".into(),
            attributes: vec![
                MessageAttribute {
                    name: "s".into(),
                    data_type: "String".into(),
                    value: AttributeValue::String("v".into()),
                },
                MessageAttribute {
                    name: "b".into(),
                    data_type: "Binary".into(),
                    value: AttributeValue::Binary(vec![0, 1, 255]),
                },
            ],
            system_attributes: vec![],
            group_id: Some("g".into()),
            deduplication_id: None,
            sequence_number: Some("1".into()),
            sender_id: "s".into(),
            sent_at: 42,
            visible_at: 50,
            receive_count: 2,
            first_received_at: Some(45),
            dead_letter_source_arn: Some("arn".into()),
        };
        let state = eddy_store::MessageState {
            visible_at: 50,
            receive_count: 2,
            first_received_at: Some(45),
        };
        assert_eq!(decode(&encode(&m), 7, &state), Ok(m.clone()));
        let bytes = encode(&m);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], 7, &state).is_err());
        }
    }
}
