//! Prefix and suffix lookup: one hash map keyed by the literal, and the distinct literal
//! lengths, so a value is checked with one lookup per distinct length, not per pattern.

use super::slots::{Items, KeyMap};

/// Literals (prefixes or suffixes) with a payload each.
#[derive(Debug)]
pub(crate) struct LenIndex<T> {
    by_text: KeyMap<Items<T>>,
    /// Distinct lengths, ascending, with how many literals have each.
    lens: Vec<(usize, usize)>,
}

impl<T> Default for LenIndex<T> {
    fn default() -> Self {
        LenIndex {
            by_text: KeyMap::default(),
            lens: Vec::new(),
        }
    }
}

impl<T: PartialEq> LenIndex<T> {
    pub(crate) fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    pub(crate) fn insert(&mut self, text: &[u8], item: T) {
        self.by_text.entry(text).push(item);
        match self.lens.binary_search_by_key(&text.len(), |&(l, _)| l) {
            Ok(i) => self.lens[i].1 += 1,
            Err(i) => self.lens.insert(i, (text.len(), 1)),
        }
    }

    /// Removes the items under `text` for which `gone` is true.
    pub(crate) fn remove(&mut self, text: &[u8], mut gone: impl FnMut(&T) -> bool) {
        let Some(items) = self.by_text.get_mut(text) else {
            return;
        };
        let before = items.len();
        items.retain(|t| !gone(t));
        let removed = before - items.len();
        if items.is_empty() {
            self.by_text.remove(text);
        }
        if let Ok(i) = self.lens.binary_search_by_key(&text.len(), |&(l, _)| l) {
            self.lens[i].1 -= removed;
            if self.lens[i].1 == 0 {
                self.lens.remove(i);
            }
        }
    }

    /// Calls `f` with every literal that is a prefix of `value` and each of its items.
    pub(crate) fn prefixes_of(&self, value: &[u8], mut f: impl FnMut(&[u8], &T)) {
        for &(len, _) in &self.lens {
            if len > value.len() {
                break;
            }
            let literal = &value[..len];
            if let Some(items) = self.by_text.get(literal) {
                items.as_slice().iter().for_each(|t| f(literal, t));
            }
        }
    }

    /// Calls `f` with every literal that is a suffix of `value` and each of its items.
    pub(crate) fn suffixes_of(&self, value: &[u8], mut f: impl FnMut(&[u8], &T)) {
        for &(len, _) in &self.lens {
            if len > value.len() {
                break;
            }
            let literal = &value[value.len() - len..];
            if let Some(items) = self.by_text.get(literal) {
                items.as_slice().iter().for_each(|t| f(literal, t));
            }
        }
    }
}
