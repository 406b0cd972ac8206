//! Upload progress on stderr: a bar with bytes, rate and ETA on a terminal, plain lines (every
//! 10 %) otherwise, so logs of CI jobs stay short.

use indicatif::{ProgressBar, ProgressStyle};
use remote_rendering::storage::UploadProgress;
use std::sync::atomic::{AtomicU64, Ordering};

/// A progress callback for [`remote_rendering::storage::UploadOptions::with_progress`].
pub fn progress_reporter() -> impl Fn(UploadProgress) + Send + Sync + 'static {
    let bar = crate::terminal::current().progress_bars().then(|| {
        let bar = ProgressBar::new(0);
        let style = ProgressStyle::with_template(
            "Uploading {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar
    });
    let printed_tenths = AtomicU64::new(u64::MAX);
    move |progress: UploadProgress| match &bar {
        Some(bar) => {
            bar.set_length(progress.bytes_total);
            bar.set_position(progress.bytes_done);
            if progress.bytes_done >= progress.bytes_total {
                bar.finish_and_clear();
            }
        }
        None => {
            if let Some(line) = plain_line(progress, &printed_tenths) {
                crate::status_line!("{line}");
            }
        }
    }
}

/// The plain line for `progress`, when it reaches a new tenth of the total.
fn plain_line(progress: UploadProgress, printed_tenths: &AtomicU64) -> Option<String> {
    let total = progress.bytes_total.max(1);
    let tenths = progress.bytes_done.min(total) * 10 / total;
    let previous = printed_tenths.swap(tenths, Ordering::Relaxed);
    (previous != tenths).then(|| {
        format!(
            "Uploaded {} of {} bytes ({}%)",
            progress.bytes_done,
            progress.bytes_total,
            tenths * 10
        )
    })
}
