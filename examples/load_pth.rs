//! Load a PyTorch `.pth` file and print the time it took and the process's peak resident
//! memory next to the tensors' size: the Rust half of `scripts/bench_pth.py`, which makes
//! GPT-2 small's file (about 500 MB, in /tmp, never committed) and times
//! `torch.load(weights_only=True)` on it in the same run.
//!
//! ```text
//! cargo run --release --example load_pth -- /tmp/gpt2_small.pth [repeat]
//! ```
//! prints `ours load_pth <seconds> peak_rss_MiB=<n> tensor_MiB=<n> tensors=<n>` (best of
//! `repeat` loads, default 1; the peak is the process's high-water mark over all of them).

use std::time::Instant;

use init::{Tensor, load_pytorch};

/// The peak resident set size of this process in MiB, from `/proc/self/status` (Linux only).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: load_pth <file.pth> [repeat]");
        std::process::exit(2);
    };
    let repeat: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(1);
    let mut best = f64::INFINITY;
    let mut bytes = 0usize;
    let mut count = 0usize;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        let loaded = load_pytorch(&path)?;
        best = best.min(start.elapsed().as_secs_f64());
        count = loaded.state.len();
        bytes = loaded
            .state
            .iter()
            .map(|(_, t)| match t {
                Tensor::F32(a) => 4 * a.len(),
                Tensor::I64(a) => 8 * a.len(),
            })
            .sum();
    }
    let rss = peak_rss_mib().map_or("?".to_string(), |m| format!("{m:.0}"));
    println!(
        "ours load_pth {best:.3} peak_rss_MiB={rss} tensor_MiB={:.0} tensors={count}",
        bytes as f64 / (1 << 20) as f64
    );
    Ok(())
}
