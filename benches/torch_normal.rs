//! `TorchGenerator`'s normal fill of 4M `f32` values (`torch.randn(4 << 20)`), in a process
//! that has not run `orthogonal` yet and right after an `orthogonal` of a 256x256 parameter.
//!
//! faer's x86 matrix kernels return with the upper halves of the YMM/ZMM registers in use;
//! while that lasts, Intel cores make legacy-SSE code that mixes with VEX code (the old
//! normal fill, calling `fmaf` per FMA) very slow: the second case was about 45x slower
//! (issue [5] item 6). Both cases must now run at the same speed.
//!
//! Two more cases time 4M calls of `f32::mul_add` from code compiled for the baseline x86-64
//! (legacy SSE calling the VEX `fmaf` of `compiler_builtins`), fresh and after `orthogonal`:
//! what any user code would pay if `orthogonal` left the upper register state dirty.
//!
//! The fresh cases are registered first, so they run before any `orthogonal` in the process.
//! Run with `cargo bench --bench torch_normal`; criterion reports Melem/s.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use init::{Dist, Generator, Param, TorchGenerator, orthogonal};

const N: usize = 4 << 20;
const NORMAL: Dist = Dist::STANDARD_NORMAL;

/// A fresh generator after an `orthogonal` of a 256x256 parameter on this thread.
fn after_orthogonal(w: &mut Param) -> TorchGenerator {
    let mut g = TorchGenerator::new(0);
    orthogonal().fill(w.at("w"), &mut g).expect("a 2-D parameter and a finite gain");
    g
}

/// `N` dependent `mul_add` calls, as baseline-compiled code makes them.
fn mul_adds() -> f32 {
    let mut acc = 0.0f32;
    for i in 0..N as u32 {
        acc = black_box(i as f32).mul_add(black_box(1e-7), acc);
    }
    acc
}

fn fresh_then_after_orthogonal(c: &mut Criterion) {
    let mut buf = vec![0.0f32; N];
    let mut w = Param::zeros(&[256, 256]);
    let mut group = c.benchmark_group("4M");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    // The fresh cases first: nothing has run `orthogonal` in this process yet.
    let mut g = TorchGenerator::new(0);
    group.bench_function("torch_normal/fresh", |b| b.iter(|| g.fill("x", NORMAL, &mut buf)));
    group.bench_function("baseline_mul_add/fresh", |b| b.iter(mul_adds));
    group.bench_function("torch_normal/after_orthogonal_256x256", |b| {
        b.iter_batched(
            || after_orthogonal(&mut w),
            |mut g| g.fill("x", NORMAL, &mut buf),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("baseline_mul_add/after_orthogonal_256x256", |b| {
        b.iter_batched(|| after_orthogonal(&mut w), |_| mul_adds(), BatchSize::PerIteration);
    });
    group.finish();
    black_box(&buf);
}

criterion_group!(benches, fresh_then_after_orthogonal);
criterion_main!(benches);
