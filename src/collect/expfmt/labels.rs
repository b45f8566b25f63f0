//! A compact label set: all names and values in one string plus their end offsets.
//!
//! Two allocations per set instead of two per label; a scrape holds tens of thousands
//! of them, so this is most of the parser's allocation cost.

use std::fmt;

/// Label pairs in the order the exposition wrote them. Equality is order-sensitive.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Labels {
    /// Each label's name then value, back to back.
    text: String,
    /// Per label: (end of name, end of value) in `text`; a name starts where the
    /// previous value ended.
    ends: Vec<(usize, usize)>,
}

impl Labels {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The value of the first label called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|&(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            labels: self,
            next: 0,
        }
    }

    /// Appends a pair (does not check for duplicates; the parser does).
    pub fn push(&mut self, name: &str, value: &str) {
        let name_end = self.begin_label(name);
        self.text.push_str(value);
        self.end_label(name_end);
    }

    /// Parser use: writes `name`, returns where it ends; the value is then appended to
    /// `text_mut()` and closed with `end_label`.
    pub(crate) fn begin_label(&mut self, name: &str) -> usize {
        self.text.push_str(name);
        self.text.len()
    }

    pub(crate) fn text_mut(&mut self) -> &mut String {
        &mut self.text
    }

    pub(crate) fn end_label(&mut self, name_end: usize) {
        self.ends.push((name_end, self.text.len()));
    }

    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// A name that occurs twice, if any. Quadratic for the usual handful of labels,
    /// sorted beyond that so a hostile line cannot make it slow.
    pub(crate) fn duplicate_name(&self) -> Option<&str> {
        const SMALL: usize = 16;
        if self.len() < 2 {
            return None;
        }
        if self.len() <= SMALL {
            // On the stack: this runs for every sample.
            let mut slots = [""; SMALL];
            for (slot, (name, _)) in slots.iter_mut().zip(self.iter()) {
                *slot = name;
            }
            let names = slots.get(..self.len()).unwrap_or_default();
            return names.iter().enumerate().find_map(|(i, a)| {
                names
                    .get(i + 1..)
                    .is_some_and(|rest| rest.contains(a))
                    .then_some(*a)
            });
        }
        let mut names: Vec<&str> = self.iter().map(|(n, _)| n).collect();
        names.sort_unstable();
        names.windows(2).find_map(|w| match w {
            [a, b] if a == b => Some(*a),
            _ => None,
        })
    }

    fn pair(&self, i: usize) -> Option<(&str, &str)> {
        let &(name_end, value_end) = self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev)?.1,
            None => 0,
        };
        // Offsets always fall on char boundaries (they are ends of pushed strings);
        // `get` keeps that an invariant rather than a panic site.
        Some((
            self.text.get(start..name_end)?,
            self.text.get(name_end..value_end)?,
        ))
    }
}

/// Iterator over `(name, value)` pairs.
pub struct Iter<'a> {
    labels: &'a Labels,
    next: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let pair = self.labels.pair(self.next)?;
        self.next += 1;
        Some(pair)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.labels.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut labels = Labels::new();
        for (n, v) in iter {
            labels.push(n.as_ref(), v.as_ref());
        }
        labels
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
