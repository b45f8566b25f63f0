//! When things happen, as the Tasks pane and a task's details show it: local
//! times as short as they can be told apart, and spans in the one duration
//! form (`config::duration::short`).

use crate::app::AppState;
use crate::ui::widgets::format;
use chrono::{DateTime, Utc};

/// A local time as short as it can be told apart: "02:00" today, "Wed 02:00"
/// this week, "12-03 02:00" later, "2027-12-03 02:00" from `YEAR_AWAY` days
/// on (a yearly run's dates differ only in the year).
pub fn clock(state: &AppState, at: DateTime<Utc>) -> String {
    clock_or_date(state, at, false)
}

/// Days away from which a time is shown with its year.
const YEAR_AWAY: i64 = 300;

/// Local calendar days from today to `at`.
fn days_away(state: &AppState, at: DateTime<Utc>) -> i64 {
    let local = at.with_timezone(&state.local_offset).date_naive();
    let today = state.now.with_timezone(&state.local_offset).date_naive();
    (local - today).num_days()
}

/// Whether [`clock`] shows `at` with its year.
pub fn needs_year(state: &AppState, at: DateTime<Utc>) -> bool {
    days_away(state, at).abs() >= YEAR_AWAY
}

/// [`clock`], or always the full date when `with_year`.
pub fn clock_or_date(state: &AppState, at: DateTime<Utc>, with_year: bool) -> String {
    let local = at.with_timezone(&state.local_offset);
    let days = days_away(state, at);
    if with_year || needs_year(state, at) {
        local.format("%Y-%m-%d %H:%M").to_string()
    } else if days == 0 {
        local.format("%H:%M").to_string()
    } else if (1..7).contains(&days) {
        local.format("%a %H:%M").to_string()
    } else {
        local.format("%m-%d %H:%M").to_string()
    }
}

/// A run's duration, as the CLI shows it too: "0.35s", "2.1s", "12m03s".
pub fn duration(d: chrono::Duration) -> String {
    crate::config::duration::short(d.to_std().unwrap_or_default())
}

/// Time from `now` to a later `at`: "5h12m".
pub fn until(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    format::age((at - now).num_seconds().max(0).unsigned_abs())
}

/// Time since `at`: "3m02s".
pub fn since(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    format::age((now - at).num_seconds().max(0).unsigned_abs())
}
