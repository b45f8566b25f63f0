//! When a task runs: a cron pattern (croner) in a time zone (jiff, from the
//! system's tzdata). croner walks the zone's civil time, so a run in a DST gap
//! moves to the first valid instant and one in an overlap runs once.

use chrono::{DateTime, TimeZone, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::tz::TimeZone as Zone;

#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    /// The configured zone's name and rules; None: the host's zone.
    zone: Option<(String, Zone)>,
    pattern: String,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern && self.zone_name() == other.zone_name()
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
        let start = zoned(t, self.zone())?;
        let next = self.cron.find_next_occurrence(&start, false).ok()?;
        to_chrono(&next)
    }

    /// The last run at or before `t`.
    pub fn previous_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = zoned(t, self.zone())?;
        let previous = self.cron.find_previous_occurrence(&start, true).ok()?;
        to_chrono(&previous)
    }

    fn zone(&self) -> Zone {
        // jiff caches the system zone and notices when it changes.
        self.zone
            .as_ref()
            .map_or_else(Zone::system, |(_, zone)| zone.clone())
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
            .as_ref()
            .map_or_else(|| "local".into(), |(name, _)| name.clone())
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

/// Finds the host's time zone on a thread of its own: jiff lists the whole of
/// tzdata the first time (1.7 ms, most of the config's checks), and the
/// schedules' checks then find it found.
pub fn look_up_local_zone_meanwhile() {
    std::thread::spawn(|| drop(Zone::system()));
}

fn parse_zone(name: &str) -> Result<(String, Zone), String> {
    match Zone::get(name) {
        Ok(zone) => Ok((name.to_string(), zone)),
        Err(e) => {
            let near = jiff::tz::db()
                .available()
                .find(|z| z.as_str().eq_ignore_ascii_case(name))
                .map(|z| format!("; did you mean {:?}?", z.as_str()))
                .unwrap_or_default();
            Err(format!(
                "unknown time zone {name:?}: {e} (an IANA name such as \"Europe/Berlin\" or \"UTC\", \
                 from the system's tzdata){near}"
            ))
        }
    }
}

fn zoned(t: DateTime<Utc>, zone: Zone) -> Option<jiff::Zoned> {
    let ts = jiff::Timestamp::new(t.timestamp(), t.timestamp_subsec_nanos() as i32).ok()?;
    Some(ts.to_zoned(zone))
}

fn to_chrono(z: &jiff::Zoned) -> Option<DateTime<Utc>> {
    let ts = z.timestamp();
    Utc.timestamp_opt(ts.as_second(), ts.subsec_nanosecond() as u32)
        .single()
}
