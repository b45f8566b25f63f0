//! The Alerts pane through `update`: polls from Prometheus and Alertmanager in, the
//! acknowledge and un-acknowledge dialogs driven by keys, effects out.

mod common;
#[path = "common/remote.rs"]
mod remote_fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::ack::{ExpireRequest, SilenceRequest};
use opsdeck::app::alerts::AlertState;
use opsdeck::app::confirm::{Confirm, Draft};
use opsdeck::app::intent::{Done, Intent};
use opsdeck::app::sources::Health;
use opsdeck::app::state::{Mode, Overlay, StatusKind};
use opsdeck::app::{Action, AppState, Effect, Msg, PaneId, update};
use opsdeck::collect::alertmanager::AmAlertState;
use remote_fixtures::{self as fx, AM};

fn key(state: &mut AppState, code: KeyCode) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(state: &mut AppState, c: char) -> Vec<Effect> {
    update(
        state,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

/// Types `text`, checking that no key does anything but edit.
fn typed(state: &mut AppState, text: &str) {
    for c in text.chars() {
        assert_eq!(key(state, KeyCode::Char(c)), vec![], "typing {c:?}");
    }
}

fn dialog(state: &AppState) -> &Confirm {
    match &state.view.overlay {
        Some(Overlay::Confirm(d)) if matches!(d.draft, Draft::Acknowledge { .. }) => d,
        other => panic!("expected the acknowledge dialog, got {other:?}"),
    }
}

/// The one effect is a write (for the runtime to carry out): its intent.
fn only_write(effects: Vec<Effect>) -> Intent {
    match effects.as_slice() {
        [Effect::Write(w)] => {
            assert_eq!(w.record.action, w.intent.audit_name());
            w.intent.clone()
        }
        other => panic!("expected one write, got {other:?}"),
    }
}

fn silenced(id: &str) -> Done {
    Done::Silenced {
        silence_id: id.into(),
        member: "http://alertmanager-0:9093".into(),
    }
}

fn status(state: &AppState) -> (StatusKind, String) {
    let s = state.visible_status().expect("a status line");
    (s.kind, s.text.clone())
}

/// `a` on HighErrorRate, `comment` typed, Enter: the one silence asked for.
fn ack_high_errors(state: &mut AppState, comment: &str) -> SilenceRequest {
    fx::select(state, "HighErrorRate");
    assert_eq!(key(state, KeyCode::Char('a')), vec![]);
    typed(state, comment);
    match only_write(key(state, KeyCode::Enter)) {
        Intent::Acknowledge(request) => request,
        other => panic!("expected an acknowledgement, got {other:?}"),
    }
}

#[test]
fn polls_from_both_sources_make_one_list() {
    let s = fx::alerts_state();
    let rows: Vec<(String, &str, usize)> = s
        .visible_alerts()
        .iter()
        .map(|a| (a.name().to_string(), a.state.label(), a.sources.len()))
        .collect();
    let rows: Vec<(&str, &str, usize)> =
        rows.iter().map(|(n, s, c)| (n.as_str(), *s, *c)).collect();
    assert_eq!(
        rows,
        vec![
            ("HighErrorRate", "firing", 2),
            ("NodeDown", "acked", 2),
            ("PostgresSlowQueries", "pending", 1),
            ("HostHighLoad", "inhibited", 2),
            ("DiskWillFillIn4h", "silenced", 2),
            // Prometheus dropped it a poll before Alertmanager did.
            ("BackupFailed", "resolved", 1),
        ]
    );
}

#[test]
fn a_opens_the_dialog_with_the_configured_duration_and_enter_asks_for_one_silence() {
    let mut s = fx::alerts_state();
    let alert = fx::select(&mut s, "HighErrorRate");
    assert_eq!(key(&mut s, KeyCode::Char('a')), vec![]);
    let d = dialog(&s);
    assert_eq!(d.field("duration"), "30m", "from [ack] default_duration");
    assert_eq!(
        d.fields[d.focus].label, "comment",
        "the comment has the cursor"
    );
    assert_eq!(
        d.draft,
        Draft::Acknowledge {
            source: AM,
            labels: alert.labels.clone()
        }
    );
    typed(&mut s, "rolling back 4.2.1");
    assert_eq!(dialog(&s).field("comment"), "rolling back 4.2.1");
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "0");
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(
        only_write(effects),
        Intent::Acknowledge(SilenceRequest {
            source: AM,
            labels: alert.labels.clone(),
            starts_at: s.now,
            ends_at: s.now + chrono::Duration::minutes(30),
            created_by: "ann@db-1".into(),
            comment: "ACK! rolling back 4.2.0".into(),
        })
    );
    assert!(
        alert.labels.contains_key("cluster"),
        "Alertmanager's labels"
    );
    assert!(dialog(&s).busy, "waits for Alertmanager's answer");
    // While it is out, Enter does not send a second one.
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
}

#[test]
fn in_read_only_mode_a_is_only_an_audited_refusal() {
    let mut s = fx::state_with(
        Mode {
            read_only: true,
            wall: false,
        },
        "",
    );
    fx::feed_mix(&mut s);
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    fx::select(&mut s, "HighErrorRate");
    let alert = s.selected_alert().unwrap().clone();
    match key(&mut s, KeyCode::Char('a')).as_slice() {
        [Effect::Audit(record)] => {
            assert_eq!(record.action, "acknowledge");
            assert_eq!(record.actor, "ann@db-1");
            assert_eq!(record.outcome, "refused: read-only (--read-only)");
            // The alert, as the audit record of an acknowledgement names it.
            assert_eq!(
                record.target,
                opsdeck::app::alerts::label_key(&alert.labels)
            );
        }
        other => panic!("expected only an audit record, got {other:?}"),
    }
    assert_eq!(s.view.overlay, None);
    let (kind, text) = status(&s);
    assert_eq!(kind, StatusKind::Warning);
    assert_eq!(
        text,
        r#"read-only (--read-only): not acknowledging HighErrorRate{cluster="eu", instance="api-1:8080", job="api", service="checkout"}"#
    );
}

#[test]
fn a_on_a_prometheus_only_alert_says_why_and_opens_nothing() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "PostgresSlowQueries");
    assert_eq!(key(&mut s, KeyCode::Char('a')), vec![]);
    assert_eq!(s.view.overlay, None);
    let (kind, text) = status(&s);
    assert_eq!(kind, StatusKind::Warning);
    assert!(
        text.contains("PostgresSlowQueries comes from Prometheus only"),
        "{text}"
    );
}

#[test]
fn a_on_an_acknowledged_alert_points_to_u() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "NodeDown");
    assert_eq!(key(&mut s, KeyCode::Char('a')), vec![]);
    assert_eq!(s.view.overlay, None);
    let (_, text) = status(&s);
    assert!(text.contains("already acknowledged by bob@ops-2"), "{text}");
}

#[test]
fn a_bad_duration_keeps_the_dialog_open_with_an_error_and_sends_nothing() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "HighErrorRate");
    key(&mut s, KeyCode::Char('a'));
    key(&mut s, KeyCode::Tab);
    assert_eq!(dialog(&s).fields[dialog(&s).focus].label, "duration");
    ctrl(&mut s, 'u');
    typed(&mut s, "5x");
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    let d = dialog(&s);
    let error = d.error.clone().expect("an error in the dialog");
    assert!(error.contains("\"5x\""), "{error}");
    assert!(!d.busy);
    // Fixing it clears the error and sends.
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "m");
    assert_eq!(dialog(&s).error, None);
    match only_write(key(&mut s, KeyCode::Enter)) {
        Intent::Acknowledge(r) => {
            assert_eq!(r.ends_at - r.starts_at, chrono::Duration::minutes(5));
            assert_eq!(r.comment, "ACK!");
        }
        other => panic!("expected an acknowledgement, got {other:?}"),
    }
}

#[test]
fn alertmanagers_refusal_is_shown_verbatim_and_enter_retries() {
    let mut s = fx::alerts_state();
    let first = ack_high_errors(&mut s, "on it");
    let refusal =
        "400 Bad Request: silence invalid: invalid label matcher 0: invalid label name \"\"";
    let failed = common::written(Intent::Acknowledge(first.clone()), Err(refusal.into()));
    assert_eq!(update(&mut s, failed), vec![]);
    let d = dialog(&s);
    assert_eq!(d.error.as_deref(), Some(refusal));
    assert!(!d.busy);
    assert_eq!(d.field("comment"), "on it", "what was typed is kept");
    assert_eq!(
        only_write(key(&mut s, KeyCode::Enter)),
        Intent::Acknowledge(first)
    );
}

#[test]
fn silence_created_closes_the_dialog_and_the_row_is_acknowledged_by_me() {
    let mut s = fx::alerts_state();
    let request = ack_high_errors(&mut s, "on it");
    let id = "9f8e7d6c-5b4a-4321-8fed-cba987654321";
    let created = common::written(Intent::Acknowledge(request.clone()), Ok(silenced(id)));
    let _ = update(&mut s, created);
    assert_eq!(s.view.overlay, None);
    let (kind, text) = status(&s);
    assert_eq!(kind, StatusKind::Info);
    assert!(
        text.contains(id) && text.contains("HighErrorRate"),
        "{text}"
    );
    let row = fx::row(&s, "HighErrorRate");
    assert_eq!(row.state, AlertState::Acknowledged);
    let ack = row.ack.expect("an ack");
    assert_eq!((ack.silence_id.as_str(), ack.by.as_str()), (id, "ann@db-1"));
    assert_eq!(ack.until, request.ends_at);

    // Alertmanager has not caught up on its next poll: still acknowledged.
    let (am, silences) = fx::mix_am();
    let _ = update(&mut s, fx::am_update(10, am.clone(), silences.clone()));
    assert_eq!(fx::row(&s, "HighErrorRate").state, AlertState::Acknowledged);

    // Then it reports the silence itself.
    let mut am = am;
    let mut silences = silences;
    let high = am
        .iter_mut()
        .find(|a| a.labels.get("alertname") == Some("HighErrorRate"))
        .unwrap();
    high.state = AmAlertState::Suppressed;
    high.silenced_by = vec![id.into()];
    let mut mine = fx::silence(id, "HighErrorRate", "ann@db-1", "ACK! on it", 0);
    mine.ends_at = request.ends_at;
    silences.push(mine);
    let _ = update(&mut s, fx::am_update(20, am, silences));
    assert!(s.remote.alert_inputs.pending_acks.is_empty());
    let row = fx::row(&s, "HighErrorRate");
    assert_eq!(row.state, AlertState::Acknowledged);
    assert_eq!(row.ack.unwrap().by, "ann@db-1");
}

#[test]
fn a_local_ack_that_alertmanager_never_reports_lapses_after_a_minute() {
    let mut s = fx::alerts_state();
    let request = ack_high_errors(&mut s, "on it");
    let created = common::written(Intent::Acknowledge(request), Ok(silenced("lost")));
    let _ = update(&mut s, created);
    let (am, silences) = fx::mix_am();
    let _ = update(&mut s, fx::am_update(50, am.clone(), silences.clone()));
    assert_eq!(fx::row(&s, "HighErrorRate").state, AlertState::Acknowledged);
    let _ = update(&mut s, fx::am_update(61, am, silences));
    assert_eq!(fx::row(&s, "HighErrorRate").state, AlertState::Firing);
}

#[test]
fn u_expires_the_ack_silence_and_the_row_fires_again() {
    let mut s = fx::alerts_state();
    let node_down = fx::select(&mut s, "NodeDown");
    assert_eq!(key(&mut s, KeyCode::Char('u')), vec![]);
    match &s.view.overlay {
        Some(Overlay::Confirm(c)) => {
            let Draft::Unacknowledge(r) = &c.draft else {
                panic!("expected an un-acknowledgement, got {:?}", c.draft);
            };
            assert_eq!(r.silence_id, fx::ACK_SILENCE);
            assert_eq!(c.plan[1].label, "acknowledged by");
            assert_eq!(c.plan[1].value, "bob@ops-2");
        }
        other => panic!("expected the expire confirmation, got {other:?}"),
    }
    let request = ExpireRequest {
        source: AM,
        silence_id: fx::ACK_SILENCE.into(),
        labels: node_down.labels.clone(),
    };
    assert_eq!(
        only_write(key(&mut s, KeyCode::Enter)),
        Intent::Unacknowledge(request.clone())
    );
    // Sent once: Enter again waits.
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    let _ = update(
        &mut s,
        common::written(Intent::Unacknowledge(request), Ok(Done::Expired)),
    );
    assert_eq!(s.view.overlay, None);
    let (_, text) = status(&s);
    assert!(text.contains(fx::ACK_SILENCE), "{text}");
    let row = fx::row(&s, "NodeDown");
    assert_eq!((row.state, row.ack), (AlertState::Firing, None));
    // The alert it inhibits stays inhibited; only the silence went.
    assert_eq!(fx::row(&s, "HostHighLoad").state, AlertState::Inhibited);
}

#[test]
fn u_on_my_own_fresh_ack_expires_that_silence() {
    let mut s = fx::alerts_state();
    let request = ack_high_errors(&mut s, "on it");
    let created = common::written(Intent::Acknowledge(request.clone()), Ok(silenced("mine")));
    let _ = update(&mut s, created);
    fx::select(&mut s, "HighErrorRate");
    key(&mut s, KeyCode::Char('u'));
    let expire = ExpireRequest {
        source: AM,
        silence_id: "mine".into(),
        labels: request.labels,
    };
    assert_eq!(
        only_write(key(&mut s, KeyCode::Enter)),
        Intent::Unacknowledge(expire.clone())
    );
    let _ = update(
        &mut s,
        common::written(Intent::Unacknowledge(expire), Ok(Done::Expired)),
    );
    assert_eq!(fx::row(&s, "HighErrorRate").state, AlertState::Firing);
}

#[test]
fn u_on_an_alert_that_is_not_acknowledged_says_so() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "HighErrorRate");
    assert_eq!(key(&mut s, KeyCode::Char('u')), vec![]);
    assert_eq!(s.view.overlay, None);
    assert!(status(&s).1.contains("HighErrorRate is not acknowledged"));
}

#[test]
fn a_failed_poll_keeps_the_alerts_and_marks_the_source_down() {
    let mut s = fx::alerts_state();
    let before = s.remote.alerts.clone();
    let _ = update(
        &mut s,
        fx::failed_update(AM, 5, "timeout", "timed out after 10s"),
    );
    assert_eq!(s.remote.alerts.len(), before.len());
    // BackupFailed stays resolved; the rest are as they were.
    let names = |alerts: &[opsdeck::app::alerts::Alert]| -> Vec<(String, AlertState)> {
        alerts
            .iter()
            .map(|a| (a.name().to_string(), a.state))
            .collect()
    };
    assert_eq!(names(&s.remote.alerts), names(&before));
    let am = &s.remote.sources[AM];
    assert_eq!(am.health(), Health::Down);
    assert_eq!(
        am.error.as_ref().map(|e| e.message.as_str()),
        Some("timed out after 10s")
    );
    let _ = update(&mut s, Msg::Tick(fx::at(125)));
    assert_eq!(
        s.remote.alert_source_problems(s.now),
        vec!["am main: timed out after 10s (for 2m)".to_string()]
    );
    // Answering again clears it.
    let (am, silences) = fx::mix_am();
    let _ = update(&mut s, fx::am_update(130, am, silences));
    assert_eq!(s.remote.sources[AM].health(), Health::Ok);
    assert!(s.remote.alert_source_problems(s.now).is_empty());
}

#[test]
fn an_alert_gone_while_its_alertmanager_is_down_is_stale_not_resolved() {
    let mut s = fx::alerts_state();
    let _ = update(
        &mut s,
        fx::failed_update(AM, 5, "down", "connection refused"),
    );
    // Prometheus answers without HighErrorRate; Alertmanager cannot say.
    let remaining: Vec<_> = Vec::new();
    let _ = update(&mut s, fx::prom_update(10, remaining));
    assert_eq!(fx::row(&s, "HighErrorRate").state, AlertState::Firing);
}

#[test]
fn the_filter_narrows_visible_alerts_by_severity_and_alertname_regex() {
    let mut s = fx::alerts_state();
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, r#"severity="critical""#);
    key(&mut s, KeyCode::Enter);
    let names: Vec<&str> = s.visible_alerts().iter().map(|a| a.name()).collect();
    assert_eq!(names, vec!["HighErrorRate", "NodeDown", "BackupFailed"]);

    key(&mut s, KeyCode::Char('/'));
    ctrl(&mut s, 'u');
    typed(&mut s, r#"alertname=~"Disk.*""#);
    key(&mut s, KeyCode::Enter);
    let names: Vec<&str> = s.visible_alerts().iter().map(|a| a.name()).collect();
    assert_eq!(names, vec!["DiskWillFillIn4h"]);
    // The cursor is on the one row left: `a` acts on it, not on a hidden row.
    assert_eq!(s.selected_alert().unwrap().name(), "DiskWillFillIn4h");
}

#[test]
fn a_label_no_alert_has_is_applied_with_a_warning() {
    let mut s = fx::alerts_state();
    key(&mut s, KeyCode::Char('/'));
    // Any label may be filtered on (a missing one reads as ""), but a typo
    // that empties the list says so.
    typed(&mut s, r#"severty="critical""#);
    assert!(s.visible_alerts().is_empty());
    let Some(Overlay::FilterInput(prompt)) = &s.view.overlay else {
        panic!("the prompt is open");
    };
    let warning = prompt.problem.as_ref().expect("a warning");
    assert!(!warning.error);
    assert_eq!(
        warning.to_string(),
        r#"col 1: no alert has label "severty" (it reads as "")"#
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view.overlay, None, "a warning does not hold Enter");
}

#[test]
fn esc_cancels_the_dialog_without_effects() {
    let mut s = fx::alerts_state();
    fx::select(&mut s, "HighErrorRate");
    key(&mut s, KeyCode::Char('a'));
    typed(&mut s, "never mind");
    assert_eq!(key(&mut s, KeyCode::Esc), vec![]);
    assert_eq!(s.view.overlay, None);
    assert_eq!(
        s.view.zoom,
        Some(PaneId::Alerts),
        "Esc closed only the dialog"
    );
    assert_eq!(fx::row(&s, "HighErrorRate").state, AlertState::Firing);
    // The expire confirmation too.
    fx::select(&mut s, "NodeDown");
    key(&mut s, KeyCode::Char('u'));
    assert!(
        matches!(&s.view.overlay, Some(Overlay::Confirm(c)) if matches!(c.draft, Draft::Unacknowledge(_)))
    );
    assert_eq!(key(&mut s, KeyCode::Esc), vec![]);
    assert_eq!(s.view.overlay, None);
}

#[test]
fn the_cursor_stays_on_its_alert_when_a_new_critical_one_sorts_in_above() {
    let mut s = fx::alerts_state();
    let chosen = fx::select(&mut s, "HighErrorRate");
    let (mut am, silences) = fx::mix_am();
    // A newer critical alert arrives: it sorts above the selected one.
    am.push(fx::am_alert(
        &[("alertname", "AaaNewOutage"), ("severity", "critical")],
        "everything is down",
        -1,
    ));
    let _ = update(&mut s, fx::am_update(5, am, silences));
    let new_index = s
        .visible_alerts()
        .iter()
        .position(|a| a.name() == "AaaNewOutage")
        .unwrap();
    let old_index = s
        .visible_alerts()
        .iter()
        .position(|a| a.name() == "HighErrorRate")
        .unwrap();
    assert!(new_index < old_index, "the new alert sorts above");
    // `a` would act on the alert the engineer was reading, not the new one.
    assert_eq!(s.selected_alert().unwrap().labels, chosen.labels);
}

#[test]
fn the_leader_records_remote_alerts_transitions_once() {
    use opsdeck::app::state::StoreRole;
    use opsdeck::collect::prometheus::PromAlertState;
    let kinds = |effects: &[Effect]| -> Vec<(String, String, chrono::DateTime<chrono::Utc>)> {
        recorded(effects)
            .into_iter()
            .map(|e| (e.kind, e.source, e.at))
            .collect()
    };
    let mut s = fx::state();
    s.store = StoreRole::Leader;
    let cpu = [("alertname", "HighCPU"), ("severity", "warning")];
    let pending = fx::prom_alert(PromAlertState::Pending, &cpu, "cpu", -30);
    let firing = fx::prom_alert(PromAlertState::Firing, &cpu, "cpu", -30);
    // Events carry the source's kind (a Prometheus and an Alertmanager may
    // share a name) and when the alert started, not when opsdeck saw it.
    let event = |kind: &str, at: i64| (kind.to_string(), "prom main".to_string(), fx::at(at));
    let seen = kinds(&update(&mut s, fx::prom_update(0, vec![pending.clone()])));
    assert_eq!(seen, vec![event("pending", -30)]);
    assert_eq!(
        kinds(&update(&mut s, fx::prom_update(15, vec![pending]))),
        vec![]
    );
    let seen = kinds(&update(&mut s, fx::prom_update(30, vec![firing])));
    // Seen going from pending to firing here: fired now, not at its pending start.
    assert_eq!(seen, vec![event("fired", 30)]);
    let seen = kinds(&update(&mut s, fx::prom_update(45, vec![])));
    assert_eq!(seen, vec![event("resolved", 45)]);

    // A follower leaves the history to the leader.
    let mut follower = fx::state();
    follower.store = StoreRole::Follower;
    let firing = fx::prom_alert(PromAlertState::Firing, &cpu, "cpu", -30);
    assert_eq!(
        kinds(&update(&mut follower, fx::prom_update(0, vec![firing]))),
        vec![]
    );
}

#[test]
fn an_answer_for_an_earlier_dialog_leaves_the_open_one_alone() {
    let mut s = fx::alerts_state();
    let request = ack_high_errors(&mut s, "on it");
    // Esc while it is out, then `u` on another alert.
    assert_eq!(key(&mut s, KeyCode::Esc), vec![]);
    fx::select(&mut s, "NodeDown");
    assert_eq!(key(&mut s, KeyCode::Char('u')), vec![]);
    let _ = update(
        &mut s,
        common::written(Intent::Acknowledge(request.clone()), Ok(silenced("late"))),
    );
    assert!(
        matches!(&s.view.overlay, Some(Overlay::Confirm(c)) if matches!(c.draft, Draft::Unacknowledge(_))),
        "the un-acknowledge dialog stays open: {:?}",
        s.view.overlay
    );
    // A failure for it goes to the status line, not into the other dialog.
    let _ = update(
        &mut s,
        common::written(Intent::Acknowledge(request), Err("502 Bad Gateway".into())),
    );
    assert!(matches!(&s.view.overlay, Some(Overlay::Confirm(c)) if c.error.is_none()));
    assert!(status(&s).1.contains("502 Bad Gateway"));
}

/// An opsdeck that starts while an alert already fires records it as fired
/// when Alertmanager says it began, with its episode's start, so the store
/// keeps one such event however often opsdeck restarts.
#[test]
fn an_alert_already_firing_at_start_is_recorded_as_fired_when_it_began() {
    use opsdeck::app::state::StoreRole;
    let mut s = fx::state();
    s.store = StoreRole::Leader;
    let alert = fx::am_alert(
        &[("alertname", "DiskFull"), ("severity", "critical")],
        "disk",
        -600,
    );
    let effects = update(&mut s, fx::am_update(0, vec![alert], vec![]));
    let events = recorded(&effects);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].kind, "fired");
    assert_eq!(events[0].at, fx::at(-600), "when it began, not now");
    assert_eq!(events[0].started, Some(fx::at(-600)));
}

/// The history events `effects` ask the store to record.
fn recorded(effects: &[Effect]) -> Vec<opsdeck::store::acks::AlertEvent> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Alerts(opsdeck::app::alerts::Effect::RecordEvents(events)) => {
                Some(events.clone())
            }
            _ => None,
        })
        .flatten()
        .collect()
}

/// A poll whose lists did not change sends `None`: the alerts stay as they
/// were, nothing is merged again; a failure in between still marks them stale,
/// and the next unchanged answer makes them live again.
#[test]
fn an_unchanged_poll_keeps_the_alerts_and_a_failure_still_marks_them_stale() {
    let mut s = fx::state();
    let am = vec![fx::am_alert(
        &[("alertname", "NodeDown"), ("severity", "critical")],
        "node down",
        -60,
    )];
    let _ = update(&mut s, fx::am_update(10, am, Vec::new()));
    assert_eq!(s.remote.alerts.len(), 1);
    let merged = s.remote.generation;
    let unchanged = |at: i64| {
        let Msg::Remote(mut r) = fx::am_update(at, Vec::new(), Vec::new()) else {
            unreachable!()
        };
        r.at = fx::at(at);
        if let Ok(opsdeck::app::remote::Payload::Alertmanager(a)) = &mut r.result {
            a.alerts = None;
            a.silences = None;
        }
        Msg::Remote(r)
    };
    let _ = update(&mut s, unchanged(15));
    assert_eq!(s.remote.generation, merged, "nothing to merge");
    assert_eq!(s.remote.alerts[0].state, AlertState::Firing);
    assert!(!s.remote.alerts[0].stale);
    let _ = update(&mut s, fx::failed_update(AM, 20, "timeout", "timed out"));
    assert!(s.remote.alerts[0].stale, "its only source fails");
    let _ = update(&mut s, unchanged(25));
    assert_eq!(s.remote.alerts.len(), 1);
    assert!(!s.remote.alerts[0].stale, "answering again, same list");
}
