//! Hash map keys and values laid out for lookups with many patterns: a short string key
//! stored inside the map's bucket, and a list of slots that holds its first slot inline, so
//! that a lookup which finds one pattern reads the bucket and nothing behind a pointer.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

use super::SlotId;

/// Longest key kept inline.
const INLINE: usize = 22;

/// A byte-string key: inline up to [`INLINE`] bytes, else on the heap. Hashes and
/// compares as its bytes, so maps keyed by it are searched with a `&[u8]`.
#[derive(Debug, Clone)]
pub(crate) enum StrKey {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl StrKey {
    pub(crate) fn new(text: &[u8]) -> StrKey {
        if text.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..text.len()].copy_from_slice(text);
            StrKey::Inline {
                len: text.len() as u8,
                bytes,
            }
        } else {
            StrKey::Heap(text.into())
        }
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            StrKey::Inline { len, bytes } => &bytes[..usize::from(*len)],
            StrKey::Heap(b) => b,
        }
    }
}

impl Borrow<[u8]> for StrKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for StrKey {
    fn eq(&self, other: &StrKey) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for StrKey {}

impl Hash for StrKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}

/// The slots under one key, the first inline.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slots {
    len: u32,
    /// The only slot, when `len == 1`.
    one: SlotId,
    /// All the slots, when `len > 1`.
    more: Vec<SlotId>,
}

impl Slots {
    #[inline]
    pub(crate) fn as_slice(&self) -> &[SlotId] {
        if self.len == 1 {
            std::slice::from_ref(&self.one)
        } else {
            &self.more
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn push(&mut self, slot: SlotId) {
        match self.len {
            0 => self.one = slot,
            1 => self.more = vec![self.one, slot],
            _ => self.more.push(slot),
        }
        self.len += 1;
    }

    /// Keeps the slots for which `keep` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(SlotId) -> bool) {
        let kept: Vec<SlotId> = self
            .as_slice()
            .iter()
            .copied()
            .filter(|&s| keep(s))
            .collect();
        *self = Slots::default();
        for s in kept {
            self.push(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_keep_their_members_through_pushes_and_removals() {
        let mut s = Slots::default();
        assert!(s.is_empty());
        assert_eq!(s.as_slice(), &[] as &[SlotId]);
        s.push(4);
        assert_eq!(s.as_slice(), &[4]);
        s.push(5);
        s.push(4);
        assert_eq!(s.as_slice(), &[4, 5, 4]);
        s.retain(|x| x != 4);
        assert_eq!(s.as_slice(), &[5]);
        s.retain(|x| x != 5);
        assert!(s.is_empty());
    }

    #[test]
    fn keys_compare_and_hash_as_their_bytes() {
        use rustc_hash::FxHashMap;
        let long = [b'x'; 40];
        let mut m: FxHashMap<StrKey, u32> = FxHashMap::default();
        for (i, k) in [&b""[..], b"a", &long[..INLINE], &long[..INLINE + 1], &long]
            .iter()
            .enumerate()
        {
            m.insert(StrKey::new(k), i as u32);
        }
        assert_eq!(m.len(), 5);
        assert_eq!(m.get(&b""[..]), Some(&0));
        assert_eq!(m.get(&b"a"[..]), Some(&1));
        assert_eq!(m.get(&long[..INLINE]), Some(&2));
        assert_eq!(m.get(&long[..INLINE + 1]), Some(&3));
        assert_eq!(m.get(&long[..]), Some(&4));
        assert_eq!(m.get(&b"b"[..]), None);
    }
}
