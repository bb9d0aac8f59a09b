//! "Which initialization should I use?", answered for one network: a 20-layer ReLU MLP and
//! a 20-layer tanh MLP (width 256, a batch of 512 standard-normal inputs), each initialized
//! with several schemes and run once; the std of every Linear's output (the pre-activation)
//! against depth, as a table and, with the `plot` feature, as an SVG per network.
//!
//! What the textbooks say, and `tests/test_which_init.rs` checks on these numbers:
//! kaiming_normal(relu) keeps the ReLU net's std constant with depth, xavier_normal with
//! tanh's gain keeps the tanh net's in a band, PyTorch's default (kaiming_uniform(a = √5),
//! weight variance 1/(3 fan_in)) shrinks it layer after layer down to what the biases add,
//! normal(std = 0.01) makes it vanish, normal(std = 1) saturates tanh, and LSUV sets every
//! pre-activation's variance to 1 by construction.
//!
//! Run: `cargo run --example which_init --features plot [-- OUT_DIR]` (SVGs in OUT_DIR, by
//! default `target/`); without the feature the tables alone.

use init::ndarray::ArrayD;
use init::prelude::*;
use init::{Candidate, Comparison, LsuvConfig, compare};

/// Layers of each MLP.
pub const DEPTH: usize = 20;
/// Width of every layer.
pub const WIDTH: usize = 256;
/// Samples in the batch.
pub const BATCH: usize = 512;

/// `DEPTH` times `Linear(WIDTH, WIDTH)` followed by the activation `act`.
pub fn mlp(act: impl Fn() -> Box<dyn init::ForwardModule>) -> Sequential {
    let mut net = Sequential::new();
    for _ in 0..DEPTH {
        net = net.push(Linear::<WIDTH, WIDTH>::zeroed()).push_boxed(act());
    }
    net
}

/// A batch of `BATCH` standard-normal inputs, from a seed.
pub fn input(seed: u64) -> ArrayD<f32> {
    let mut x = Param::zeros(&[BATCH, WIDTH]);
    init::normal()
        .fill(x.at("input"), &mut Seed::new(seed))
        .expect("a normal fill of a 2-D tensor");
    x.into_array()
}

/// Rules that set every Linear's weight with `init` and its bias to zero.
fn weights(init: impl Into<Init>) -> Rules {
    Rules::new().kind(LayerKind::Linear, "weight", init.into()).glob("*.bias", Init::Zeros)
}

/// The schemes compared on the ReLU MLP.
pub fn relu_candidates() -> Vec<Candidate> {
    vec![
        Candidate::pytorch_default(),
        Candidate::rules(
            "kaiming_normal(relu)",
            weights(init::kaiming_normal().nonlinearity(Nonlinearity::Relu)),
        ),
        Candidate::rules("xavier_normal", weights(init::xavier_normal())),
        Candidate::rules("normal(0.01)", weights(init::normal().std(0.01))),
        Candidate::lsuv(LsuvConfig::default()),
    ]
}

/// The schemes compared on the tanh MLP.
pub fn tanh_candidates() -> Vec<Candidate> {
    let tanh_gain = init::calculate_gain(Nonlinearity::Tanh, None);
    vec![
        Candidate::pytorch_default(),
        Candidate::rules(
            "xavier_normal(tanh gain)",
            weights(init::xavier_normal().gain(tanh_gain)),
        ),
        Candidate::rules(
            "kaiming_normal(relu)",
            weights(init::kaiming_normal().nonlinearity(Nonlinearity::Relu)),
        ),
        Candidate::rules("normal(0.01)", weights(init::normal().std(0.01))),
        Candidate::rules("normal(1)", weights(init::normal().std(1.0))),
        Candidate::lsuv(LsuvConfig::default()),
    ]
}

/// Both comparisons: (ReLU, tanh).
pub fn run() -> Result<(Comparison, Comparison), InitError> {
    let x = input(0);
    let seed = Seed::new(0);
    let relu = compare(&mut mlp(|| Box::new(ReLU)), &x, &seed, &relu_candidates())?;
    let tanh = compare(&mut mlp(|| Box::new(Tanh)), &x, &seed, &tanh_candidates())?;
    Ok((relu, tanh))
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (relu, tanh) = run()?;
    println!(
        "20-layer ReLU MLP, std of each Linear's output (batch {BATCH}, width {WIDTH}):\n{relu}"
    );
    println!("20-layer tanh MLP, std of each Linear's output:\n{tanh}");
    let lsuv = tanh.get("LSUV").expect("an LSUV candidate");
    println!("the tanh MLP under LSUV, layer by layer:\n{}", lsuv.report);
    let dir = std::env::args().nth(1).unwrap_or_else(|| "target".into());
    write_svgs(&relu, &tanh, std::path::Path::new(&dir))?;
    Ok(())
}

#[cfg(feature = "plot")]
fn write_svgs(
    relu: &Comparison,
    tanh: &Comparison,
    dir: &std::path::Path,
) -> Result<(), InitError> {
    let (a, b) = (dir.join("which_init_relu.svg"), dir.join("which_init_tanh.svg"));
    relu.write_svg(&a, "20-layer ReLU MLP: std of each Linear's output")?;
    tanh.write_svg(&b, "20-layer tanh MLP: std of each Linear's output")?;
    println!("wrote {} and {}", a.display(), b.display());
    Ok(())
}

#[cfg(not(feature = "plot"))]
fn write_svgs(_: &Comparison, _: &Comparison, _: &std::path::Path) -> Result<(), InitError> {
    println!("(run with --features plot to write the SVG plots)");
    Ok(())
}
