//! Fill speed of every scheme on one 4096x4096 f32 parameter, measured the way
//! `../shared/bench/torch_bench.py` measures PyTorch (best of 5 after a warm-up), with all
//! threads and with one thread, plus orthogonal on 1024x1024 and 2048x2048.
//!
//! Run: `cargo bench --bench schemes` (or `scripts/bench_vs_torch.py` for the side-by-side
//! table). Output lines: `ours CASE THREADS ELEMENTS SECONDS MELEM_PER_S`.

use std::hint::black_box;
use std::time::Instant;

use init::{FanAxes, FanMode, Init, Nonlinearity, Param, ScalingDistribution, Seed, Values};

fn best(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn cases() -> Vec<(&'static str, Init, Vec<usize>)> {
    let n = vec![4096, 4096];
    let torch = FanAxes::TORCH;
    let relu =
        |mode| Init::KaimingNormal { a: 0.0, mode, nonlinearity: Nonlinearity::Relu, axes: torch };
    vec![
        ("zeros", Init::Zeros, n.clone()),
        ("constant", Init::Constant { value: 0.5 }, n.clone()),
        ("uniform", Init::Uniform { a: -1.0, b: 1.0 }, n.clone()),
        ("normal", Init::Normal { mean: 0.0, std: 1.0 }, n.clone()),
        ("trunc_normal", Init::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 }, n.clone()),
        // A window of 38% mass: the inverse-CDF path (scripts/torch_bench_extra.py times
        // torch's narrow-window branch on the same call).
        (
            "trunc_normal_narrow",
            Init::TruncNormal { mean: 0.0, std: 1.0, a: -0.5, b: 0.5 },
            n.clone(),
        ),
        (
            "kaiming_uniform",
            Init::KaimingUniform {
                a: 0.0,
                mode: FanMode::FanIn,
                nonlinearity: Nonlinearity::Relu,
                axes: torch,
            },
            n.clone(),
        ),
        ("kaiming_normal", relu(FanMode::FanIn), n.clone()),
        ("xavier_uniform", Init::XavierUniform { gain: 1.0, axes: torch }, n.clone()),
        ("xavier_normal", Init::XavierNormal { gain: 1.0, axes: torch }, n.clone()),
        ("lecun_uniform", Init::LecunUniform { axes: torch }, n.clone()),
        ("lecun_normal", Init::LecunNormal { axes: torch }, n.clone()),
        (
            "variance_scaling",
            Init::VarianceScaling {
                scale: 2.0,
                mode: FanMode::FanAvg,
                distribution: ScalingDistribution::Uniform,
                axes: torch,
            },
            n.clone(),
        ),
        ("eye", Init::Eye, n.clone()),
        ("dirac", Init::Dirac { groups: 1 }, vec![4096, 4096, 1]),
        ("sparse", Init::Sparse { sparsity: 0.1, std: 0.01 }, n.clone()),
        ("values", Init::Values(Values::scalar(0.25).expect("finite")), n.clone()),
        ("delta_orthogonal", Init::DeltaOrthogonal { gain: 1.0 }, vec![512, 512, 8, 8]),
        ("orthogonal_1024", Init::Orthogonal { gain: 1.0 }, vec![1024, 1024]),
        ("orthogonal_2048", Init::Orthogonal { gain: 1.0 }, vec![2048, 2048]),
    ]
}

fn run(threads: usize, filter: Option<&str>) {
    for (name, init, shape) in cases() {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let mut p = Param::zeros(&shape);
        let mut rng = Seed::new(0);
        let reps = if name.starts_with("orthogonal") { 3 } else { 5 };
        let s = best(reps, || {
            init.apply(p.at("bench.weight"), &mut rng).expect("bench arguments are valid");
            black_box(p.as_slice());
        });
        let n = p.numel();
        println!("ours {name} {threads} {n} {s:.4} {:.1}", n as f64 / s / 1e6);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters the cases by name.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let all = rayon::current_num_threads();
    run(all, filter.as_deref());
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a 1-thread pool");
    one.install(|| run(1, filter.as_deref()));
}
