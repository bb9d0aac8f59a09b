//! W2 of `../shared/bench`: build GPT-2 small (124M parameters) and initialize it, timed in
//! a fresh process, with its peak resident memory. Run one case per process:
//!
//! ```text
//! cargo bench --bench gpt2 -- default   # PyTorch's default init of every layer
//! cargo bench --bench gpt2 -- hf        # Hugging Face's _init_weights, as struct rules: one pass
//! cargo bench --bench gpt2 -- reinit    # default init, then the same rules applied at run time
//! cargo bench --bench gpt2 -- torch_default  # PyTorch's own draws: TorchGenerator
//! cargo bench --bench gpt2 -- torch_reinit   # ... then apply(hf_init), PyTorch's draws
//! ```
//!
//! Prints `ours gpt2_<case> <elements> <seconds> <Melem/s> peak_rss_MiB=<n> param_MiB=<n>`,
//! the line format of `torch_bench.py`. `scripts/bench_vs_torch.py --gpt2` runs both.

use std::time::Instant;

use init::prelude::*;
use init::{TorchGenerator, TorchLoop};

#[derive(Module)]
struct Block {
    ln_1: LayerNorm<768>,
    c_attn: Linear<768, 2304>,
    c_proj: Linear<768, 768>,
    ln_2: LayerNorm<768>,
    c_fc: Linear<768, 3072>,
    mlp_proj: Linear<3072, 768>,
}

/// GPT-2 small with every layer's PyTorch default.
#[derive(Module)]
struct Gpt2 {
    wte: Embedding<50257, 768>,
    wpe: Embedding<1024, 768>,
    h: [Block; 12],
    ln_f: LayerNorm<768>,
}

/// The same, with Hugging Face's `_init_weights` declared on the struct.
#[derive(Module)]
#[init(Linear(weight = normal(std = 0.02), bias = zeros), Embedding = normal(std = 0.02))]
struct Gpt2Hf {
    wte: Embedding<50257, 768>,
    wpe: Embedding<1024, 768>,
    h: [Block; 12],
    ln_f: LayerNorm<768>,
}

fn hf_rules() -> Rules {
    Rules::new()
        .kind(LayerKind::Linear, "weight", Init::Normal { mean: 0.0, std: 0.02 })
        .kind(LayerKind::Linear, "bias", Init::Zeros)
        .kind(LayerKind::Embedding, "weight", Init::Normal { mean: 0.0, std: 0.02 })
        .kind(LayerKind::LayerNorm, "weight", Init::Ones)
        .kind(LayerKind::LayerNorm, "bias", Init::Zeros)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn report(case: &str, n: usize, secs: f64) {
    let param_mib = n as f64 * 4.0 / f64::from(1 << 20);
    println!(
        "ours gpt2_{case} {n} {secs:.4} {:.1} peak_rss_MiB={:.0} param_MiB={param_mib:.0}",
        n as f64 / secs / 1e6,
        peak_rss_mib()
    );
}

fn main() -> Result<(), InitError> {
    let case =
        std::env::args().skip(1).find(|a| !a.starts_with("--")).unwrap_or_else(|| "hf".into());
    let mut rng = Seed::new(0);
    let t = Instant::now();
    let (n, secs) = match case.as_str() {
        "default" => stop(&t, Gpt2::new(&mut rng)?),
        "hf" => stop(&t, Gpt2Hf::new(&mut rng)?),
        "reinit" => {
            let mut g = Gpt2::new(&mut rng)?;
            hf_rules().apply(&mut g, &mut rng)?;
            stop(&t, g)
        }
        // PyTorch's own draws (`torch.manual_seed(0); GPT2()`, then `apply(hf_init)`):
        // TorchGenerator, the same values as torch_bench.py's `default` and `reinit`.
        "torch_default" => stop(&t, Gpt2::new(&mut TorchGenerator::new(0))?),
        "torch_reinit" => {
            let mut g = TorchGenerator::new(0);
            let mut m = Gpt2::new(&mut g)?;
            hf_rules().apply_torch(&mut m, &mut g, TorchLoop::Apply)?;
            stop(&t, m)
        }
        other => {
            eprintln!(
                "unknown case {other}: expected default, hf, reinit, torch_default or torch_reinit"
            );
            std::process::exit(2);
        }
    };
    report(&case, n, secs);
    Ok(())
}

/// The time since `t` with `model` built, then its parameter count: the model is freed
/// after the clock stops, as torch_bench.py's model outlives its timing.
fn stop<M: Module>(t: &Instant, model: M) -> (usize, f64) {
    let secs = t.elapsed().as_secs_f64();
    (model.num_parameters(), secs)
}
