use super::*;
use proptest::prelude::*;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn reads_like_the_map_it_was_built_from() {
    let set: LabelSet = [
        ("severity", "critical"),
        ("alertname", "HighCPU"),
        ("instance", "db-1"),
    ]
    .into_iter()
    .collect();
    assert_eq!(set.len(), 3);
    assert_eq!(set.get("alertname"), Some("HighCPU"));
    assert_eq!(set.get("instance"), Some("db-1"));
    assert_eq!(set.get("job"), None);
    assert!(set.contains_key("severity") && !set.contains_key("sev"));
    let names: Vec<&str> = set.keys().collect();
    assert_eq!(names, ["alertname", "instance", "severity"]);
    assert_eq!(
        set.to_map(),
        map(&[
            ("severity", "critical"),
            ("alertname", "HighCPU"),
            ("instance", "db-1")
        ])
    );
    assert_eq!(
        format!("{set:?}"),
        r#"{"alertname": "HighCPU", "instance": "db-1", "severity": "critical"}"#
    );
}

#[test]
fn of_two_values_for_a_name_the_later_wins() {
    let set: LabelSet = [("a", "1"), ("b", "2"), ("a", "3")].into_iter().collect();
    assert_eq!(set.to_map(), map(&[("a", "3"), ("b", "2")]));
    assert_eq!(set.with("b", "9").get("b"), Some("9"));
    assert_eq!(set.with("c", "").get("c"), Some(""));
}

#[test]
fn empty_names_and_values_are_kept_apart() {
    let set: LabelSet = [("", ""), ("x", ""), ("y", "z")].into_iter().collect();
    assert_eq!(set.get(""), Some(""));
    assert_eq!(set.get("x"), Some(""));
    assert_eq!(set.get("y"), Some("z"));
    assert!(LabelSet::new().is_empty() && LabelSet::new().get("").is_none());
}

#[test]
fn json_in_and_out_as_an_object_escapes_included() {
    let json = r#"{"b":"line\nbreak","a":"\u00e9t\u00e9","c":"plain"}"#;
    let set: LabelSet = serde_json::from_str(json).unwrap();
    assert_eq!(set.get("a"), Some("été"));
    assert_eq!(set.get("b"), Some("line\nbreak"));
    assert_eq!(
        serde_json::to_string(&set).unwrap(),
        r#"{"a":"été","b":"line\nbreak","c":"plain"}"#
    );
    let err = serde_json::from_str::<LabelSet>(r#"{"a":1}"#).unwrap_err();
    assert!(err.to_string().contains("a string"), "{err}");
}

proptest! {
    #[test]
    fn same_answers_order_and_equality_as_a_map(
        a in proptest::collection::vec(("[a-c]{0,2}", "[x-z]{0,2}"), 0..6),
        b in proptest::collection::vec(("[a-c]{0,2}", "[x-z]{0,2}"), 0..6),
    ) {
        let (ma, mb): (BTreeMap<String, String>, BTreeMap<String, String>) =
            (a.iter().cloned().collect(), b.iter().cloned().collect());
        let (sa, sb): (LabelSet, LabelSet) = (a.iter().cloned().collect(), b.iter().cloned().collect());
        prop_assert_eq!(sa.to_map(), ma.clone());
        prop_assert_eq!(sa.cmp(&sb), ma.cmp(&mb));
        prop_assert_eq!(sa == sb, ma == mb);
        for name in ["", "a", "b", "ab", "c", "cc"] {
            prop_assert_eq!(sa.get(name), ma.get(name).map(String::as_str));
        }
    }
}
