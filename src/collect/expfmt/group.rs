//! Grouping samples into families by name, TYPE and suffix.
//!
//! Follows client_golang's text parser: a sample joins the family of its exact name if
//! one exists, else the family its name minus a suffix (`_bucket`, `_count`, ...) names
//! when that family's TYPE has such a suffix, else a new untyped family. Families are
//! found by name wherever they appear, so interleaved families still group.

use std::borrow::Cow;
use std::collections::HashMap;

use super::labels::Labels;
use super::lexer::line::RawSample;
use super::model::{Exemplar, MetricFamily, MetricKind, Sample};

/// Suffixes and the family types they belong to.
const SUFFIXES: [(&str, &[MetricKind]); 8] = [
    ("_total", &[MetricKind::Counter]),
    (
        "_created",
        &[
            MetricKind::Counter,
            MetricKind::Histogram,
            MetricKind::Summary,
        ],
    ),
    (
        "_bucket",
        &[MetricKind::Histogram, MetricKind::GaugeHistogram],
    ),
    // Text-format gauge histograms (client_golang) use `_count`/`_sum`.
    (
        "_count",
        &[
            MetricKind::Histogram,
            MetricKind::Summary,
            MetricKind::GaugeHistogram,
        ],
    ),
    (
        "_sum",
        &[
            MetricKind::Histogram,
            MetricKind::Summary,
            MetricKind::GaugeHistogram,
        ],
    ),
    ("_gcount", &[MetricKind::GaugeHistogram]),
    ("_gsum", &[MetricKind::GaugeHistogram]),
    ("_info", &[MetricKind::Info]),
];

struct Slot {
    family: MetricFamily,
    /// Whether a TYPE line set `family.kind` (a second one is an error).
    typed: bool,
    /// Whether samples of it were dropped (`Keep`): a TYPE after them is as
    /// wrong as after kept ones.
    dropped: bool,
}

#[derive(Default)]
pub(crate) struct Families {
    slots: Vec<Slot>,
    by_name: HashMap<String, usize>,
    /// The last sample name and its family: runs of one series name skip the lookup.
    /// Cleared by metadata, which can change where a name belongs.
    last_name: String,
    last_slot: Option<usize>,
}

impl Families {
    pub(crate) fn help(&mut self, name: &str, text: Cow<'_, str>) -> Result<(), String> {
        let Some(slot) = self.declare(name) else {
            return Ok(());
        };
        if slot.family.help.is_some() {
            return Err(format!("second HELP line for metric {name:?}"));
        }
        slot.family.help = Some(text.into_owned());
        Ok(())
    }

    pub(crate) fn kind(&mut self, name: &str, kind: MetricKind) -> Result<(), String> {
        let Some(slot) = self.declare(name) else {
            return Ok(());
        };
        if slot.typed {
            return Err(format!("second TYPE line for metric {name:?}"));
        }
        if !slot.family.samples.is_empty() || slot.dropped {
            // Its samples were already grouped as untyped; re-grouping would be a guess.
            return Err(format!("TYPE line for metric {name:?} after its samples"));
        }
        slot.family.kind = kind;
        slot.typed = true;
        Ok(())
    }

    pub(crate) fn unit(&mut self, name: &str, unit: &str) -> Result<(), String> {
        let Some(slot) = self.declare(name) else {
            return Ok(());
        };
        if slot.family.unit.is_some() {
            return Err(format!("second UNIT line for metric {name:?}"));
        }
        slot.family.unit = Some(unit.to_owned());
        Ok(())
    }

    /// Stores a parsed sample; `labels`/`exemplar_labels` are the parser's scratch.
    pub(crate) fn sample(&mut self, raw: RawSample<'_>, labels: &Labels, exemplar_labels: &Labels) {
        let index = self.slot_for_sample(&raw.name);
        let sample = Sample {
            name: raw.name.into_owned(),
            // Clones allocate exactly their length; the scratch keeps its capacity.
            labels: labels.clone(),
            value: raw.value,
            timestamp_ms: raw.timestamp_ms,
            exemplar: raw.exemplar.map(|e| Exemplar {
                labels: exemplar_labels.clone(),
                value: e.value,
                timestamp_ms: e.timestamp_ms,
            }),
        };
        if let Some(slot) = self.slots.get_mut(index) {
            slot.family.samples.push(sample);
        }
    }

    /// A sample not kept: marks the family it would join, if there is one. No
    /// family is made for it, so a page of many unread names costs nothing
    /// (a TYPE line after such a sample is then not reported as misplaced).
    pub(crate) fn dropped_sample(&mut self, name: &str) {
        let index = self
            .by_name
            .get(name)
            .copied()
            .or_else(|| self.by_suffix(name));
        if let Some(slot) = index.and_then(|i| self.slots.get_mut(i)) {
            slot.dropped = true;
        }
    }

    /// Families in order of first appearance, without the ones that got no samples
    /// (HELP/TYPE for a metric the target does not expose right now).
    pub(crate) fn finish(self) -> Vec<MetricFamily> {
        self.slots
            .into_iter()
            .map(|slot| slot.family)
            .filter(|family| !family.samples.is_empty())
            .collect()
    }

    /// The family named exactly `name`, created if new (metadata never uses suffixes).
    /// Always Some; an Option only because indexing is kept panic-free.
    fn declare(&mut self, name: &str) -> Option<&mut Slot> {
        self.last_slot = None;
        let index = self.index_or_create(name);
        self.slots.get_mut(index)
    }

    fn slot_for_sample(&mut self, name: &str) -> usize {
        if let Some(index) = self.last_slot
            && self.last_name == name
        {
            return index;
        }
        let index = self
            .by_name
            .get(name)
            .copied()
            .or_else(|| self.by_suffix(name))
            .unwrap_or_else(|| self.index_or_create(name));
        self.last_name.clear();
        self.last_name.push_str(name);
        self.last_slot = Some(index);
        index
    }

    fn by_suffix(&self, name: &str) -> Option<usize> {
        SUFFIXES.iter().find_map(|&(suffix, kinds)| {
            let base = name.strip_suffix(suffix)?;
            let &index = self.by_name.get(base)?;
            let kind = self.slots.get(index)?.family.kind;
            kinds.contains(&kind).then_some(index)
        })
    }

    fn index_or_create(&mut self, name: &str) -> usize {
        if let Some(&index) = self.by_name.get(name) {
            return index;
        }
        let index = self.slots.len();
        self.slots.push(new_slot(name));
        self.by_name.insert(name.to_owned(), index);
        index
    }
}

fn new_slot(name: &str) -> Slot {
    Slot {
        family: MetricFamily {
            name: name.to_owned(),
            ..MetricFamily::default()
        },
        typed: false,
        dropped: false,
    }
}
