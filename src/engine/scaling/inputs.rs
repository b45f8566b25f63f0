//! What one evaluation read: the current replicas and each metric, or why
//! each could not be read. Kept with every stored evaluation, so it can be
//! replayed through other behaviour settings (`opsdeck scaling explain`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// The replicas running, as `current` reads them.
    pub current: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_error: Option<String>,
    /// One per metric, in the target's order.
    pub readings: Vec<Reading>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub name: String,
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where a value the runtime left to `local` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Current,
    /// The target's metric, by index.
    Metric(usize),
}

impl Inputs {
    /// A read put together: what the runtime read (`None`: opsdeck's own
    /// series, read by `local`), each metric under its name.
    pub fn gather(
        names: &[super::MetricSpec],
        current: Option<Result<u32, String>>,
        readings: Vec<Option<Result<f64, String>>>,
        mut local: impl FnMut(Slot) -> Result<f64, String>,
    ) -> Inputs {
        let current = current.unwrap_or_else(|| local(Slot::Current).and_then(replicas));
        let readings = names
            .iter()
            .zip(readings)
            .enumerate()
            .map(|(j, (m, read))| {
                Reading::read(&m.name, read.unwrap_or_else(|| local(Slot::Metric(j))))
            })
            .collect();
        Inputs {
            current: current.as_ref().ok().copied(),
            current_error: current.err(),
            readings,
        }
    }

    /// The metrics' values as the scaler takes them (None: unreadable).
    pub fn values(&self) -> Vec<Option<f64>> {
        self.readings.iter().map(|r| r.value).collect()
    }
}

impl Reading {
    pub fn read(name: &str, value: Result<f64, String>) -> Reading {
        match value {
            Ok(v) => Reading {
                name: name.to_string(),
                value: Some(v),
                error: None,
            },
            Err(e) => Reading {
                name: name.to_string(),
                value: None,
                error: Some(e),
            },
        }
    }
}

/// The one number a query must give: a scalar, or a vector of exactly one
/// sample (an aggregation such as `avg(...)` or `count(...)`).
pub fn one_value(values: &[f64]) -> Result<f64, String> {
    match values {
        [v] if v.is_finite() => Ok(*v),
        [v] => Err(format!("the query gave {v}, not a number to scale on")),
        [] => Err("the query returned no data".into()),
        many => Err(format!(
            "the query returned {} series; it must give one number (aggregate it, e.g. avg(...))",
            many.len()
        )),
    }
}

/// A replica count read from a query or a command's output.
pub fn replicas(v: f64) -> Result<u32, String> {
    if !(0.0..=f64::from(u32::MAX)).contains(&v) {
        return Err(format!("{v} is not a replica count"));
    }
    Ok(v.round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_must_give_one_number() {
        assert_eq!(one_value(&[3.0]), Ok(3.0));
        assert!(one_value(&[]).unwrap_err().contains("no data"));
        assert!(one_value(&[1.0, 2.0]).unwrap_err().contains("2 series"));
        assert!(one_value(&[f64::NAN]).is_err());
        assert_eq!(replicas(2.0), Ok(2));
        assert!(replicas(-1.0).is_err());
    }
}
