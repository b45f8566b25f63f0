//! An alert's labels (or annotations) as they are kept: immutable, sorted by
//! name, in one shared allocation (cloning one is a reference count).
//!
//! A storm holds tens of thousands of these (each source's copy and the rows
//! share them). As `BTreeMap<String, String>` each cost ~1 KiB however few the
//! labels (a 544-byte node, one allocation per name and per value); here a
//! typical alert's labels take one allocation of ~110 bytes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct LabelSet {
    /// `None` when empty. Else: the number of labels (u32), where each name
    /// and each value ends in the text (two u32 per label), then the text:
    /// every name and value concatenated in name order. Integers are little
    /// endian. Only `build` writes it, from whole `str`s.
    data: Option<Arc<[u8]>>,
}

/// Read access to labels however they are held (a set, or a map being built).
pub trait Labelled {
    fn label(&self, name: &str) -> Option<&str>;
}

impl Labelled for LabelSet {
    fn label(&self, name: &str) -> Option<&str> {
        self.get(name)
    }
}

impl Labelled for BTreeMap<String, String> {
    fn label(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl LabelSet {
    pub fn new() -> LabelSet {
        LabelSet::default()
    }

    /// From pairs in any order; of two with one name the later wins (as
    /// inserting into a map).
    fn build<K: AsRef<str>, V: AsRef<str>>(mut pairs: Vec<(K, V)>) -> LabelSet {
        pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref())); // stable: the later stays later
        let last_of_name = |i: usize| {
            pairs
                .get(i + 1)
                .is_none_or(|next| next.0.as_ref() != pairs[i].0.as_ref())
        };
        let keep: Vec<usize> = (0..pairs.len()).filter(|&i| last_of_name(i)).collect();
        if keep.is_empty() {
            return LabelSet::default();
        }
        let text: usize = keep
            .iter()
            .map(|&i| pairs[i].0.as_ref().len() + pairs[i].1.as_ref().len())
            .sum();
        let mut data = Vec::with_capacity(4 + keep.len() * 8 + text);
        data.extend_from_slice(&offset(keep.len()).to_le_bytes());
        let mut end = 0;
        for &i in &keep {
            for part in [pairs[i].0.as_ref(), pairs[i].1.as_ref()] {
                end += part.len();
                data.extend_from_slice(&offset(end).to_le_bytes());
            }
        }
        for &i in &keep {
            data.extend_from_slice(pairs[i].0.as_ref().as_bytes());
            data.extend_from_slice(pairs[i].1.as_ref().as_bytes());
        }
        LabelSet {
            data: Some(Arc::from(data)),
        }
    }

    pub fn len(&self) -> usize {
        self.data.as_deref().map_or(0, |d| read_u32(d, 0))
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_none()
    }

    /// The `index`th name or value (names at even indices).
    fn part(&self, index: usize) -> &str {
        let Some(data) = self.data.as_deref() else {
            return "";
        };
        let text = 4 + read_u32(data, 0) * 8;
        let start = if index == 0 {
            0
        } else {
            read_u32(data, index * 4)
        };
        let end = read_u32(data, 4 + index * 4);
        // SAFETY: `build` wrote the text from whole `str`s and recorded where
        // each ends: every part starts and ends on a char boundary of UTF-8.
        unsafe { std::str::from_utf8_unchecked(&data[text + start..text + end]) }
    }

    fn name(&self, label: usize) -> &str {
        self.part(label * 2)
    }

    fn value(&self, label: usize) -> &str {
        self.part(label * 2 + 1)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        let at = self.position(name).ok()?;
        Some(self.value(at))
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = (low + high) / 2;
            match self.name(mid).cmp(name) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(low)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            set: self,
            next: 0..self.len(),
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.name(i))
    }

    pub fn values(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.value(i))
    }

    /// A copy with `name` set to `value` (sets are immutable; this is rare).
    pub fn with(&self, name: &str, value: &str) -> LabelSet {
        let mut pairs: Vec<(&str, &str)> = self.iter().collect();
        pairs.push((name, value));
        LabelSet::build(pairs)
    }

    /// Every label of both; `self`'s value where both have a name.
    pub fn union(&self, other: &LabelSet) -> LabelSet {
        LabelSet::build(other.iter().chain(self.iter()).collect())
    }

    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

pub struct Iter<'a> {
    set: &'a LabelSet,
    next: std::ops::Range<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let i = self.next.next()?;
        Some((self.set.name(i), self.set.value(i)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.next.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a LabelSet {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Label sets are small: a set over 4 GiB is not one a server sends (the API
/// bodies are capped far below).
fn offset(len: usize) -> u32 {
    u32::try_from(len).expect("a label set under 4 GiB")
}

fn read_u32(data: &[u8], at: usize) -> usize {
    let bytes: [u8; 4] = data[at..at + 4].try_into().expect("four bytes");
    u32::from_le_bytes(bytes) as usize
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for LabelSet {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> LabelSet {
        LabelSet::build(pairs.into_iter().collect())
    }
}

impl From<&BTreeMap<String, String>> for LabelSet {
    fn from(map: &BTreeMap<String, String>) -> LabelSet {
        map.iter().collect()
    }
}

impl From<BTreeMap<String, String>> for LabelSet {
    fn from(map: BTreeMap<String, String>) -> LabelSet {
        LabelSet::from(&map)
    }
}

/// `set["name"]`, as on a map: panics when the label is missing.
impl std::ops::Index<&str> for LabelSet {
    type Output = str;

    fn index(&self, name: &str) -> &str {
        self.get(name)
            .unwrap_or_else(|| panic!("no label {name:?} in {self:?}"))
    }
}

/// The order of the same labels in a map: name by name, then value.
impl Ord for LabelSet {
    fn cmp(&self, other: &LabelSet) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for LabelSet {
    fn partial_cmp(&self, other: &LabelSet) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for LabelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for LabelSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for LabelSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LabelSet, D::Error> {
        deserializer.deserialize_map(SetVisitor)
    }
}

struct SetVisitor;

impl<'de> Visitor<'de> for SetVisitor {
    type Value = LabelSet;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of label names and string values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LabelSet, A::Error> {
        // Borrowed from the body where it can be: no allocation per string.
        let mut pairs: Vec<(Text<'de>, Text<'de>)> =
            Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(pair) = map.next_entry()? {
            pairs.push(pair);
        }
        Ok(LabelSet::build(pairs))
    }
}

/// A string from the decoder, borrowed when it had no escapes.
struct Text<'de>(Cow<'de, str>);

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text<'de>, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(s)))
    }
}

#[cfg(test)]
mod tests;
