//! `TorchGenerator`'s fills of a 4096x4096 `f32` tensor: the draws of
//! `torch.manual_seed(0); w.uniform_(-1, 1)` and `w.normal_()`, bit for bit, best of 5 after
//! a warm-up. PyTorch's own figures are the `uniform` and `normal` lines of
//! `../shared/bench/torch_bench.py` (W1), which draw the same values; run both in one go.
//!
//! Run: `cargo bench --bench torch_generator`. Output lines, as `torch_bench.py`'s:
//! `ours torch_generator_CASE ELEMENTS SECONDS MELEM_PER_S`.

use std::hint::black_box;
use std::time::Instant;

use init::{Dist, Generator, TorchGenerator};

fn main() {
    const N: usize = 4096 * 4096;
    let cases = [
        ("uniform", Dist::uniform(-1.0, 1.0).expect("a finite range")),
        ("normal", Dist::STANDARD_NORMAL),
    ];
    let mut w = vec![0.0f32; N];
    for (name, dist) in cases {
        let mut best = f64::INFINITY;
        for round in 0..6 {
            let mut g = TorchGenerator::new(0);
            let t = Instant::now();
            g.fill("w", dist, &mut w);
            black_box(&w);
            if round > 0 {
                best = best.min(t.elapsed().as_secs_f64());
            }
        }
        println!("ours torch_generator_{name} {N} {best:.4} {:.1}", N as f64 / best / 1e6);
    }
}
