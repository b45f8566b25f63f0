//! The HPA algorithm against the Kubernetes documentation's examples and
//! the controller's rules, with explicit times.

use super::*;
use chrono::{DateTime, TimeZone, Utc};
use std::time::Duration;

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
}

fn spec(min: u32, max: u32, metrics: &[(&str, f64)], behavior: Behavior) -> ScalerSpec {
    ScalerSpec {
        name: "web".into(),
        min,
        max,
        tolerance: 0.1,
        metrics: metrics
            .iter()
            .map(|(name, target)| MetricSpec {
                name: (*name).into(),
                target: *target,
            })
            .collect(),
        behavior,
    }
}

fn cpu(min: u32, max: u32) -> Scaler {
    Scaler::new(spec(min, max, &[("cpu", 100.0)], Behavior::default()))
}

fn no_down_window() -> Behavior {
    let mut b = Behavior::default();
    b.down.stabilization = Duration::ZERO;
    b
}

#[test]
fn the_ratio_scales_the_current_count_and_the_tolerance_holds_small_ones() {
    // "if the current metric value is 200m, and the desired value is 100m,
    // the number of replicas will be doubled"; 50m halves it.
    let mut s = cpu(1, 10);
    let d = s.evaluate(t(0), 2, &[Some(200.0)]);
    assert_eq!((d.proposed, d.desired), (Some(4), 4));
    assert_eq!(
        d.reasons,
        [Reason::ReadyForNewScale, Reason::DesiredWithinRange]
    );
    let mut s = Scaler::new(spec(1, 10, &[("cpu", 100.0)], no_down_window()));
    assert_eq!(s.evaluate(t(0), 4, &[Some(50.0)]).desired, 2);
    // Within 10 % of the target: no change proposed.
    let d = cpu(1, 10).evaluate(t(0), 4, &[Some(109.0)]);
    assert!(d.metrics[0].within_tolerance);
    assert_eq!(d.desired, 4);
    // Just past it: ceil(4 × 1.11) = 5.
    assert_eq!(cpu(1, 10).evaluate(t(0), 4, &[Some(111.0)]).desired, 5);
}

#[test]
fn the_largest_proposal_over_the_metrics_wins() {
    let mut s = Scaler::new(spec(
        1,
        20,
        &[("cpu", 70.0), ("memory", 80.0)],
        Behavior::default(),
    ));
    let d = s.evaluate(t(0), 4, &[Some(35.0), Some(160.0)]);
    let proposals: Vec<Option<u32>> = d.metrics.iter().map(|m| m.replicas).collect();
    assert_eq!(proposals, [Some(2), Some(8)]);
    assert_eq!(d.desired, 8);
}

#[test]
fn a_missing_metric_stops_scaling_down_but_not_up() {
    let two = || {
        Scaler::new(spec(
            1,
            20,
            &[("cpu", 70.0), ("latency", 0.5)],
            no_down_window(),
        ))
    };
    let d = two().evaluate(t(0), 6, &[Some(20.0), None]);
    assert_eq!(d.desired, 6, "no scale-down on a partial picture");
    assert_eq!(d.reasons, [Reason::FailedGetMetric]);
    let d = two().evaluate(t(0), 6, &[Some(140.0), None]);
    assert_eq!(d.desired, 12, "up is still allowed");
    let d = two().evaluate(t(0), 6, &[None, None]);
    assert_eq!(
        (d.desired, d.reasons.as_slice()),
        (6, &[Reason::FailedGetMetric][..])
    );
}

#[test]
fn the_scale_down_window_holds_the_highest_recent_recommendation() {
    let mut s = cpu(1, 10);
    assert_eq!(s.evaluate(t(0), 5, &[Some(100.0)]).desired, 5);
    let d = s.evaluate(t(60), 5, &[Some(60.0)]);
    assert_eq!((d.proposed, d.stabilized, d.desired), (Some(3), Some(5), 5));
    assert_eq!(d.reasons[0], Reason::ScaleDownStabilized);
    assert_eq!(d.held_by.map(|r| (r.at, r.replicas)), Some((t(0), 5)));
    // Five minutes after the last recommendation of 5, the 3 goes through.
    let d = s.evaluate(t(301), 5, &[Some(60.0)]);
    assert_eq!(d.desired, 3, "{d:?}");
}

#[test]
fn the_documented_scale_down_policies_80_to_72_to_64() {
    // HPA docs: Pods 4 and Percent 10 per 60s, the larger change wins: from
    // 80 the first step removes 8; the next, from 72, removes 8 again
    // (10 % is 7.2, the count truncated at 64).
    let mut b = no_down_window();
    b.down.policies = vec![
        Policy {
            kind: PolicyKind::Pods,
            value: 4,
            period: Duration::from_secs(60),
        },
        Policy {
            kind: PolicyKind::Percent,
            value: 10,
            period: Duration::from_secs(60),
        },
    ];
    let mut s = Scaler::new(spec(1, 100, &[("cpu", 100.0)], b));
    let d = s.evaluate(t(0), 80, &[Some(12.5)]);
    assert_eq!((d.proposed, d.desired), (Some(10), 72));
    assert_eq!(d.reasons.last(), Some(&Reason::ScaleDownLimit));
    s.scaled(t(0), 80, 72);
    // Within the period, the 8 removed count: no further step yet.
    assert_eq!(s.evaluate(t(15), 72, &[Some(12.5)]).desired, 72);
    assert_eq!(s.evaluate(t(61), 72, &[Some(12.5)]).desired, 64);
}

#[test]
fn the_default_scale_up_is_the_larger_of_double_and_four_more() {
    let mut s = cpu(1, 50);
    let d = s.evaluate(t(0), 1, &[Some(1000.0)]);
    assert_eq!((d.proposed, d.desired), (Some(10), 5));
    assert_eq!(d.reasons.last(), Some(&Reason::ScaleUpLimit));
    s.scaled(t(0), 1, 5);
    // In the same 15 s: the period started at 1, so 5 is the limit still.
    assert_eq!(s.evaluate(t(10), 5, &[Some(200.0)]).desired, 5);
    // Then doubling wins: 10.
    assert_eq!(s.evaluate(t(16), 5, &[Some(400.0)]).desired, 10);
}

#[test]
fn the_clamp_the_bounds_and_zero_replicas() {
    let d = cpu(2, 10).evaluate(t(0), 8, &[Some(250.0)]);
    assert_eq!(
        (d.desired, d.reasons.last()),
        (10, Some(&Reason::TooManyReplicas))
    );
    let d = Scaler::new(spec(2, 10, &[("cpu", 100.0)], no_down_window())).evaluate(
        t(0),
        3,
        &[Some(10.0)],
    );
    assert_eq!(
        (d.desired, d.reasons.last()),
        (2, Some(&Reason::TooFewReplicas))
    );
    // Outside the bounds already: straight to the bound, metrics unread.
    let d = cpu(2, 10).evaluate(t(0), 12, &[Some(100.0)]);
    assert_eq!(
        (d.desired, d.reasons.as_slice()),
        (10, &[Reason::TooManyReplicas][..])
    );
    let d = cpu(2, 10).evaluate(t(0), 1, &[None]);
    assert_eq!(
        (d.desired, d.reasons.as_slice()),
        (2, &[Reason::TooFewReplicas][..])
    );
    // Zero: someone scaled it to nothing; HPA leaves it.
    let d = cpu(1, 10).evaluate(t(0), 0, &[Some(500.0)]);
    assert_eq!(
        (d.desired, d.reasons.as_slice()),
        (0, &[Reason::ScalingDisabled][..])
    );
}

#[test]
fn a_disabled_direction_never_moves_and_policies_count_across_a_direction_change() {
    let mut b = no_down_window();
    b.down.select = Select::Disabled;
    let d = Scaler::new(spec(1, 10, &[("cpu", 100.0)], b)).evaluate(t(0), 6, &[Some(10.0)]);
    assert_eq!(
        (d.desired, d.reasons.last()),
        (6, Some(&Reason::ScaleDownLimit))
    );
    // Up 4 → 8, then down within the period: the period started at 4.
    let mut b = no_down_window();
    b.down.policies = vec![Policy {
        kind: PolicyKind::Percent,
        value: 50,
        period: Duration::from_secs(15),
    }];
    let mut s = Scaler::new(spec(1, 10, &[("cpu", 100.0)], b));
    s.scaled(t(0), 4, 8);
    let d = s.evaluate(t(5), 8, &[Some(10.0)]);
    assert_eq!(d.desired, 2, "4 (the period's start) halved: {d:?}");
}

#[test]
fn an_up_window_holds_the_lowest_recent_recommendation() {
    let mut b = Behavior::default();
    b.up.stabilization = Duration::from_secs(60);
    let mut s = Scaler::new(spec(1, 20, &[("cpu", 100.0)], b));
    s.evaluate(t(0), 4, &[Some(100.0)]);
    let d = s.evaluate(t(30), 4, &[Some(200.0)]);
    assert_eq!((d.stabilized, d.desired), (Some(4), 4));
    assert_eq!(d.reasons[0], Reason::ScaleUpStabilized);
    assert_eq!(s.evaluate(t(61), 4, &[Some(200.0)]).desired, 8);
}

#[test]
fn each_decision_says_why_in_one_line() {
    let mut s = cpu(1, 50);
    let d = s.evaluate(t(0), 2, &[Some(920.0)]);
    assert_eq!(
        d.summary(&s.spec),
        "cpu 920 vs 100 → 19; held by the scale-up policies 100%/15s, 4 pods/15s (max); 2 → 6"
    );
    let d = s.evaluate(t(1), 6, &[Some(105.5)]);
    assert_eq!(
        d.summary(&s.spec),
        "cpu 105.5 vs 100 (within 10%) → 6; steady at 6"
    );
    let d = s.evaluate(t(60), 6, &[Some(50.0)]);
    assert_eq!(
        d.summary(&s.spec),
        // The highest recommendation within 5 minutes (19, at 0s) keeps it up.
        "cpu 50 vs 100 → 3; held at 6 by the recommendation of 19 1m ago (scale-down window 5m); steady at 6"
    );
    let mut two = Scaler::new(spec(
        1,
        10,
        &[("cpu", 70.0), ("latency", 0.5)],
        Behavior::default(),
    ));
    let d = two.evaluate(t(0), 4, &[Some(10.0), None]);
    assert_eq!(
        d.summary(&two.spec),
        "cpu 10 vs 70 → 1; latency unreadable; a metric could not be read: no scale-down on a partial picture; steady at 4"
    );
    let d = cpu(2, 10).evaluate(t(0), 0, &[Some(10.0)]);
    assert_eq!(
        d.summary(&cpu(2, 10).spec),
        "0 replicas: scaling disabled until it is scaled up by hand; steady at 0"
    );
}

#[test]
fn scale_up_policies_count_from_the_period_start_across_several_changes() {
    // 2 → 3 → 4 → 5 within 15 s: the period started at 2, so 100 % allows 4
    // and 4 pods allow 6; max 6 clamps the proposal of 8 to 6.
    let mut s = Scaler::new(spec(1, 6, &[("mem", 5.0)], Behavior::default()));
    s.scaled(t(0), 2, 3);
    s.scaled(t(2), 3, 4);
    s.scaled(t(5), 4, 5);
    let d = s.evaluate(t(7), 5, &[Some(7.2)]);
    assert_eq!(d.proposed, Some(8));
    assert_eq!(
        (d.desired, d.reasons.last()),
        (6, Some(&Reason::TooManyReplicas))
    );
}
