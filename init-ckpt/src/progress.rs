//! The progress bar: bytes written, rate and ETA on one line of stderr, redrawn at most ten
//! times a second, and only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// A progress line over a known number of bytes.
///
/// ```
/// use init_ckpt::Progress;
///
/// let mut p = Progress::hidden(1000); // what a run with stderr not a terminal gets
/// p.set(500);
/// assert_eq!(p.done(), 500);
/// p.finish();
/// ```
pub struct Progress {
    total: u64,
    done: u64,
    start: Instant,
    last_draw: Option<Instant>,
    visible: bool,
}

impl Progress {
    /// A bar over `total` bytes, drawn when stderr is a terminal and `quiet` is false.
    pub fn new(total: u64, quiet: bool) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        Self { total, done: 0, start: Instant::now(), last_draw: None, visible }
    }

    /// A bar that never draws.
    pub fn hidden(total: u64) -> Self {
        Self { total, done: 0, start: Instant::now(), last_draw: None, visible: false }
    }

    /// Bytes written so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Adds `bytes` to the count and redraws if 100 ms have passed.
    pub fn add(&mut self, bytes: u64) {
        self.set(self.done.saturating_add(bytes));
    }

    /// Sets the count to `done` bytes and redraws if 100 ms have passed.
    pub fn set(&mut self, done: u64) {
        self.done = done.min(self.total);
        let now = Instant::now();
        if self.visible && self.last_draw.is_none_or(|t| now - t >= Duration::from_millis(100)) {
            self.last_draw = Some(now);
            self.draw(now - self.start);
        }
    }

    /// Draws the final state and ends the line.
    pub fn finish(&mut self) {
        if self.visible {
            self.draw(self.start.elapsed());
            eprintln!();
        }
    }

    fn draw(&self, elapsed: Duration) {
        let line = render(self.done, self.total, elapsed);
        let mut err = std::io::stderr().lock();
        // A failed draw is not worth failing the write for.
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
    }
}

/// One line: `[#####.....]  1.20 GB / 2.40 GB  300 MB/s  ETA 0:04`.
pub(crate) fn render(done: u64, total: u64, elapsed: Duration) -> String {
    const WIDTH: u64 = 30;
    let filled = if total == 0 {
        WIDTH
    } else {
        (u128::from(done) * u128::from(WIDTH) / u128::from(total)) as u64
    };
    let bar: String = (0..WIDTH).map(|i| if i < filled { '#' } else { '.' }).collect();
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let eta = if rate > 0.0 && done < total {
        clock((total - done) as f64 / rate)
    } else if done >= total {
        clock(secs)
    } else {
        "-:--".into()
    };
    let label = if done >= total { "took" } else { "ETA" };
    format!(
        "[{bar}] {} / {}  {}/s  {label} {eta}",
        bytes(done as f64),
        bytes(total as f64),
        bytes(rate)
    )
}

/// Decimal units, as Hugging Face writes shard sizes.
pub(crate) fn bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 { format!("{v:.0} B") } else { format!("{v:.2} {}", UNITS[u]) }
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            render(1_200_000_000, 2_400_000_000, Duration::from_secs(4)),
            "[###############...............] 1.20 GB / 2.40 GB  300.00 MB/s  ETA 0:04"
        );
        assert_eq!(
            render(0, 10, Duration::ZERO),
            "[..............................] 0 B / 10 B  0 B/s  ETA -:--"
        );
        assert_eq!(
            render(10, 10, Duration::from_secs(3725)),
            "[##############################] 10 B / 10 B  0 B/s  took 1:02:05"
        );
    }

    #[test]
    fn units() {
        assert_eq!(bytes(999.0), "999 B");
        assert_eq!(bytes(13_476_839_424.0), "13.48 GB");
        assert_eq!(bytes(1e15), "1000.00 TB");
    }
}
