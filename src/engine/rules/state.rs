//! The per-rule alert state machine (Prometheus's `AlertingRule.Eval`), plus
//! notification throttling.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::template::AnnotationTemplates;
use super::{
    AlertPhase, Labels, Notify, RuleAlert, RuleSpec, Transition, alert_labels, fingerprint,
};

/// How long resolved alerts are kept (Prometheus's `resolvedRetention`), so views
/// and late notifications can still show them.
pub const RESOLVED_RETENTION: Duration = Duration::from_secs(15 * 60);

/// One rule's alerts and notification queue.
///
/// Notifications: [`RuleState::apply`] queues them as states change and
/// [`RuleState::due_notifications`] returns the queue, plus repeats of alerts
/// that are still firing once their cooldown has passed (so a caller may also
/// poll it between evaluations). Call `due_notifications` after every `apply`
/// (the queue is only drained there). "Queued" counts as
/// "notified" for `last_notified`: delivery and retries belong to the sender.
///
/// Cooldown semantics: the minimum time between two notifications of the same
/// alert (same fingerprint).
/// - A firing alert is notified when it starts firing, then again each time
///   `cooldown` has passed since the last notification while it still fires.
///   A zero cooldown means no repeats (a zero minimum interval would otherwise
///   mean a notification on every evaluation).
/// - A resolution is always notified at once if a Firing notification was sent
///   (never left hanging), and never if none was (nothing to take back).
/// - A flapping alert (resolved, then firing again) keeps its `last_notified`,
///   so its new Firing notification waits until the cooldown since the previous
///   notification has passed — flapping is damped, not lost.
#[derive(Debug)]
pub struct RuleState {
    spec: RuleSpec,
    templates: AnnotationTemplates,
    // `std` durations converted once; an absurdly large one saturates.
    for_: TimeDelta,
    keep_firing_for: TimeDelta,
    cooldown: TimeDelta,
    retention: TimeDelta,
    // Ordered by fingerprint so `alerts()` and transitions are deterministic.
    alerts: BTreeMap<u64, Tracked>,
    outbox: Vec<Notify>,
    error: Option<String>,
    /// Alerts acknowledged (or silenced) now: no Firing notifications.
    acknowledged: BTreeSet<u64>,
}

#[derive(Debug)]
struct Tracked {
    alert: RuleAlert,
    /// First evaluation at which a firing alert's series was missing
    /// (Prometheus's `KeepFiringSince`); reset when the series comes back.
    missing_since: Option<DateTime<Utc>>,
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

impl RuleState {
    /// Compiles the annotation templates; the error names the failing annotation.
    pub fn new(spec: RuleSpec) -> Result<RuleState, String> {
        let templates = AnnotationTemplates::compile(&spec.annotations)
            .map_err(|e| format!("rule {:?}: {e}", spec.name))?;
        Ok(RuleState {
            for_: delta(spec.for_),
            keep_firing_for: delta(spec.keep_firing_for),
            cooldown: delta(spec.cooldown),
            retention: delta(RESOLVED_RETENTION),
            spec,
            templates,
            alerts: BTreeMap::new(),
            outbox: Vec::new(),
            error: None,
            acknowledged: BTreeSet::new(),
        })
    }

    pub fn spec(&self) -> &RuleSpec {
        &self.spec
    }

    /// Applies one evaluation result at `now` and returns the transitions, one
    /// per alert that changed phase, as its phase afterwards (an alert created
    /// and fired in the same evaluation, `for` = 0, reports only `Firing`).
    ///
    /// Semantics (Prometheus's):
    /// - one alert per output series, keyed by the fingerprint of its final
    ///   labels; a series present for `for` fires;
    /// - a pending alert whose series disappears is dropped without `Resolved`;
    /// - a firing alert whose series disappears keeps firing while less than
    ///   `keep_firing_for` has passed since it was first missing, then resolves;
    ///   if the series comes back meanwhile it is the same alert;
    /// - resolved alerts are dropped once more than [`RESOLVED_RETENTION`] has
    ///   passed; a series that comes back before then starts a new alert;
    /// - annotations are rendered on every evaluation with the current value.
    ///
    /// Series whose final labels coincide (e.g. differing only in `__name__`)
    /// would be one alert: the first is used and the rule's error is set, as
    /// Prometheus reports it. A caller that clears the error after a successful
    /// query should do so before calling `apply`.
    pub fn apply(
        &mut self,
        result: &[(Labels, f64)],
        now: DateTime<Utc>,
    ) -> Vec<(u64, Transition)> {
        let mut changed: BTreeMap<u64, Transition> = BTreeMap::new();
        let mut present = BTreeSet::new();
        for (series, value) in result {
            let labels = alert_labels(&self.spec, series);
            let fp = fingerprint(&labels);
            if !present.insert(fp) {
                self.error = Some(format!(
                    "rule {:?}: result has several series with the labels {labels:?} after applying alert labels",
                    self.spec.name
                ));
                continue;
            }
            let annotations = self.templates.render(&labels, *value);
            self.observe(fp, labels, annotations, *value, now, &mut changed);
        }
        self.handle_missing(&present, now, &mut changed);
        self.queue_notifications(&changed, now);
        changed.into_iter().collect()
    }

    /// Records that the series of alert `fp` is present at `now`.
    fn observe(
        &mut self,
        fp: u64,
        labels: Labels,
        annotations: Labels,
        value: f64,
        now: DateTime<Utc>,
        changed: &mut BTreeMap<u64, Transition>,
    ) {
        let ongoing = self
            .alerts
            .get(&fp)
            .is_some_and(|t| t.alert.phase != AlertPhase::Resolved);
        if ongoing {
            if let Some(t) = self.alerts.get_mut(&fp) {
                t.alert.value = value;
                t.alert.annotations = annotations;
                t.missing_since = None;
            }
        } else {
            // New, or replacing a resolved alert: a new episode, as in
            // Prometheus; only the notification time carries over (flap damping).
            let last_notified = self.alerts.get(&fp).and_then(|t| t.alert.last_notified);
            changed.insert(fp, Transition::Pending);
            let alert = RuleAlert {
                rule: self.spec.name.clone(),
                labels,
                annotations,
                phase: AlertPhase::Pending,
                active_since: now,
                fired_at: None,
                resolved_at: None,
                value,
                fingerprint: fp,
                last_notified,
                firing_notified: false,
            };
            let tracked = Tracked {
                alert,
                missing_since: None,
            };
            self.alerts.insert(fp, tracked);
        }
        let Some(tracked) = self.alerts.get_mut(&fp) else {
            return;
        };
        let alert = &mut tracked.alert;
        if alert.phase == AlertPhase::Pending && now - alert.active_since >= self.for_ {
            alert.phase = AlertPhase::Firing;
            alert.fired_at = Some(now);
            changed.insert(fp, Transition::Firing);
        }
    }

    /// Alerts whose series is absent from this evaluation.
    fn handle_missing(
        &mut self,
        present: &BTreeSet<u64>,
        now: DateTime<Utc>,
        changed: &mut BTreeMap<u64, Transition>,
    ) {
        let (keep_for, retention) = (self.keep_firing_for, self.retention);
        self.alerts.retain(|fp, t| {
            if present.contains(fp) {
                return true;
            }
            match t.alert.phase {
                AlertPhase::Pending => false,
                AlertPhase::Firing => {
                    let since = *t.missing_since.get_or_insert(now);
                    if now - since >= keep_for {
                        t.alert.phase = AlertPhase::Resolved;
                        t.alert.resolved_at = Some(now);
                        changed.insert(*fp, Transition::Resolved);
                    }
                    true
                }
                AlertPhase::Resolved => t.alert.resolved_at.is_none_or(|at| now - at <= retention),
            }
        });
    }

    fn queue_notifications(&mut self, changed: &BTreeMap<u64, Transition>, now: DateTime<Utc>) {
        for (fp, t) in &mut self.alerts {
            let resolved_now = changed.get(fp) == Some(&Transition::Resolved);
            if resolved_now && t.alert.firing_notified {
                t.alert.last_notified = Some(now);
                t.alert.firing_notified = false;
                self.outbox.push(Notify {
                    fingerprint: *fp,
                    kind: Transition::Resolved,
                });
            }
        }
        self.queue_firing_repeats(now);
    }

    /// Queues a Firing notification for each firing alert that is due: never
    /// notified, or (with a non-zero cooldown) notified at least `cooldown` ago.
    fn queue_firing_repeats(&mut self, now: DateTime<Utc>) {
        let cooldown = self.cooldown;
        for (fp, t) in &mut self.alerts {
            // Acknowledged: nobody is paged again until the ack ends.
            if t.alert.phase != AlertPhase::Firing || self.acknowledged.contains(fp) {
                continue;
            }
            let due = match t.alert.last_notified {
                None => true,
                // A repeat needs a non-zero cooldown; a first notification of a
                // new episode (flapping) only waits for the cooldown.
                Some(last) => {
                    let may_repeat = !t.alert.firing_notified || cooldown > TimeDelta::zero();
                    may_repeat && now - last >= cooldown
                }
            };
            if due {
                t.alert.last_notified = Some(now);
                t.alert.firing_notified = true;
                self.outbox.push(Notify {
                    fingerprint: *fp,
                    kind: Transition::Firing,
                });
            }
        }
    }

    /// The notifications due at `now`: those queued by `apply`, then repeats of
    /// still-firing alerts whose cooldown has passed. Drains the queue.
    pub fn due_notifications(&mut self, now: DateTime<Utc>) -> Vec<Notify> {
        self.queue_firing_repeats(now);
        std::mem::take(&mut self.outbox)
    }

    /// Current alerts (pending, firing, and resolved within the retention), in
    /// fingerprint order.
    pub fn alerts(&self) -> impl Iterator<Item = &RuleAlert> {
        self.alerts.values().map(|t| &t.alert)
    }

    /// The alert with fingerprint `fp`, if still kept.
    pub fn alert(&self, fp: u64) -> Option<&RuleAlert> {
        self.alerts.get(&fp).map(|t| &t.alert)
    }

    /// The last evaluation error (set by the caller's loop, or by `apply` for
    /// duplicate label sets).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn set_error(&mut self, e: Option<String>) {
        self.error = e;
    }

    /// The alerts acknowledged or silenced now (by fingerprint): they are not
    /// notified as firing until that ends; a resolution still is.
    pub fn set_acknowledged(&mut self, fingerprints: &BTreeSet<u64>) {
        self.acknowledged.clone_from(fingerprints);
    }

    /// Takes these alerts as this rule's own, replacing what it had: the state
    /// another opsdeck (the leader) evaluated, so that this one shows the same
    /// and, should it lead, goes on from there (same ages, same cooldowns).
    pub fn restore(&mut self, alerts: impl IntoIterator<Item = RuleAlert>) {
        self.alerts = alerts
            .into_iter()
            .map(|alert| {
                let tracked = Tracked {
                    alert,
                    missing_since: None,
                };
                (tracked.alert.fingerprint, tracked)
            })
            .collect();
        self.outbox.clear();
    }
}
