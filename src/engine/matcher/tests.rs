use super::*;
use crate::engine::rules::Labels;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn m(text: &str) -> Matcher {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn column(text: &str) -> usize {
    match parse(text) {
        Ok(ms) => panic!("{text:?} should not parse, got {ms:?}"),
        Err(e) => e.column,
    }
}

#[test]
fn the_four_operators() {
    let l = labels(&[("severity", "critical"), ("instance", "db-1")]);
    assert!(m(r#"severity="critical""#).matches(&l));
    assert!(!m(r#"severity="warning""#).matches(&l));
    assert!(!m(r#"severity!="critical""#).matches(&l));
    assert!(m(r#"severity!="warning""#).matches(&l));
    assert!(m(r#"instance=~"db-\\d+""#).matches(&l));
    assert!(!m(r#"instance=~"web-.*""#).matches(&l));
    assert!(m(r#"instance!~"web-.*""#).matches(&l));
    assert!(!m(r#"instance!~"db-.*""#).matches(&l));
    assert_eq!(m(r#"a!~"x""#).op(), MatchOp::NotRe);
    assert_eq!(m(r#"a=~"x""#).op(), MatchOp::Re);
    assert_eq!(m(r#"a!="x""#).op(), MatchOp::Ne);
    assert_eq!(m(r#"a="x""#).op(), MatchOp::Eq);
}

#[test]
fn regexes_are_anchored() {
    let l = labels(&[("job", "node-exporter")]);
    assert!(!m(r#"job=~"node""#).matches(&l));
    assert!(!m(r#"job=~"exporter""#).matches(&l));
    assert!(m(r#"job=~"node.*""#).matches(&l));
    // An alternation is anchored as a whole: `^(?:a|b)$`.
    assert!(!m(r#"job=~"node|x""#).matches(&l));
    assert!(m(r#"job=~"x|node-exporter""#).matches(&l));
    assert!(m(r#"job!~"node""#).matches(&l), "no full match");
    assert!(m(r#"sev=~"(?i)CRIT.*""#).matches(&labels(&[("sev", "critical")])));
}

#[test]
fn a_missing_label_reads_as_empty() {
    let l = labels(&[("job", "api")]);
    assert!(m(r#"team="""#).matches(&l));
    assert!(!m(r#"team!="""#).matches(&l));
    assert!(m(r#"team!~"web|api""#).matches(&l));
    assert!(m(r#"team=~"ops|""#).matches(&l));
    assert!(!m(r#"team=~".+""#).matches(&l));
    assert!(!m(r#"team="ops""#).matches(&l));
    assert!(all_match(&[], &l), "no matcher: everything");
    assert!(!all_match(&[m(r#"job="api""#), m(r#"team="ops""#)], &l));
}

#[test]
fn quoted_values_take_go_escapes() {
    assert_eq!(m(r#"a="x\"y""#).value(), "x\"y");
    assert_eq!(m(r#"a="back\\slash""#).value(), "back\\slash");
    assert_eq!(m(r#"a="1\n2\t3""#).value(), "1\n2\t3");
    assert_eq!(m(r#"a="\u00e9\x41\101\U0001F600""#).value(), "éAA😀");
    assert_eq!(m(r#"a="""#).value(), "");
    // A regex escape is written doubled, as in PromQL.
    let dot = m(r#"host=~"db\\.1""#);
    assert_eq!(dot.value(), r"db\.1");
    assert!(dot.matches_value("db.1") && !dot.matches_value("dbx1"));
}

#[test]
fn bare_values_and_spaces() {
    assert_eq!(m("severity=critical").value(), "critical");
    assert_eq!(m("  job =~ node.* ").value(), "node.*");
    assert_eq!(m("a=").value(), "");
    let ms = parse("a=x, b!=y,c=~z").unwrap();
    let shown: Vec<String> = ms.iter().map(ToString::to_string).collect();
    assert_eq!(shown, [r#"a="x""#, r#"b!="y""#, r#"c=~"z""#]);
}

#[test]
fn lists_with_braces_and_commas_in_quotes() {
    let ms = parse(r#"{user="root", command=~"ssh.*,x", note="a\",b"}"#).unwrap();
    assert_eq!(ms.len(), 3);
    assert_eq!(ms[1].value(), "ssh.*,x");
    assert_eq!(ms[2].value(), "a\",b");
    assert_eq!(ms[0].name(), "user");
    assert_eq!(parse(r#"a="x","#).unwrap().len(), 1, "trailing comma");
    assert!(parse("{}").unwrap().is_empty());
    assert!(parse("  ").unwrap().is_empty());
    assert_eq!(parse(r#" { a = "x" } "#).unwrap(), vec![m(r#"a="x""#)]);
}

#[test]
fn errors_carry_the_column() {
    // 1-based character positions into the input.
    assert_eq!(column("severity"), 9, "no operator");
    assert_eq!(column(r#"severity~"x""#), 9);
    assert_eq!(column(r#"1x="a""#), 1, "bad name");
    assert_eq!(column(r#"="x""#), 1, "no name");
    assert_eq!(column(r#"a="open"#), 3, "unterminated quote");
    assert_eq!(column(r#"a=~"(""#), 4, "bad regex at its value");
    assert_eq!(column(r#"a="x\qy""#), 5, "unknown escape");
    assert_eq!(column(r#"a="\x4""#), 4, "short \\x");
    assert_eq!(column(r#"a="\xff""#), 4, "non-ASCII byte");
    assert_eq!(column(r#"a="x" b="y""#), 7, "missing comma");
    assert_eq!(column("a=b c"), 5, "space in a bare value");
    assert_eq!(column(r#"{a="x""#), 1, "unclosed brace");
    assert_eq!(column(r#"a="x"}"#), 6, "stray brace");
    assert_eq!(column(r#"{a="x"} b"#), 9, "text after the brace");
    assert_eq!(column(r#"a="é", ü="x""#), 8, "columns count characters");
    let comma = |text: &str| parse(text).unwrap_err().message;
    assert_eq!(
        comma(r#"severity="critical" alertname="X""#),
        "expected ',' after matcher"
    );
    assert_eq!(comma(r#"a="x" b"#), "expected ',' after matcher");
    assert_eq!(comma("a=x b=y"), "expected ',' after matcher");
    assert!(
        comma("a=x b").contains("quote values"),
        "{}",
        comma("a=x b")
    );
    let located = parse_located(r#"a="x",  bb!~"y""#).unwrap();
    assert_eq!((located[0].0, located[1].0), (1, 9), "columns of the names");
    let e = parse(r#"a=~"(""#).unwrap_err();
    assert!(e.message.starts_with("invalid regex: "), "{e}");
    assert!(!e.message.contains('\n'), "one line: {e}");
    assert_eq!(
        "severity".parse::<Matcher>().unwrap_err().to_string(),
        r#"column 9: expected =, !=, =~ or !~ after "severity", found the end"#
    );
}

#[test]
fn a_single_matcher_refuses_a_list() {
    let e = r#"a="x", b="y""#.parse::<Matcher>().unwrap_err();
    assert_eq!(e.column, 6);
    assert!(e.message.contains("one matcher per entry"), "{e}");
    assert!("{a=\"x\"}".parse::<Matcher>().is_err());
}

#[test]
fn display_parses_back_the_same() {
    for text in [
        r#"a="x\"y\\z""#,
        r#"a!~"line\nbreak\ttab""#,
        r#"a=~"\u0007bell""#,
        r#"a!="é, ü""#,
    ] {
        let once = m(text);
        assert_eq!(m(&once.to_string()), once, "{text}");
    }
    assert_eq!(m(r#"a = "x\"y""#).to_string(), r#"a="x\"y""#);
}

#[test]
fn wire_form_keeps_alertmanagers_rules() {
    let l = labels(&[("job", "node-exporter")]);
    let w = Matcher::from_wire;
    assert!(w("job", "node-exporter", false, true).matches(&l));
    assert!(!w("job", "node", false, true).matches(&l));
    assert!(w("job", "node", false, false).matches(&l));
    assert!(w("job", "node.*", true, true).matches(&l));
    assert!(!w("job", "node", true, true).matches(&l), "anchored");
    assert!(w("job", "node", true, false).matches(&l));
    assert_eq!(w("job", "x", true, false).op(), MatchOp::NotRe);
    // An invalid regex matches nothing, negated or not.
    assert!(!w("job", "(", true, true).matches(&l));
    assert!(!w("job", "(", true, false).matches(&l));
}

#[test]
fn config_strings_deserialize_once_and_serialize_back() {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Section {
        #[serde(rename = "match")]
        matchers: Vec<Matcher>,
    }
    let s: Section = toml::from_str(r#"match = ['team=~"db|ops"', 'sev="x"']"#).unwrap();
    assert_eq!(s.matchers[0], m(r#"team=~"db|ops""#));
    assert_eq!(
        toml::to_string(&s).unwrap().trim(),
        r#"match = ['team=~"db|ops"', 'sev="x"']"#
    );
    let e = toml::from_str::<Section>(r#"match = ['team~"db"']"#)
        .err()
        .expect("bad matcher");
    assert!(
        e.message()
            .starts_with(r#"bad matcher "team~\"db\"": column 5: expected"#),
        "{e}"
    );
}
