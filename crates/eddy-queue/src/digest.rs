//! The digests SQS computes: MD5 of the body and of the message attributes (which clients
//! check), and SHA-256 of the body for content-based deduplication.

use md5::{Digest, Md5};

use crate::message::{AttributeValue, MessageAttribute};

/// The digests `SendMessage` returns for a message, computed from what the producer sent
/// (only callers that answer a producer need them: a rule's queue target does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendDigests {
    /// `MD5OfMessageBody`.
    pub md5_of_body: String,
    /// `MD5OfMessageAttributes`, when there are attributes.
    pub md5_of_message_attributes: Option<String>,
    /// `MD5OfMessageSystemAttributes`, when there are system attributes.
    pub md5_of_message_system_attributes: Option<String>,
}

impl SendDigests {
    /// The digests of a body and its attributes.
    pub fn of(
        body: &str,
        attributes: &[MessageAttribute],
        system_attributes: &[MessageAttribute],
    ) -> SendDigests {
        SendDigests {
            md5_of_body: md5_of_body(body),
            md5_of_message_attributes: md5_of_attributes(attributes),
            md5_of_message_system_attributes: md5_of_attributes(system_attributes),
        }
    }
}

/// MD5 of the body's UTF-8 bytes, lowercase hex (`MD5OfMessageBody` / `MD5OfBody`).
pub fn md5_of_body(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// SQS's MD5 of message attributes (`MD5OfMessageAttributes`, `MD5OfMessageSystemAttributes`),
/// or `None` when there are none. Attributes are sorted by name; each contributes its name, its
/// data type (both length-prefixed, 4-byte big-endian), a transport byte (1 for string values,
/// 2 for binary) and its length-prefixed value.
pub fn md5_of_attributes(attrs: &[MessageAttribute]) -> Option<String> {
    let refs: Vec<&MessageAttribute> = attrs.iter().collect();
    md5_of_attribute_refs(&refs)
}

/// [`md5_of_attributes`] over a selection, such as [`crate::select_message_attributes`] returns
/// (SQS digests the attributes it returns).
pub fn md5_of_attribute_refs(attrs: &[&MessageAttribute]) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    let mut sorted = attrs.to_vec();
    sorted.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let mut md5 = Md5::new();
    for attr in sorted {
        put_prefixed(&mut md5, attr.name.as_bytes());
        put_prefixed(&mut md5, attr.data_type.as_bytes());
        match &attr.value {
            AttributeValue::String(s) => {
                md5.update([1u8]);
                put_prefixed(&mut md5, s.as_bytes());
            }
            AttributeValue::Binary(b) => {
                md5.update([2u8]);
                put_prefixed(&mut md5, b);
            }
        }
    }
    Some(hex::encode(md5.finalize()))
}

fn put_prefixed(md5: &mut Md5, bytes: &[u8]) {
    // Attribute sizes are bounded far below 4 GiB by the message size limit; saturate anyway.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    md5.update(len.to_be_bytes());
    md5.update(bytes);
}

/// SHA-256 of `data`, lowercase hex: the deduplication id SQS derives from the body when a FIFO
/// queue has `ContentBasedDeduplication`. (A small implementation of FIPS 180-4 so the crate needs
/// no further dependency.)
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(sha256(data))
}

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut tail = Vec::with_capacity(128);
    let full = data.len() - data.len() % 64;
    tail.extend_from_slice(&data[full..]);
    tail.push(0x80);
    while tail.len() % 64 != 56 {
        tail.push(0);
    }
    tail.extend_from_slice(&bit_len.to_be_bytes());
    for block in data[..full].chunks_exact(64).chain(tail.chunks_exact(64)) {
        compress(&mut h, block);
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn compress(h: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 64];
    for (i, chunk) in block.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    for i in 16..64 {
        let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
        let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16]
            .wrapping_add(s0)
            .wrapping_add(w[i - 7])
            .wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
    for i in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = hh
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(K[i])
            .wrapping_add(w[i]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        hh = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
        *x = x.wrapping_add(y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, data_type: &str, value: &str) -> MessageAttribute {
        MessageAttribute {
            name: name.into(),
            data_type: data_type.into(),
            value: AttributeValue::String(value.into()),
        }
    }

    #[test]
    fn body_md5() {
        assert_eq!(
            md5_of_body("This is a test message"),
            "fafb00f5732ab283681e124bf8747ed1"
        );
        assert_eq!(md5_of_body("héllo ✓"), "21b1ae5bc147bb564254200a4731e337");
    }

    #[test]
    fn attributes_md5_matches_the_aws_docs_example() {
        // The SendMessage example of the SQS API reference (any order in, sorted inside).
        let attrs = vec![
            s("WeeksOn", "Number", "6"),
            s("Author", "String", "John Grisham"),
            s("Title", "String", "The Whistler"),
        ];
        assert_eq!(
            md5_of_attributes(&attrs).as_deref(),
            Some("d25a6aea97eb8f585bfa92d314504a92")
        );
        assert_eq!(md5_of_attributes(&[]), None);
    }

    #[test]
    fn attributes_md5_binary_and_custom_types() {
        // Computed with Python's hashlib following the same algorithm.
        let attrs = vec![
            MessageAttribute {
                name: "b".into(),
                data_type: "Binary".into(),
                value: AttributeValue::Binary(vec![0, 1, 255]),
            },
            s("a", "String.custom", "x"),
        ];
        assert_eq!(
            md5_of_attributes(&attrs).as_deref(),
            Some("597b54b741a2cbeec2237c65fb30c407")
        );
        let trace = s(
            "AWSTraceHeader",
            "String",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        );
        assert_eq!(
            md5_of_attributes(&[trace]).as_deref(),
            Some("5ae4d5d7636402d80f4eb6d213245a88")
        );
    }

    #[test]
    fn sha256_vectors() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(&[b'a'; 1000]),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
        // 55, 56 and 64 bytes: the padding edge cases.
        let cases = [
            (
                55,
                "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072",
            ),
            (
                56,
                "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e",
            ),
            (
                63,
                "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2",
            ),
            (
                64,
                "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c",
            ),
            (
                65,
                "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9",
            ),
        ];
        for (n, want) in cases {
            assert_eq!(sha256_hex(&vec![b'x'; n]), want, "{n} bytes");
        }
    }
}
