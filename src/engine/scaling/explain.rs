//! A decision in one line of words, for the Scaling pane and the CLI: what
//! each metric proposed, what held it back, and where it ends ("cpu 92 vs
//! 70 → 4; held by the scale-up policies 100%/15s, 4 pods/15s (max) → 3;
//! 2 → 3").

use super::{Decision, PolicyKind, Reason, Rules, ScalerSpec, Select};

impl Decision {
    pub fn summary(&self, spec: &ScalerSpec) -> String {
        self.summary_with(spec, None)
    }

    /// As `summary`, with why each unreadable metric could not be read.
    pub fn summary_read(&self, spec: &ScalerSpec, inputs: &super::Inputs) -> String {
        self.summary_with(spec, Some(inputs))
    }

    fn summary_with(&self, spec: &ScalerSpec, inputs: Option<&super::Inputs>) -> String {
        let error = |i: usize| {
            let reading = inputs.and_then(|inputs| inputs.readings.get(i));
            reading.and_then(|r| r.error.as_ref())
        };
        let mut parts: Vec<String> = self
            .metrics
            .iter()
            .enumerate()
            .map(|(i, m)| match (m.value, m.replicas, error(i)) {
                (Some(v), Some(r), _) if m.within_tolerance => {
                    let tolerance = num(spec.tolerance * 100.0);
                    format!(
                        "{} {} vs {} (within {tolerance}%) → {r}",
                        m.name,
                        num(v),
                        num(m.target)
                    )
                }
                (Some(v), Some(r), _) => {
                    format!("{} {} vs {} → {r}", m.name, num(v), num(m.target))
                }
                (_, _, Some(e)) => format!("{} unreadable ({e})", m.name),
                _ => format!("{} unreadable", m.name),
            })
            .collect();
        for reason in &self.reasons {
            if let Some(text) = self.reason_text(*reason, spec) {
                parts.push(text);
            }
        }
        parts.push(if self.changes() {
            format!("{} → {}", self.current, self.desired)
        } else {
            format!("steady at {}", self.current)
        });
        parts.join("; ")
    }

    /// Every stage, one labelled line each, for the history views: each
    /// metric's proposal, the largest, after the stabilisation window, after
    /// the policies and min/max, and HPA's reasons.
    pub fn stages(&self, spec: &ScalerSpec) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = self
            .metrics
            .iter()
            .map(|m| {
                let text = match (m.value, m.ratio, m.replicas) {
                    (Some(v), Some(r), Some(n)) if m.within_tolerance => format!(
                        "{} {} vs {}: ratio {r:.2}, within {}% → {n}",
                        m.name,
                        num(v),
                        num(m.target),
                        num(spec.tolerance * 100.0)
                    ),
                    (Some(v), Some(r), Some(n)) => format!(
                        "{} {} vs {}: ratio {r:.2} → ceil({} × {r:.2}) = {n}",
                        m.name,
                        num(v),
                        num(m.target),
                        self.current
                    ),
                    _ => format!("{} unreadable", m.name),
                };
                ("metric", text)
            })
            .collect();
        let or_none = |n: Option<u32>| n.map_or("none".to_string(), |n| n.to_string());
        out.push(("proposed", or_none(self.proposed)));
        if let Some(stabilized) = self.stabilized {
            let held = match self.held_by {
                Some(r) => format!(
                    "{stabilized}, held by the recommendation of {} at {}",
                    r.replicas,
                    r.at.format("%H:%M:%S")
                ),
                None => stabilized.to_string(),
            };
            out.push(("stabilised", held));
        }
        out.push((
            "desired",
            format!("{} (from {})", self.desired, self.current),
        ));
        let reasons: Vec<&str> = self.reasons.iter().map(|r| r.as_str()).collect();
        out.push(("reasons", reasons.join(", ")));
        out
    }

    fn reason_text(&self, reason: Reason, spec: &ScalerSpec) -> Option<String> {
        let b = &spec.behavior;
        Some(match reason {
            Reason::ScalingDisabled => {
                "0 replicas: scaling disabled until it is scaled up by hand".into()
            }
            Reason::TooManyReplicas if self.metrics.is_empty() => {
                format!("{} is above max {}", self.current, spec.max)
            }
            Reason::TooFewReplicas if self.metrics.is_empty() => {
                format!("{} is below min {}", self.current, spec.min)
            }
            Reason::TooManyReplicas => format!("max {}", spec.max),
            Reason::TooFewReplicas => format!("min {}", spec.min),
            Reason::FailedGetMetric if self.proposed.is_some() => {
                "a metric could not be read: no scale-down on a partial picture".into()
            }
            Reason::FailedGetMetric => "no metric could be read: nothing changes".into(),
            Reason::ScaleUpStabilized | Reason::ScaleDownStabilized => {
                let (way, rules) = if reason == Reason::ScaleUpStabilized {
                    ("up", &b.up)
                } else {
                    ("down", &b.down)
                };
                let window = crate::config::duration::short(rules.stabilization);
                let by = self.held_by.map_or(String::new(), |r| {
                    let ago = (self.at - r.at).num_seconds().max(0).unsigned_abs();
                    let ago = crate::config::duration::short(std::time::Duration::from_secs(ago));
                    format!(" by the recommendation of {} {ago} ago", r.replicas)
                });
                format!(
                    "held at {}{by} (scale-{way} window {window})",
                    self.stabilized.unwrap_or(self.current)
                )
            }
            Reason::ScaleUpLimit => format!("held by the scale-up policies {}", policies(&b.up)),
            Reason::ScaleDownLimit => {
                format!("held by the scale-down policies {}", policies(&b.down))
            }
            Reason::ReadyForNewScale | Reason::DesiredWithinRange => return None,
        })
    }
}

/// "100%/15s, 4 pods/15s (max)", or "disabled".
fn policies(rules: &Rules) -> String {
    if rules.select == Select::Disabled {
        return "(disabled)".into();
    }
    let list: Vec<String> = rules
        .policies
        .iter()
        .map(|p| {
            let period = crate::config::duration::short(p.period);
            match p.kind {
                PolicyKind::Percent => format!("{}%/{period}", p.value),
                PolicyKind::Pods => format!("{} pods/{period}", p.value),
            }
        })
        .collect();
    let select = if rules.select == Select::Min {
        "min"
    } else {
        "max"
    };
    format!("{} ({select})", list.join(", "))
}

/// 92, 0.35, 1234.5: as few digits as say it.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
