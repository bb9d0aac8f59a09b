//! Throughput of `Seed` fills on one 4096×4096 `f32` buffer (16.7M elements), against a plain
//! zero fill of the same buffer: once on rayon's default pool (all cores), once inside a
//! 1-thread pool. Run with `cargo bench --bench fill`; criterion reports Melem/s.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use init::{Dist, Seed};
use rayon::prelude::*;

const N: usize = 4096 * 4096;

fn cases() -> [(&'static str, Dist); 3] {
    [
        ("uniform", Dist::uniform(-0.05, 0.05).unwrap()),
        ("normal", Dist::normal(0.0, 0.02).unwrap()),
        ("trunc_normal", Dist::trunc_normal(0.0, 0.02, -2.0, 2.0).unwrap()),
    ]
}

/// A zero fill split like the generator's (the same 32K-element rayon tasks).
fn zeros(buf: &mut [f32]) {
    buf.par_chunks_mut(1 << 15).for_each(|c| c.fill(0.0));
}

/// `f` on `pool`, or on the default pool.
fn run<F: FnOnce() + Send>(pool: Option<&rayon::ThreadPool>, f: F) {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

fn fills(c: &mut Criterion) {
    let mut buf = vec![1.0f32; N];
    let g = Seed::new(0);
    let Ok(one) = rayon::ThreadPoolBuilder::new().num_threads(1).build() else {
        panic!("cannot build a 1-thread rayon pool");
    };
    for (label, single) in [("all_threads", false), ("1_thread", true)] {
        let mut group = c.benchmark_group(format!("fill_4096x4096/{label}"));
        group
            .throughput(Throughput::Elements(N as u64))
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        let pool = single.then_some(&one);
        group.bench_function("zeros", |b| b.iter(|| run(pool, || zeros(&mut buf))));
        for (name, dist) in cases() {
            group.bench_function(name, |b| {
                b.iter(|| run(pool, || g.fill_at("w", dist, 0, &mut buf)));
            });
        }
        group.finish();
    }
    std::hint::black_box(&buf);
}

criterion_group!(benches, fills);
criterion_main!(benches);
