//! Alert fingerprints: a 64-bit identity for a label set that must be the same in
//! every run and every process, because it keys alerts across evaluations and is
//! handed to notifications (and possibly persisted or compared between instances).
//!
//! `std`'s `DefaultHasher`/`RandomState` is seeded per process, so it is not used.
//! Instead: FNV-1a 64 over `name 0xFF value 0xFF` for each label in sorted name
//! order. `0xFF` never occurs in UTF-8, so the separator cannot be forged by a
//! label value (`{a="b\xffc"}` cannot collide with `{a="b", c=...}`). The values
//! are *not* the same numbers Prometheus computes (it uses xxhash); only stability
//! matters here.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const SEPARATOR: u8 = 0xFF;

/// The fingerprint of a label set, given in name order (a `BTreeMap` or a
/// `LabelSet` iterates so): insertion order cannot change the result.
pub fn fingerprint<K: AsRef<str>, V: AsRef<str>>(labels: impl IntoIterator<Item = (K, V)>) -> u64 {
    let mut hash = FNV_OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(FNV_PRIME);
        }
    };
    for (name, value) in labels {
        feed(name.as_ref().as_bytes());
        feed(&[SEPARATOR]);
        feed(value.as_ref().as_bytes());
        feed(&[SEPARATOR]);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::super::Labels;
    use super::*;

    #[test]
    fn empty_set_is_the_fnv_offset_basis() {
        assert_eq!(fingerprint(&Labels::new()), FNV_OFFSET);
    }

    #[test]
    fn matches_reference_fnv1a_of_the_serialised_form() {
        // Reference FNV-1a 64 computed independently over the documented bytes.
        let mut labels = Labels::new();
        labels.insert("a".into(), "b".into());
        let bytes = b"a\xffb\xff";
        let mut expected = FNV_OFFSET;
        for &b in bytes {
            expected = (expected ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
        assert_eq!(fingerprint(&labels), expected);
    }

    #[test]
    fn separator_keeps_name_value_boundaries() {
        let mut one = Labels::new();
        one.insert("ab".into(), "c".into());
        let mut two = Labels::new();
        two.insert("a".into(), "bc".into());
        assert_ne!(fingerprint(&one), fingerprint(&two));
    }
}
