//! The alert-rule state machine and incident levels, driven with explicit times.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use opsdeck::engine::incident::{Level, LevelRule, level_for, resolve_left, response_left};
use opsdeck::engine::matcher::Matcher;
use opsdeck::engine::rules::{
    AlertPhase, Labels, Notify, RuleSpec, RuleState, Severity, Transition, fingerprint,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap()
}

fn at(minutes: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(minutes)
}

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn spec(for_: Duration, keep: Duration, cooldown: Duration) -> RuleSpec {
    RuleSpec {
        name: "HighLoad".into(),
        for_,
        keep_firing_for: keep,
        severity: Severity::Warning,
        labels: Labels::new(),
        annotations: Labels::new(),
        cooldown,
    }
}

fn series(instance: &str, value: f64) -> (Labels, f64) {
    (
        labels(&[("__name__", "load"), ("instance", instance)]),
        value,
    )
}

fn one(instance: &str) -> Vec<(Labels, f64)> {
    vec![series(instance, 1.0)]
}

fn phases(state: &RuleState) -> Vec<AlertPhase> {
    state.alerts().map(|a| a.phase).collect()
}

fn only_fp(state: &RuleState) -> u64 {
    let fps: Vec<u64> = state.alerts().map(|a| a.fingerprint).collect();
    assert_eq!(fps.len(), 1, "expected exactly one alert");
    fps[0]
}

#[test]
fn pending_then_firing_exactly_at_for() {
    let mut s = RuleState::new(spec(mins(5), mins(0), mins(0))).unwrap();
    let tr = s.apply(&one("a"), at(0));
    let fp = only_fp(&s);
    assert_eq!(tr, vec![(fp, Transition::Pending)]);
    assert_eq!(phases(&s), [AlertPhase::Pending]);

    // 4m59s: still pending, no transition.
    let tr = s.apply(&one("a"), at(4) + TimeDelta::seconds(59));
    assert!(tr.is_empty());
    assert_eq!(phases(&s), [AlertPhase::Pending]);

    let tr = s.apply(&one("a"), at(5));
    assert_eq!(tr, vec![(fp, Transition::Firing)]);
    let alert = s.alert(fp).unwrap();
    assert_eq!(alert.phase, AlertPhase::Firing);
    assert_eq!(alert.active_since, at(0));
    assert_eq!(alert.fired_at, Some(at(5)));
    assert_eq!(alert.resolved_at, None);
}

#[test]
fn for_zero_fires_at_once() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(0))).unwrap();
    let tr = s.apply(&one("a"), at(0));
    let fp = only_fp(&s);
    assert_eq!(tr, vec![(fp, Transition::Firing)]);
    assert_eq!(s.alert(fp).unwrap().fired_at, Some(at(0)));
    assert_eq!(s.alert(fp).unwrap().active_since, at(0));
}

#[test]
fn pending_alert_that_disappears_is_dropped_silently() {
    let mut s = RuleState::new(spec(mins(5), mins(10), mins(0))).unwrap();
    s.apply(&one("a"), at(0));
    assert_eq!(phases(&s), [AlertPhase::Pending]);
    let tr = s.apply(&[], at(1));
    assert!(tr.is_empty(), "no Resolved for a pending alert: {tr:?}");
    assert_eq!(s.alerts().count(), 0);
    assert!(s.due_notifications(at(1)).is_empty());

    // Coming back restarts the `for` clock.
    s.apply(&one("a"), at(2));
    assert_eq!(s.alerts().next().unwrap().active_since, at(2));
    s.apply(&one("a"), at(6));
    assert_eq!(phases(&s), [AlertPhase::Pending]);
}

#[test]
fn firing_alert_without_keep_firing_for_resolves_at_once() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(0))).unwrap();
    s.apply(&one("a"), at(0));
    let fp = only_fp(&s);
    let tr = s.apply(&[], at(1));
    assert_eq!(tr, vec![(fp, Transition::Resolved)]);
    assert_eq!(s.alert(fp).unwrap().resolved_at, Some(at(1)));
}

#[test]
fn keep_firing_for_holds_continues_and_then_resolves() {
    let mut s = RuleState::new(spec(mins(0), mins(10), mins(0))).unwrap();
    s.apply(&one("a"), at(0));
    let fp = only_fp(&s);

    // Gone at 1: keeps firing.
    assert!(s.apply(&[], at(1)).is_empty());
    assert!(s.apply(&[], at(9)).is_empty());
    assert_eq!(phases(&s), [AlertPhase::Firing]);

    // Back at 10 (9 min missing): the same alert, no transition.
    assert!(s.apply(&one("a"), at(10)).is_empty());
    let alert = s.alert(fp).unwrap();
    assert_eq!(
        (alert.phase, alert.active_since, alert.fired_at),
        (AlertPhase::Firing, at(0), Some(at(0)))
    );

    // Gone again at 11: the keep-firing clock restarts from 11.
    assert!(s.apply(&[], at(11)).is_empty());
    assert!(s.apply(&[], at(20)).is_empty());
    assert_eq!(phases(&s), [AlertPhase::Firing]);
    let tr = s.apply(&[], at(21));
    assert_eq!(tr, vec![(fp, Transition::Resolved)]);
    let alert = s.alert(fp).unwrap();
    assert_eq!(alert.resolved_at, Some(at(21)));
    assert_eq!(alert.fired_at, Some(at(0)));
}

#[test]
fn resolved_kept_fifteen_minutes_then_dropped() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(0))).unwrap();
    s.apply(&one("a"), at(0));
    s.apply(&[], at(1));
    assert_eq!(phases(&s), [AlertPhase::Resolved]);
    s.apply(&[], at(16)); // exactly 15 min: still kept
    assert_eq!(phases(&s), [AlertPhase::Resolved]);
    let tr = s.apply(&[], at(16) + TimeDelta::seconds(1));
    assert!(tr.is_empty(), "dropping is not a transition");
    assert_eq!(s.alerts().count(), 0);
}

#[test]
fn series_back_after_resolution_is_a_new_alert() {
    let mut s = RuleState::new(spec(mins(5), mins(0), mins(0))).unwrap();
    s.apply(&one("a"), at(0));
    s.apply(&one("a"), at(5));
    s.apply(&[], at(6));
    let fp = only_fp(&s);
    let tr = s.apply(&one("a"), at(7));
    assert_eq!(tr, vec![(fp, Transition::Pending)]);
    let alert = s.alert(fp).unwrap();
    assert_eq!(
        (alert.active_since, alert.fired_at, alert.resolved_at),
        (at(7), None, None)
    );
}

#[test]
fn cooldown_throttles_repeats_and_resolution_is_always_sent() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(10))).unwrap();
    s.apply(&one("a"), at(0));
    let fp = only_fp(&s);
    let firing = Notify {
        fingerprint: fp,
        kind: Transition::Firing,
    };
    let resolved = Notify {
        fingerprint: fp,
        kind: Transition::Resolved,
    };

    assert_eq!(s.due_notifications(at(0)), [firing]);
    assert_eq!(s.alert(fp).unwrap().last_notified, Some(at(0)));
    for m in 1..10 {
        s.apply(&one("a"), at(m));
        assert!(s.due_notifications(at(m)).is_empty(), "minute {m}");
    }
    // Polling between evaluations also repeats once the cooldown has passed.
    assert!(
        s.due_notifications(at(9) + TimeDelta::seconds(59))
            .is_empty()
    );
    assert_eq!(s.due_notifications(at(10)), [firing]);
    s.apply(&one("a"), at(11));
    assert!(s.due_notifications(at(11)).is_empty());
    // Resolution within the cooldown is still sent.
    s.apply(&[], at(12));
    assert_eq!(s.due_notifications(at(12)), [resolved]);
    assert!(s.due_notifications(at(30)).is_empty());
}

#[test]
fn zero_cooldown_means_a_single_firing_notification() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(0))).unwrap();
    s.apply(&one("a"), at(0));
    assert_eq!(s.due_notifications(at(0)).len(), 1);
    s.apply(&one("a"), at(60));
    assert!(s.due_notifications(at(60)).is_empty());
    s.apply(&[], at(61));
    assert_eq!(s.due_notifications(at(61))[0].kind, Transition::Resolved);
}

#[test]
fn pending_alerts_are_not_notified() {
    let mut s = RuleState::new(spec(mins(5), mins(0), mins(10))).unwrap();
    s.apply(&one("a"), at(0));
    assert!(s.due_notifications(at(0)).is_empty());
    s.apply(&one("a"), at(5));
    assert_eq!(s.due_notifications(at(5)).len(), 1);
}

#[test]
fn flapping_alert_waits_for_the_cooldown() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(10))).unwrap();
    s.apply(&one("a"), at(0));
    let fp = only_fp(&s);
    assert_eq!(s.due_notifications(at(0)).len(), 1);
    s.apply(&[], at(1));
    assert_eq!(s.due_notifications(at(1))[0].kind, Transition::Resolved);
    // Fires again 2 minutes after the last notification: held back.
    assert_eq!(s.apply(&one("a"), at(3)), vec![(fp, Transition::Firing)]);
    assert!(s.due_notifications(at(3)).is_empty());
    s.apply(&one("a"), at(11));
    assert_eq!(
        s.due_notifications(at(11)),
        [Notify {
            fingerprint: fp,
            kind: Transition::Firing
        }]
    );
}

#[test]
fn firing_and_resolving_between_polls_sends_both_in_order() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(10))).unwrap();
    s.apply(&one("a"), at(0));
    s.apply(&[], at(1));
    // Both changes happened before anyone asked: the Firing one was queued at
    // fire time, so the resolution follows it, in order.
    let kinds: Vec<Transition> = s.due_notifications(at(1)).iter().map(|n| n.kind).collect();
    assert_eq!(kinds, [Transition::Firing, Transition::Resolved]);
}

#[test]
fn multiple_series_make_distinct_alerts() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(0))).unwrap();
    let tr = s.apply(
        &[series("a", 1.0), series("b", 2.0), series("c", 3.0)],
        at(0),
    );
    assert_eq!(tr.len(), 3);
    // Alerts are keyed by fingerprint, so three alerts means three fingerprints.
    assert_eq!(s.alerts().count(), 3);
    assert!(s.alerts().all(|a| a.fingerprint == fingerprint(&a.labels)));
    let values: Vec<f64> = s.alerts().map(|a| a.value).collect();
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(sorted, [1.0, 2.0, 3.0]);
    assert_eq!(s.due_notifications(at(0)).len(), 3);

    // Only "b" disappears: only it resolves.
    let tr = s.apply(&[series("a", 1.0), series("c", 3.0)], at(1));
    assert_eq!(tr.len(), 1);
    let b = s.alerts().find(|a| a.labels["instance"] == "b").unwrap();
    assert_eq!(tr[0], (b.fingerprint, Transition::Resolved));
}

#[test]
fn labels_merge_rule_over_series_and_add_alertname_and_severity() {
    let mut sp = spec(mins(0), mins(0), mins(0));
    sp.severity = Severity::Critical;
    sp.labels = labels(&[
        ("team", "db"),
        ("instance", "override"),
        ("alertname", "ignored"),
    ]);
    let mut s = RuleState::new(sp).unwrap();
    let series = labels(&[
        ("__name__", "load"),
        ("instance", "a"),
        ("job", "node"),
        ("team", "web"),
    ]);
    s.apply(&[(series, 1.0)], at(0));
    let alert = s.alerts().next().unwrap();
    assert_eq!(
        alert.labels,
        labels(&[
            ("alertname", "HighLoad"),
            ("instance", "override"),
            ("job", "node"),
            ("severity", "critical"),
            ("team", "db"),
        ])
    );
    assert_eq!(alert.fingerprint, fingerprint(&alert.labels));
    assert_eq!(alert.rule, "HighLoad");
}

#[test]
fn duplicate_label_sets_use_the_first_and_set_the_error() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(0))).unwrap();
    let a = (labels(&[("__name__", "x"), ("instance", "a")]), 1.0);
    let b = (labels(&[("__name__", "y"), ("instance", "a")]), 2.0);
    s.apply(&[a, b], at(0));
    assert_eq!(s.alerts().count(), 1);
    assert_eq!(s.alerts().next().unwrap().value, 1.0);
    assert!(s.error().unwrap().contains("several series"));
    s.set_error(None);
    assert_eq!(s.error(), None);
}

#[test]
fn templates_accept_both_spellings_and_use_the_current_value() {
    let mut sp = spec(mins(5), mins(0), mins(0));
    sp.annotations = labels(&[
        ("prom", "{{ $labels.instance }} load {{ $value }}"),
        (
            "jinja",
            "{{ labels.instance }}/{{ labels.alertname }} = {{ value }}",
        ),
        (
            "human",
            "{{ $value | humanize }} {{ 0.256 | humanizePercentage }}",
        ),
        ("literal", "$value stays"),
    ]);
    let mut s = RuleState::new(sp).unwrap();
    s.apply(&[series("web-1", 42.0)], at(0));
    let a = s.alerts().next().unwrap();
    assert_eq!(a.annotations["prom"], "web-1 load 42");
    assert_eq!(a.annotations["jinja"], "web-1/HighLoad = 42");
    assert_eq!(a.annotations["literal"], "$value stays");

    s.apply(&[series("web-1", 1500.5)], at(1));
    let a = s.alerts().next().unwrap();
    assert_eq!(a.annotations["prom"], "web-1 load 1500.5");
    assert_eq!(a.annotations["human"], "1.5k 25.6%");
    assert_eq!(a.value, 1500.5);
}

#[test]
fn template_render_error_is_rendered_not_panicking() {
    let mut sp = spec(mins(0), mins(0), mins(0));
    sp.annotations = labels(&[
        ("bad", "{{ $value | no_such_filter }}"),
        ("good", "{{ $labels.instance }}"),
    ]);
    let mut s = RuleState::new(sp).unwrap();
    s.apply(&one("a"), at(0));
    let a = s.alerts().next().unwrap();
    assert!(
        a.annotations["bad"].starts_with("template error: "),
        "{}",
        a.annotations["bad"]
    );
    assert!(
        a.annotations["bad"].contains("no_such_filter"),
        "{}",
        a.annotations["bad"]
    );
    assert_eq!(a.annotations["good"], "a");
}

#[test]
fn template_syntax_error_fails_new_and_names_the_annotation() {
    let mut sp = spec(mins(0), mins(0), mins(0));
    sp.annotations = labels(&[("ok", "fine"), ("summary", "{{ $labels.instance ")]);
    let err = RuleState::new(sp).unwrap_err();
    assert!(err.contains("summary") && err.contains("HighLoad"), "{err}");
}

#[test]
fn fingerprint_is_stable_and_order_independent() {
    let mut forward = Labels::new();
    forward.insert("alertname".into(), "HighLoad".into());
    forward.insert("instance".into(), "web-1".into());
    forward.insert("severity".into(), "warning".into());
    let mut backward = Labels::new();
    backward.insert("severity".into(), "warning".into());
    backward.insert("instance".into(), "web-1".into());
    backward.insert("alertname".into(), "HighLoad".into());
    assert_eq!(fingerprint(&forward), fingerprint(&backward));
    // FNV-1a 64 of "alertname\xffHighLoad\xffinstance\xffweb-1\xffseverity\xffwarning\xff";
    // a per-process seed or a changed algorithm would break this.
    assert_eq!(fingerprint(&forward), expected_fnv(&forward));
    assert_eq!(fingerprint(&forward), 0x79ef_dc33_4d58_30da);
    assert_eq!(fingerprint(&Labels::new()), 0xcbf2_9ce4_8422_2325);
    assert_ne!(
        fingerprint(&forward),
        fingerprint(&labels(&[("instance", "web-1")]))
    );
}

/// Independent reference implementation of the documented byte layout.
fn expected_fnv(labels: &Labels) -> u64 {
    let mut bytes = Vec::new();
    for (k, v) in labels {
        bytes.extend_from_slice(k.as_bytes());
        bytes.push(0xff);
        bytes.extend_from_slice(v.as_bytes());
        bytes.push(0xff);
    }
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn incident_levels_default_map_and_overrides() {
    let m = |text: &str| text.parse::<Matcher>().expect("matcher");
    let none = Labels::new();
    assert_eq!(level_for(Some("critical"), &none, &[]), Level::P1);
    assert_eq!(level_for(Some("Warning"), &none, &[]), Level::P2);
    assert_eq!(level_for(Some("info"), &none, &[]), Level::P3);
    assert_eq!(level_for(Some("page"), &none, &[]), Level::P4);
    assert_eq!(level_for(None, &none, &[]), Level::P4);

    let overrides = [
        LevelRule {
            level: Level::P1,
            matchers: vec![m(r#"team="payments""#), m(r#"env=~"prod|live""#)],
        },
        LevelRule {
            level: Level::P4,
            matchers: vec![m(r#"env="dev""#)],
        },
        LevelRule {
            level: Level::P3,
            matchers: vec![m(r#"env!~"pro.*""#)],
        },
    ];
    let pay_prod = labels(&[("team", "payments"), ("env", "prod")]);
    assert_eq!(level_for(Some("info"), &pay_prod, &overrides), Level::P1);
    // Regexes are anchored: "production" does not match "prod|live".
    let pay_production = labels(&[("team", "payments"), ("env", "production")]);
    assert_eq!(
        level_for(Some("info"), &pay_production, &overrides),
        Level::P3
    );
    // First match wins: "dev" matches both the P4 and the P3 rule.
    assert_eq!(
        level_for(Some("critical"), &labels(&[("env", "dev")]), &overrides),
        Level::P4
    );
    // No override matches: default map.
    assert_eq!(
        level_for(Some("critical"), &labels(&[("env", "prod")]), &overrides),
        Level::P1
    );
}

#[test]
fn incident_targets_and_labels() {
    let respond: Vec<u64> = [Level::P1, Level::P2, Level::P3, Level::P4]
        .iter()
        .map(|l| l.respond_within().as_secs() / 60)
        .collect();
    assert_eq!(respond, [5, 15, 30, 60]);
    let resolve: Vec<u64> = [Level::P1, Level::P2, Level::P3, Level::P4]
        .iter()
        .map(|l| l.resolve_within().as_secs() / 3600)
        .collect();
    assert_eq!(resolve, [2, 4, 24, 168]);
    assert_eq!(Level::P2.label(), "P2");
    assert!(Level::P1 < Level::P4);
}

#[test]
fn response_left_counts_down_stops_on_ack_and_goes_negative() {
    let since = at(0);
    assert_eq!(
        response_left(Level::P1, since, false, at(2)),
        Some(TimeDelta::minutes(3))
    );
    assert_eq!(
        response_left(Level::P1, since, false, at(5)),
        Some(TimeDelta::zero())
    );
    assert_eq!(
        response_left(Level::P1, since, false, at(7)),
        Some(TimeDelta::minutes(-2))
    );
    assert_eq!(response_left(Level::P1, since, true, at(7)), None);
    assert_eq!(
        response_left(Level::P4, since, false, at(7)),
        Some(TimeDelta::minutes(53))
    );
    assert_eq!(
        resolve_left(Level::P2, since, false, at(60)),
        Some(TimeDelta::hours(3))
    );
    assert_eq!(resolve_left(Level::P2, since, true, at(60)), None);
}

#[test]
fn an_acknowledged_alert_is_not_notified_again_until_its_ack_ends() {
    let mut s = RuleState::new(spec(mins(0), mins(0), mins(5))).unwrap();
    s.apply(&one("a"), at(0));
    let fp = only_fp(&s);
    let firing = Notify {
        fingerprint: fp,
        kind: Transition::Firing,
    };
    assert_eq!(s.due_notifications(at(0)), [firing]);
    s.set_acknowledged(&[fp].into_iter().collect());
    for m in 1..30 {
        s.apply(&one("a"), at(m));
        assert!(s.due_notifications(at(m)).is_empty(), "minute {m}: acked");
    }
    // The ack ends: the next cooldown repeat goes out.
    s.set_acknowledged(&Default::default());
    s.apply(&one("a"), at(30));
    assert_eq!(s.due_notifications(at(30)), [firing]);
    // A resolution is told even while acknowledged.
    s.set_acknowledged(&[fp].into_iter().collect());
    s.apply(&[], at(31));
    assert_eq!(
        s.due_notifications(at(31)),
        [Notify {
            fingerprint: fp,
            kind: Transition::Resolved,
        }]
    );
}

#[test]
fn a_new_leader_restoring_the_state_keeps_the_age_and_the_cooldown() {
    let mut leader = RuleState::new(spec(mins(2), mins(0), mins(10))).unwrap();
    leader.apply(&one("a"), at(0));
    leader.apply(&one("a"), at(3));
    assert_eq!(leader.due_notifications(at(3)).len(), 1, "fired, notified");
    let shared: Vec<_> = leader.alerts().cloned().collect();

    let mut next = RuleState::new(spec(mins(2), mins(0), mins(10))).unwrap();
    next.restore(shared);
    next.apply(&one("a"), at(4));
    let alert = next.alerts().next().unwrap();
    assert_eq!(alert.phase, AlertPhase::Firing, "not pending again");
    assert_eq!(alert.active_since, at(0), "same age");
    assert!(
        next.due_notifications(at(4)).is_empty(),
        "within the cooldown"
    );
    next.apply(&one("a"), at(13));
    assert_eq!(next.due_notifications(at(13)).len(), 1, "cooldown passed");
}
