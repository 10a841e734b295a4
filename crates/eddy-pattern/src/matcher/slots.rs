//! Hash maps laid out for lookups with many patterns: a short string key stored inside
//! the map's bucket, and a list of slots that holds its first slot inline, so that a lookup
//! which finds one pattern reads the bucket and nothing behind a pointer; and in front of
//! each string-keyed map a bitset of its keys' hashes, small enough to stay in cache, so
//! that most lookups of a value no pattern names touch the map not at all.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

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

/// The items under one key: a lone item inline, more in a `Vec`.
#[derive(Debug, Clone)]
pub(crate) enum Items<T> {
    One(T),
    /// None (empty), or two or more.
    Many(Vec<T>),
}

/// The slots under one key: up to [`FEW_SLOTS`] inline, so that a value a few patterns
/// name (a block number several rules select, say) is read from the map's bucket with
/// nothing behind a pointer; more in a `Vec`.
#[derive(Debug, Clone)]
pub(crate) enum Slots {
    Few {
        len: u8,
        slots: [SlotId; FEW_SLOTS],
    },
    /// More than [`FEW_SLOTS`].
    Many(Vec<SlotId>),
}

/// Most slots held inline in [`Slots`].
const FEW_SLOTS: usize = 4;

impl Default for Slots {
    fn default() -> Self {
        Slots::Few {
            len: 0,
            slots: [0; FEW_SLOTS],
        }
    }
}

impl Slots {
    #[inline]
    pub(crate) fn as_slice(&self) -> &[SlotId] {
        match self {
            Slots::Few { len, slots } => &slots[..usize::from(*len)],
            Slots::Many(v) => v,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    pub(crate) fn push(&mut self, slot: SlotId) {
        match self {
            Slots::Few { len, slots } if usize::from(*len) < FEW_SLOTS => {
                slots[usize::from(*len)] = slot;
                *len += 1;
            }
            Slots::Few { slots, .. } => {
                let mut all = slots.to_vec();
                all.push(slot);
                *self = Slots::Many(all);
            }
            Slots::Many(v) => v.push(slot),
        }
    }

    /// Keeps the slots for which `keep` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&SlotId) -> bool) {
        let kept: Vec<SlotId> = self
            .as_slice()
            .iter()
            .copied()
            .filter(|s| keep(s))
            .collect();
        *self = Slots::default();
        for s in kept {
            self.push(s);
        }
    }
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items::Many(Vec::new())
    }
}

impl<T> Items<T> {
    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        match self {
            Items::One(t) => std::slice::from_ref(t),
            Items::Many(v) => v,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn push(&mut self, item: T) {
        match self {
            Items::Many(v) if v.is_empty() => *self = Items::One(item),
            Items::Many(v) => v.push(item),
            Items::One(_) => {
                if let Items::One(first) = std::mem::take(self) {
                    *self = Items::Many(vec![first, item]);
                }
            }
        }
    }

    /// Keeps the items for which `keep` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        match self {
            Items::One(t) => {
                if !keep(t) {
                    *self = Items::default();
                }
            }
            Items::Many(v) => {
                v.retain(|t| keep(t));
                if v.len() == 1 {
                    let only = v.pop().expect("one item");
                    *self = Items::One(only);
                }
            }
        }
    }
}

/// A map from byte strings: an open-addressed table of cache-line buckets, each holding
/// its key's hash, the key (inline when short) and the value, so that finding a key reads
/// one line; with a filter of the keys' hashes in front.
#[derive(Debug)]
pub(crate) struct KeyMap<V> {
    /// A power of two many, or none; linear probing, at most [`MAX_LOAD`] full.
    buckets: Vec<Bucket<V>>,
    len: usize,
    /// One bit per hash value modulo its size (a power of two, at least
    /// [`BITS_PER_KEY`] per key): a clear bit means no key has that hash.
    filter: Vec<u64>,
    /// Keys removed since the filter was built: their bits may still be set.
    stale: usize,
}

#[derive(Debug)]
#[repr(align(64))]
struct Bucket<V>(Option<(u64, StrKey, V)>);

/// Filter bits per key: with one hash, about 6% of absent keys pass.
const BITS_PER_KEY: usize = 16;

/// Most keys per bucket, as a fraction `.0 / .1`.
const MAX_LOAD: (usize, usize) = (7, 10);

fn key_hash(key: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(key);
    let h = h.finish();
    (h ^ (h >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap {
            buckets: Vec::new(),
            len: 0,
            filter: Vec::new(),
            stale: 0,
        }
    }
}

impl<V: Default> KeyMap<V> {
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn filter_bit(&self, h: u64) -> usize {
        (h >> 8) as usize & (self.filter.len() * 64 - 1)
    }

    /// Where `key` (with hash `h`) is, if held.
    #[inline]
    fn find(&self, key: &[u8], h: u64) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let i = self.filter_bit(h);
        if self.filter[i / 64] >> (i % 64) & 1 == 0 {
            return None;
        }
        let mask = self.buckets.len() - 1;
        let mut at = (h >> 32) as usize & mask;
        loop {
            match &self.buckets[at].0 {
                None => return None,
                Some((bh, k, _)) if *bh == h && k.as_bytes() == key => return Some(at),
                Some(_) => at = (at + 1) & mask,
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self, key: &[u8]) -> Option<&V> {
        // An empty table (most fields leave most tables empty) answers before hashing.
        if self.len == 0 {
            return None;
        }
        let at = self.find(key, key_hash(key))?;
        self.buckets[at].0.as_ref().map(|(_, _, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        let at = self.find(key, key_hash(key))?;
        self.buckets[at].0.as_mut().map(|(_, _, v)| v)
    }

    /// The value under `key`, inserted as the default if missing.
    pub(crate) fn entry(&mut self, key: &[u8]) -> &mut V {
        let h = key_hash(key);
        let at = match self.find(key, h) {
            Some(at) => at,
            None => {
                if (self.len + 1) * MAX_LOAD.1 > self.buckets.len() * MAX_LOAD.0 {
                    self.resize((self.len + 1) * MAX_LOAD.1 / MAX_LOAD.0 + 1);
                }
                self.len += 1;
                let at = self.place(h, StrKey::new(key), V::default());
                if self.len * BITS_PER_KEY > self.filter.len() * 64 {
                    self.rebuild_filter();
                } else {
                    let i = self.filter_bit(h);
                    self.filter[i / 64] |= 1 << (i % 64);
                }
                at
            }
        };
        self.buckets[at]
            .0
            .as_mut()
            .map(|(_, _, v)| v)
            .expect("a full bucket")
    }

    /// Puts an entry in the first free bucket from its place; returns where.
    fn place(&mut self, h: u64, key: StrKey, value: V) -> usize {
        let mask = self.buckets.len() - 1;
        let mut at = (h >> 32) as usize & mask;
        while self.buckets[at].0.is_some() {
            at = (at + 1) & mask;
        }
        self.buckets[at].0 = Some((h, key, value));
        at
    }

    /// Moves the entries into a table of at least `want` buckets.
    fn resize(&mut self, want: usize) {
        let n = want.next_power_of_two().max(8);
        let old = std::mem::replace(&mut self.buckets, (0..n).map(|_| Bucket(None)).collect());
        for (h, k, v) in old.into_iter().filter_map(|b| b.0) {
            self.place(h, k, v);
        }
    }

    pub(crate) fn remove(&mut self, key: &[u8]) {
        let Some(mut hole) = self.find(key, key_hash(key)) else {
            return;
        };
        self.buckets[hole].0 = None;
        self.len -= 1;
        // Backward shift: move up each later entry of the run whose place is not between
        // the hole and itself, so that no lookup meets an empty bucket before its key.
        let mask = self.buckets.len() - 1;
        let mut at = (hole + 1) & mask;
        while let Some((h, _, _)) = &self.buckets[at].0 {
            let ideal = (*h >> 32) as usize & mask;
            if at.wrapping_sub(ideal) & mask >= at.wrapping_sub(hole) & mask {
                self.buckets[hole].0 = self.buckets[at].0.take();
                hole = at;
            }
            at = (at + 1) & mask;
        }
        self.stale += 1;
        if self.stale > self.len + 64 {
            self.rebuild_filter();
        }
    }

    /// Sizes the filter for the keys there are and sets their bits.
    fn rebuild_filter(&mut self) {
        let bits = (self.len * BITS_PER_KEY).next_power_of_two().max(512);
        self.filter = vec![0; bits / 64];
        self.stale = 0;
        for b in 0..self.buckets.len() {
            if let Some((h, _, _)) = self.buckets[b].0 {
                let i = self.filter_bit(h);
                self.filter[i / 64] |= 1 << (i % 64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random inserts and removals agree with a std map (small key spaces, so probe runs
    /// wrap around the table and removals shift entries back).
    #[test]
    fn key_maps_agree_with_a_std_map() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for space in [3u64, 10, 40, 300] {
            let mut m: KeyMap<u64> = KeyMap::default();
            let mut model = std::collections::HashMap::new();
            for _ in 0..20_000 {
                let k = (next() % space).to_string().into_bytes();
                if next() % 3 == 0 {
                    m.remove(&k);
                    model.remove(&k);
                } else {
                    let v = next();
                    *m.entry(&k) = v;
                    model.insert(k, v);
                }
                assert_eq!(m.len, model.len());
            }
            for k in 0..space {
                let k = k.to_string().into_bytes();
                assert_eq!(m.get(&k), model.get(&k), "space {space}");
            }
        }
    }

    /// The filter never hides a key, through growth and removals.
    #[test]
    fn key_maps_find_every_key_they_hold() {
        let mut m: KeyMap<u32> = KeyMap::default();
        assert_eq!(m.get(b"a"), None);
        let key = |i: u32| format!("key-{i}").into_bytes();
        for i in 0..5000 {
            *m.entry(&key(i)) = i;
        }
        for i in 0..5000 {
            assert_eq!(m.get(&key(i)), Some(&i));
        }
        let passed = (5000..15000)
            .filter(|&i| {
                let h = key_hash(&key(i));
                let b = m.filter_bit(h);
                m.filter[b / 64] >> (b % 64) & 1 == 1
            })
            .count();
        assert!(
            passed < 1500,
            "{passed} of 10000 absent keys pass the filter"
        );
        for i in (0..5000).step_by(2) {
            m.remove(&key(i));
        }
        for i in 0..5000 {
            assert_eq!(m.get(&key(i)), (i % 2 == 1).then_some(&i));
        }
        for i in 0..5000 {
            m.remove(&key(i));
        }
        assert!(m.is_empty());
        *m.entry(b"back") = 1;
        assert_eq!(m.get(b"back"), Some(&1));
    }

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
        s.retain(|&x| x != 4);
        assert_eq!(s.as_slice(), &[5]);
        s.retain(|&x| x != 5);
        assert!(s.is_empty());
        // Past the inline ones and back.
        for i in 0..9 {
            s.push(i);
        }
        assert!(matches!(s, Slots::Many(_)));
        assert_eq!(s.as_slice(), &[0, 1, 2, 3, 4, 5, 6, 7, 8]);
        s.retain(|&x| x % 3 == 0);
        assert!(matches!(s, Slots::Few { .. }));
        assert_eq!(s.as_slice(), &[0, 3, 6]);
    }

    /// A bucket of a map of slots, with its key inline, stays one cache line.
    #[test]
    fn a_bucket_of_slots_is_one_line() {
        assert_eq!(std::mem::size_of::<Bucket<Slots>>(), 64);
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
