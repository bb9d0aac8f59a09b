//! Raw Philox4x32-10 speed: `Seed::fill_bits` (words straight from the generator, no
//! transform) into a 64 KiB buffer that stays in L1/L2, on one thread, best of 20 after a
//! warm-up, in the build `Seed::kernel_name()` names (force one with `INIT_KERNEL`).
//!
//! Run: `cargo bench --bench philox`. Output line:
//! `ours philox KERNEL WORDS SECONDS MWORDS_PER_S WORDS_PER_CYCLE MHZ`, cycles at the first
//! `cpu MHz` of `/proc/cpuinfo` (the nominal clock on a VM; `-` where unknown).

use std::hint::black_box;
use std::time::Instant;

use init::Seed;

fn mhz() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("cpu MHz"))?;
    line.split(':').nth(1)?.trim().parse().ok()
}

fn main() {
    const WORDS: usize = 1 << 14;
    const REPS: usize = 256;
    let g = Seed::new(0);
    let mut buf = vec![0u32; WORDS];
    let mut best = f64::INFINITY;
    for round in 0..21 {
        let t = Instant::now();
        for r in 0..REPS {
            g.fill_bits("bench.bits", (r * WORDS) as u64, &mut buf);
            black_box(&buf);
        }
        if round > 0 {
            best = best.min(t.elapsed().as_secs_f64());
        }
    }
    let words = (WORDS * REPS) as f64;
    let per_s = words / best;
    let (per_cycle, clock) = match mhz() {
        Some(m) => (format!("{:.3}", per_s / (m * 1e6)), format!("{m:.0}")),
        None => ("-".into(), "-".into()),
    };
    println!(
        "ours philox {} {} {best:.5} {:.1} {per_cycle} {clock}",
        Seed::kernel_name(),
        WORDS * REPS,
        per_s / 1e6
    );
}
