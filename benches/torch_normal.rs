//! `TorchGenerator`'s normal fill of 4M `f32` values (`torch.randn(4 << 20)`), in a process
//! that has not run `orthogonal` yet and right after an `orthogonal` of a 256x256 parameter.
//!
//! faer's x86 matrix kernels return with the upper halves of the YMM/ZMM registers in use; on
//! Intel cores every legacy-SSE instruction afterwards pays a transition penalty, which made
//! the second case about 50x slower (issue [5] item 6). Both cases must now run at the same
//! speed. Run with `cargo bench --bench torch_normal`; criterion reports Melem/s.
//!
//! The fresh case is registered first, so it runs before any `orthogonal` in the process.

use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use init::{Dist, Generator, Param, TorchGenerator, orthogonal};

const N: usize = 4 << 20;
const NORMAL: Dist = Dist::Normal { mean: 0.0, std: 1.0 };

fn torch_normal(c: &mut Criterion) {
    let mut buf = vec![0.0f32; N];
    let mut group = c.benchmark_group("torch_normal_4M");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut g = TorchGenerator::new(0);
    group.bench_function("fresh", |b| b.iter(|| g.fill("x", NORMAL, &mut buf)));
    let mut w = Param::zeros(&[256, 256]);
    group.bench_function("after_orthogonal_256x256", |b| {
        b.iter_batched(
            || {
                let mut g = TorchGenerator::new(0);
                orthogonal(&mut w, "w", 1.0, &mut g).expect("a 2-D parameter and a finite gain");
                g
            },
            |mut g| g.fill("x", NORMAL, &mut buf),
            BatchSize::PerIteration,
        );
    });
    group.finish();
    std::hint::black_box(&buf);
}

criterion_group!(benches, torch_normal);
criterion_main!(benches);
