//! Serde helpers for the JSON that Go servers (Prometheus, Alertmanager) send.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Datelike, Utc};
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// An optional RFC 3339 time. Go marshals an unset `time.Time` as
/// `0001-01-01T00:00:00Z` (e.g. a target never scraped yet): that is "none",
/// as are `null`, `""` and a missing field (with `#[serde(default)]`).
pub(crate) fn go_time<'de, D>(d: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    if text.is_empty() {
        return Ok(None);
    }
    let at = DateTime::parse_from_rfc3339(&text)
        .map_err(|e| serde::de::Error::custom(format_args!("invalid time {text:?}: {e}")))?;
    Ok(Some(at.with_timezone(&Utc)).filter(|t| t.year() > 1))
}

/// A JSON `null` where a list or map is expected, as Go sends for a nil
/// slice: read as empty.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A JSON array of about `count` items (known from an earlier pass over the
/// body), decoded into a list allocated once: serde's own grows by doubling,
/// which holds a storm's list at up to twice its size and copies it as it grows.
pub(crate) fn array_of<T: serde::de::DeserializeOwned>(
    body: &[u8],
    count: usize,
) -> serde_json::Result<Vec<T>> {
    let mut reader = serde_json::Deserializer::from_slice(body);
    let list = SizedArray(count, PhantomData).deserialize(&mut reader)?;
    reader.end()?;
    Ok(list)
}

struct SizedArray<T>(usize, PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for SizedArray<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for SizedArray<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut list = Vec::with_capacity(self.0);
        while let Some(item) = seq.next_element()? {
            list.push(item);
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "go_time")]
        at: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "null_as_default")]
        list: Vec<String>,
    }

    fn at(json: &str) -> Option<DateTime<Utc>> {
        serde_json::from_str::<T>(json).expect(json).at
    }

    #[test]
    fn go_zero_time_and_absence_are_none() {
        assert_eq!(at(r#"{"at":"0001-01-01T00:00:00Z"}"#), None);
        assert_eq!(at(r#"{"at":null}"#), None);
        assert_eq!(at(r#"{"at":""}"#), None);
        assert_eq!(at("{}"), None);
        let t = at(r#"{"at":"2024-03-01T10:00:00.123456789+01:00"}"#).expect("time");
        assert_eq!(t.to_rfc3339(), "2024-03-01T09:00:00.123456789+00:00");
        assert!(serde_json::from_str::<T>(r#"{"at":"yesterday"}"#).is_err());
    }

    #[test]
    fn null_lists_are_empty() {
        let t: T = serde_json::from_str(r#"{"list":null}"#).expect("null list");
        assert!(t.list.is_empty());
    }

    #[test]
    fn arrays_of_a_known_size_decode_like_any_list() {
        let list: Vec<u32> = array_of(b"[1, 2, 3]", 3).unwrap();
        assert_eq!(
            (list, array_of::<u32>(b"[]", 0).unwrap()),
            (vec![1, 2, 3], vec![])
        );
        // A wrong count only costs room, never items.
        assert_eq!(array_of::<u32>(b"[1,2]", 1).unwrap(), [1, 2]);
        assert!(array_of::<u32>(b"[1] x", 1).is_err(), "trailing text");
        assert!(array_of::<u32>(b"{}", 1).is_err());
    }
}
