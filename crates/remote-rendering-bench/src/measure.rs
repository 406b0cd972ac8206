//! CPU time, memory and latency summaries.

use std::time::Duration;

/// CPU time (user + system) of this whole process, all threads, from
/// `getrusage(RUSAGE_SELF)`: microsecond resolution, unlike `/proc/self/stat`
/// (clock ticks, usually 10 ms).
pub fn process_cpu() -> Duration {
    let (user, system) = process_cpu_split();
    user + system
}

/// [`process_cpu`] as (user, system): system time is the kernel's share
/// (syscalls, and on loopback much of the TCP stack of both ends).
pub fn process_cpu_split() -> (Duration, Duration) {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return (Duration::ZERO, Duration::ZERO);
        }
        usage
    };
    (timeval(usage.ru_utime), timeval(usage.ru_stime))
}

/// Converts a `timeval` to a `Duration` (negative fields count as zero).
pub fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(u64::try_from(tv.tv_sec).unwrap_or(0))
        + Duration::from_micros(u64::try_from(tv.tv_usec).unwrap_or(0))
}

/// CPU time (user + system) of another process, from `/proc/PID/stat`
/// (clock-tick resolution: use it over seconds, not single requests).
pub fn other_process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after its closing
    // parenthesis are space-separated, utime and stime being fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = u64::try_from(ticks).ok().filter(|t| *t > 0)?;
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / ticks as f64,
    ))
}

/// Peak resident set size of this process in KiB (`VmHWM` in
/// `/proc/self/status`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Median, 99th percentile and mean of a set of latencies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of samples.
    pub count: usize,
    /// 50th percentile (nearest rank).
    pub median: Duration,
    /// 99th percentile (nearest rank).
    pub p99: Duration,
    /// Arithmetic mean.
    pub mean: Duration,
}

/// Summarizes samples (sorts them in place). `None` without samples.
pub fn summarize(samples: &mut [Duration]) -> Option<Summary> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let total: Duration = samples.iter().sum();
    Some(Summary {
        count: samples.len(),
        median: percentile(samples, 0.50),
        p99: percentile(samples, 0.99),
        mean: total / u32::try_from(samples.len()).unwrap_or(u32::MAX),
    })
}

/// Nearest-rank percentile of sorted samples (`q` in 0..=1).
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Formats a duration in µs with one decimal.
pub fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// Formats a duration in ms with one decimal.
pub fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Formats a setting: `2 s`, `250 ms`, or ms with one decimal.
pub fn setting(d: Duration) -> String {
    if d.subsec_nanos() == 0 && !d.is_zero() {
        format!("{} s", d.as_secs())
    } else if d.subsec_nanos().is_multiple_of(1_000_000) {
        format!("{} ms", d.as_millis())
    } else {
        millis(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let s = summarize(&mut samples).unwrap();
        assert_eq!(s.median, Duration::from_millis(50));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!(s.count, 100);
        assert_eq!(
            percentile(&[Duration::from_secs(3)], 0.99),
            Duration::from_secs(3)
        );
        assert!(summarize(&mut []).is_none());
        assert_eq!(setting(Duration::from_secs(2)), "2 s");
        assert_eq!(setting(Duration::from_millis(250)), "250 ms");
    }

    #[test]
    fn own_figures_are_readable() {
        assert!(peak_rss_kib().unwrap_or(1) > 0);
        let pid = std::process::id();
        assert!(other_process_cpu(pid).is_some());
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(20) {
            std::hint::black_box(0u64);
        }
        assert!(process_cpu() > Duration::ZERO);
    }
}
