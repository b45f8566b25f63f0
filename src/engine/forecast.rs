//! When a filesystem will be full, from the trend of its used bytes.
//!
//! A least-squares line through the last two minutes, as this used to be,
//! jumped between 2h28m and 30d20h within 20 minutes: over so short a window a
//! temporary file written and deleted looks like a rate. So a `DiskTrend`
//! keeps one point per `BUCKET` over the last `WINDOW`, timed by the samples
//! themselves (no clock here), and its slope is the Theil–Sen estimate: the
//! median of the slopes between every pair of points, which a spike of a few
//! points hardly moves. Sen's 95 % interval for that slope says how sure it
//! is; nothing is forecast unless the interval shows growth and is narrow
//! enough that what is shown cannot flip.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::time::Duration;

/// One point per this long: the last figure sampled in it.
pub const BUCKET: Duration = Duration::from_secs(20);

/// The trend looks this far back.
pub const WINDOW: Duration = Duration::from_secs(30 * 60);

/// The trend says nothing before its points span this long.
pub const MIN_SPAN: Duration = Duration::from_secs(10 * 60);

/// Nor with fewer points (after a suspend, ten minutes may hold only two).
const MIN_POINTS: usize = 15;

/// Forecasts further out than this are not worth showing.
const HORIZON_SECS: f64 = 365.0 * 86400.0;

/// How far the slope's interval may reach from the estimate: at most this
/// factor either way, so the latest time is at most twice the likely one.
const MAX_SPREAD: f64 = 2.0;

/// The normal quantile of a two-sided 95 % interval.
const Z95: f64 = 1.96;

/// Used bytes of one filesystem over the last `WINDOW`, with its fitted growth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiskTrend {
    /// (milliseconds since the epoch, used bytes), oldest first, one per bucket.
    points: VecDeque<(i64, f64)>,
    growth: Option<Growth>,
}

/// The fitted growth rate in bytes per second, with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    pub bytes_per_sec: f64,
    pub low: f64,
    pub high: f64,
}

/// When the free space runs out: most likely, and the interval's two ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forecast {
    pub likely: Duration,
    pub earliest: Duration,
    pub latest: Duration,
}

impl DiskTrend {
    /// Adds the used bytes sampled at `at`; fits the trend again when this
    /// starts a new bucket.
    pub fn push(&mut self, at: DateTime<Utc>, used: f64) {
        let ms = at.timestamp_millis();
        let bucket_ms = BUCKET.as_millis() as i64;
        match self.points.back_mut() {
            // The clock went back (set by hand, or a VM restored): start again.
            Some((last, _)) if *last > ms => self.points.clear(),
            // The fit waits for the bucket to close: fitting every sample would
            // cost thousands of slopes per filesystem per second.
            Some((last, value)) if last.div_euclid(bucket_ms) == ms.div_euclid(bucket_ms) => {
                (*last, *value) = (ms, used);
                return;
            }
            _ => {}
        }
        self.points.push_back((ms, used));
        let window_ms = WINDOW.as_millis() as i64;
        while self.points.front().is_some_and(|(t, _)| ms - t > window_ms) {
            self.points.pop_front();
        }
        self.growth = self.fit();
    }

    /// When `free` bytes are used up at this trend; None when the trend is too
    /// short, not clearly growing, too unsure, or reaches beyond a year.
    pub fn forecast(&self, free: u64) -> Option<Forecast> {
        self.growth?.until_full(free)
    }

    fn fit(&self) -> Option<Growth> {
        let n = self.points.len();
        let (first, last) = (self.points.front()?.0, self.points.back()?.0);
        if n < MIN_POINTS || ((last - first) as u128) < MIN_SPAN.as_millis() {
            return None;
        }
        let points: Vec<(i64, f64)> = self.points.iter().copied().collect();
        theil_sen(&points)
    }
}

/// The Theil–Sen slope of (milliseconds, value) points in bytes per second,
/// with Sen's 95 % interval (every pair: keep the points to a few hundred).
pub fn theil_sen(points: &[(i64, f64)]) -> Option<Growth> {
    let n = points.len();
    if n < 2 {
        return None;
    }
    let mut slopes = Vec::with_capacity(n * (n - 1) / 2);
    for (i, (ti, yi)) in points.iter().enumerate() {
        for (tj, yj) in points.iter().skip(i + 1) {
            if tj != ti {
                slopes.push((yj - yi) / ((tj - ti) as f64 / 1000.0));
            }
        }
    }
    if slopes.is_empty() {
        return None;
    }
    slopes.sort_unstable_by(f64::total_cmp);
    let count = slopes.len();
    let median = if count % 2 == 1 {
        slopes[count / 2]
    } else {
        (slopes[count / 2 - 1] + slopes[count / 2]) / 2.0
    };
    // Sen (1968): the interval's ends are the slopes ranked C/2 either side
    // of the middle, C from the variance of Kendall's S.
    let nf = n as f64;
    let c = Z95 * (nf * (nf - 1.0) * (2.0 * nf + 5.0) / 18.0).sqrt();
    let low = ((count as f64 - c) / 2.0).floor().max(1.0) as usize - 1;
    let high = (((count as f64 + c) / 2.0).ceil() as usize).min(count - 1);
    Some(Growth {
        bytes_per_sec: median,
        low: slopes[low],
        high: slopes[high],
    })
}

impl Growth {
    /// When `free` bytes are used up, if the growth is sure and near enough.
    pub fn until_full(&self, free: u64) -> Option<Forecast> {
        let sure = self.low > 0.0
            && self.low * MAX_SPREAD >= self.bytes_per_sec
            && self.high <= self.bytes_per_sec * MAX_SPREAD;
        if !sure {
            return None;
        }
        let free = free as f64;
        let likely = free / self.bytes_per_sec;
        (likely < HORIZON_SECS).then(|| Forecast {
            likely: Duration::from_secs_f64(likely),
            earliest: Duration::from_secs_f64(free / self.high),
            latest: Duration::from_secs_f64(free / self.low),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    const MIB: f64 = 1024.0 * 1024.0;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    /// Noise in -1..1 that looks random but is the same every run.
    fn noise(i: i64) -> f64 {
        let x = (i as u64)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((x >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
    }

    /// A trend fed one sample a second for `secs` seconds from `t0`.
    fn trend(secs: i64, used: impl Fn(i64) -> f64) -> DiskTrend {
        let mut trend = DiskTrend::default();
        for s in 0..secs {
            trend.push(t0() + chrono::Duration::seconds(s), used(s));
        }
        trend
    }

    /// 1 GiB an hour with 20 MiB of noise, from 100 GiB used.
    fn steady(s: i64) -> f64 {
        100.0 * GIB + s as f64 * GIB / 3600.0 + 20.0 * MIB * noise(s)
    }

    #[test]
    fn a_noisy_flat_series_has_no_forecast() {
        // 200 MiB of noise around a level that does not move, for an hour.
        let mut trend = DiskTrend::default();
        for s in 0..3600 {
            trend.push(
                t0() + chrono::Duration::seconds(s),
                50.0 * GIB + 200.0 * MIB * noise(s),
            );
            if s >= 600 {
                assert_eq!(trend.forecast((10.0 * GIB) as u64), None, "at {s}s");
            }
        }
    }

    #[test]
    fn a_steady_fill_has_a_stable_forecast() {
        // 72 GiB free at 1 GiB an hour: 72 hours, whenever it is asked.
        let mut trend = DiskTrend::default();
        let mut seen = Vec::new();
        for s in 0..3600 {
            trend.push(t0() + chrono::Duration::seconds(s), steady(s));
            if s >= 660 && s % 60 == 0 {
                let f = trend
                    .forecast((72.0 * GIB) as u64)
                    .unwrap_or_else(|| panic!("a forecast at {s}s"));
                assert!(f.earliest <= f.likely && f.likely <= f.latest, "{f:?}");
                seen.push(f.likely.as_secs_f64() / 3600.0);
            }
        }
        let (min, max) = seen
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), h| (lo.min(*h), hi.max(*h)));
        assert!(min > 68.0 && max < 76.0, "hours from {min:.1} to {max:.1}");
    }

    #[test]
    fn a_short_window_has_no_forecast() {
        let nine_minutes = trend(9 * 60, steady);
        assert_eq!(nine_minutes.forecast((72.0 * GIB) as u64), None);
        // A long span with too few points: two samples, ten minutes apart.
        let mut sparse = DiskTrend::default();
        sparse.push(t0(), GIB);
        sparse.push(t0() + chrono::Duration::minutes(10), 2.0 * GIB);
        assert_eq!(sparse.forecast((72.0 * GIB) as u64), None);
        // Some ten minutes of a clean fill are enough.
        let clean = |s: i64| s as f64 * MIB;
        assert_eq!(trend(9 * 60, clean).forecast(1 << 40), None);
        assert!(trend(11 * 60, clean).forecast(1 << 40).is_some());
    }

    #[test]
    fn a_brief_spike_does_not_flip_the_forecast() {
        // A 5 GiB temporary file for one minute, anywhere in the window: the
        // forecast stays within a tenth of the one without it.
        let without = trend(1800, steady)
            .forecast((72.0 * GIB) as u64)
            .expect("a forecast without the spike")
            .likely
            .as_secs_f64();
        for start in [60, 900, 1680, 1740] {
            let spiky = |s: i64| {
                steady(s)
                    + if (start..start + 60).contains(&s) {
                        5.0 * GIB
                    } else {
                        0.0
                    }
            };
            let mut trend = DiskTrend::default();
            for s in 0..1800 {
                trend.push(t0() + chrono::Duration::seconds(s), spiky(s));
                if s >= 900 {
                    let f = trend.forecast((72.0 * GIB) as u64);
                    let hours = f.map(|f| f.likely.as_secs_f64() / 3600.0);
                    assert!(
                        hours.is_some_and(|h| (h * 3600.0 / without - 1.0).abs() < 0.1),
                        "spike at {start}s, asked at {s}s: {hours:?} hours"
                    );
                }
            }
        }
    }

    #[test]
    fn time_comes_from_the_samples_not_a_clock() {
        // The same fill sampled every 10 s, one day in the past: the same forecast.
        let mut trend = DiskTrend::default();
        let start = t0() - chrono::Duration::days(1);
        for i in 0..180 {
            trend.push(
                start + chrono::Duration::seconds(i * 10),
                i as f64 * 10.0 * GIB / 3600.0,
            );
        }
        let f = trend.forecast((72.0 * GIB) as u64).expect("a forecast");
        assert_eq!(f.likely.as_secs() / 60, 72 * 60);
        // A clock set back starts the trend again.
        trend.push(start, 0.0);
        assert_eq!(trend.forecast((72.0 * GIB) as u64), None);
    }

    #[test]
    fn no_forecast_for_shrinking_or_far_trends() {
        let shrinking = trend(1800, |s| 100.0 * GIB - s as f64 * MIB);
        assert_eq!(shrinking.forecast(GIB as u64), None);
        // A byte a second: 100 GiB would take three thousand years.
        let slow = trend(1800, |s| s as f64);
        assert_eq!(slow.forecast((100.0 * GIB) as u64), None);
    }
}
