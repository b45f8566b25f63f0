//! Days until a filesystem is full, from the trend of its used bytes: a
//! least-squares line through the samples in memory, extended to the capacity.

use std::time::Duration;

/// The trend needs this much history before it says anything.
pub const MIN_SPAN: Duration = Duration::from_secs(120);

/// Forecasts further out than this are not worth showing.
const HORIZON_DAYS: f64 = 365.0;

/// Time until `free` bytes are used up at the rate the evenly spaced `used`
/// samples (oldest first, `interval` apart) grow. None when there is too little
/// history, the usage is flat or shrinking, or full is beyond a year.
pub fn time_until_full(
    used: impl ExactSizeIterator<Item = f64> + Clone,
    interval: Duration,
    free: u64,
) -> Option<Duration> {
    let n = used.len();
    let step = interval.as_secs_f64();
    if n < 3 || step <= 0.0 || (n - 1) as f64 * step < MIN_SPAN.as_secs_f64() {
        return None;
    }
    let mean_x = (n - 1) as f64 / 2.0;
    let mean_y = used.clone().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in used.enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    let bytes_per_sec = sxy / sxx / step;
    if bytes_per_sec <= 0.0 {
        return None;
    }
    let secs = free as f64 / bytes_per_sec;
    (secs < HORIZON_DAYS * 86400.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    #[test]
    fn steady_growth_extends_to_the_free_space() {
        // 1 GiB per minute over 5 minutes, sampled every 10 s; 60 GiB free: 1 hour.
        let used: Vec<f64> = (0..31)
            .map(|i| 100.0 * GIB + i as f64 * GIB / 6.0)
            .collect();
        let t = time_until_full(
            used.iter().copied(),
            Duration::from_secs(10),
            (60.0 * GIB) as u64,
        )
        .unwrap();
        assert!((t.as_secs_f64() - 3600.0).abs() < 1.0, "{t:?}");
    }

    #[test]
    fn no_forecast_for_flat_shrinking_short_or_far_trends() {
        let flat = vec![5.0 * GIB; 30];
        assert_eq!(
            time_until_full(flat.iter().copied(), Duration::from_secs(10), 1),
            None
        );
        let shrinking: Vec<f64> = (0..30).map(|i| 10.0 * GIB - i as f64 * GIB).collect();
        assert_eq!(
            time_until_full(shrinking.iter().copied(), Duration::from_secs(10), 1),
            None
        );
        let short: Vec<f64> = (0..5).map(|i| i as f64 * GIB).collect();
        assert_eq!(
            time_until_full(short.iter().copied(), Duration::from_secs(10), 1),
            None,
            "under two minutes"
        );
        let slow: Vec<f64> = (0..30).map(|i| i as f64).collect();
        assert_eq!(
            time_until_full(
                slow.iter().copied(),
                Duration::from_secs(10),
                (100.0 * GIB) as u64
            ),
            None
        );
    }
}
