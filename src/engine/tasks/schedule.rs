//! When a task runs: a cron pattern (croner) in a time zone. croner walks the
//! zone's civil time, so a run in a DST gap moves to the first valid instant
//! and one in an overlap runs once.

use chrono::{DateTime, Local, TimeZone, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    zone: Option<chrono_tz::Tz>,
    pattern: String,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern && self.zone == other.zone
    }
}

impl Schedule {
    /// A 5-field (minutes) or 6-field (seconds first) pattern, or an alias such
    /// as `@daily`; `timezone` is an IANA name, else the host's local zone.
    pub fn parse(pattern: &str, timezone: Option<&str>) -> Result<Self, String> {
        let fields = pattern.split_whitespace().count();
        if !pattern.trim_start().starts_with('@') && !(5..=6).contains(&fields) {
            return Err(format!(
                "cron pattern {pattern:?} has {fields} fields; expected 5 (minute hour day month weekday) or 6 (second first)"
            ));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build()
            .parse(pattern)
            .map_err(|e| explain(pattern, &e.to_string()))?;
        let zone = timezone.map(parse_zone).transpose()?;
        // A pattern that never matches (30 February) is an error now, not a task
        // that silently never runs.
        let schedule = Self {
            cron,
            zone,
            pattern: pattern.trim().to_string(),
        };
        if schedule.next_after(Utc::now()).is_none() {
            return Err(format!("cron pattern {pattern:?} never matches"));
        }
        Ok(schedule)
    }

    /// The first run strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.zone {
            Some(zone) => next_in(&self.cron, &zone, t),
            None => next_in(&self.cron, &Local, t),
        }
    }

    /// The last run at or before `t`.
    pub fn previous_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.zone {
            Some(zone) => previous_in(&self.cron, &zone, t),
            None => previous_in(&self.cron, &Local, t),
        }
    }

    /// croner's English description, e.g. "At 02:00".
    pub fn describe(&self) -> String {
        self.cron.describe()
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The zone's name, or "local".
    pub fn zone_name(&self) -> String {
        self.zone
            .map_or_else(|| "local".into(), |z| z.name().to_string())
    }
}

/// croner's message, with what it does not say: the fields' ranges, the
/// aliases there are.
fn explain(pattern: &str, croner: &str) -> String {
    let hint = if pattern.trim_start().starts_with('@') {
        "aliases: @yearly, @annually, @monthly, @weekly, @daily, @hourly"
    } else {
        "fields: [second 0-59] minute 0-59, hour 0-23, day of month 1-31 (L, W), \
         month 1-12 or JAN-DEC, day of week 0-7 or SUN-SAT (L, #)"
    };
    format!("cron pattern {pattern:?}: {croner} ({hint})")
}

fn parse_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse::<chrono_tz::Tz>().map_err(|_| {
        let near = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|z| z.name().eq_ignore_ascii_case(name))
            .map(|z| format!("; did you mean {:?}?", z.name()))
            .unwrap_or_default();
        format!(
            "unknown time zone {name:?} (an IANA name such as \"Europe/Berlin\" or \"UTC\"){near}"
        )
    })
}

fn next_in<Z: TimeZone>(cron: &Cron, zone: &Z, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_next_occurrence(&t.with_timezone(zone), false)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn previous_in<Z: TimeZone>(cron: &Cron, zone: &Z, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_previous_occurrence(&t.with_timezone(zone), true)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}
