//! LSUV (Mishkin & Matas, 2015) against the paper's algorithm run in PyTorch
//! (`scripts/torch_lsuv.py`, fixtures in `tests/fixtures/lsuv/`), bit-identical at 1 and 2
//! threads, and an error naming the layer when the target cannot be reached.

use std::path::{Path, PathBuf};

use init::ndarray::{ArrayD, IxDyn};
use init::prelude::*;
use init::{LsuvConfig, LsuvReport, lsuv};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lsuv").join(name)
}

/// 4 x (Linear(32, 32) + act) then Linear(32, 8), as the script's `mlp`.
fn mlp(act: fn() -> Box<dyn init::ForwardModule>) -> Sequential {
    let mut net = Sequential::new();
    for _ in 0..4 {
        net = net.push(Linear::<32, 32>::zeroed()).push_boxed(act());
    }
    net.push(Linear::<32, 8>::zeroed())
}

fn f32_tensor(file: &str, key: &str) -> ArrayD<f32> {
    let loaded = init::safetensors::load(fixture(file)).unwrap();
    loaded.state.get(key).unwrap().as_f32().unwrap().to_owned()
}

/// Our LSUV from the script's start state dict, against its layers and final state dict.
fn against_torch(case: &str, act: fn() -> Box<dyn init::ForwardModule>) {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("lsuv.json")).unwrap()).unwrap();
    let want = &json["cases"][case];
    let mut net = mlp(act);
    net.load_safetensors(fixture(&format!("{case}.start.safetensors"))).unwrap();
    let x = f32_tensor(&format!("{case}.input.safetensors"), "input");
    let config = LsuvConfig::default()
        .tol(want["tol"].as_f64().unwrap())
        .max_iters(want["max_iters"].as_u64().unwrap() as usize)
        .orthogonal(false);
    let got = lsuv(&mut net, &x, &config, &mut Seed::new(0)).unwrap();
    let layers = want["layers"].as_array().unwrap();
    assert_eq!(got.layers.len(), layers.len(), "{case}");
    for (g, w) in got.layers.iter().zip(layers) {
        assert_eq!(g.path, w["path"].as_str().unwrap(), "{case}");
        assert_eq!(g.iterations as u64, w["iterations"].as_u64().unwrap(), "{case} {}", g.path);
        let v = w["variance"].as_f64().unwrap();
        // Float32 forward passes by different matrix kernels: variances agree to 1e-5.
        assert!((g.variance / v - 1.0).abs() < 1e-5, "{case} {}: {} vs {v}", g.path, g.variance);
    }
    let fin = init::safetensors::load(fixture(&format!("{case}.final.safetensors"))).unwrap();
    for (key, p) in net.named_parameters() {
        let want = fin.state.get(&key).unwrap().as_f32().unwrap();
        let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        let diff = p.view().iter().zip(want.iter()).fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(diff <= 1e-5 * scale, "{case} {key}: max |ours - torch| = {diff}");
    }
}

#[test]
fn relu_from_an_orthogonal_start_matches_the_reference() {
    // The paper's start: one rescaling per layer (the first is already within 0.1).
    against_torch("relu_orth", || Box::new(ReLU));
}

#[test]
fn tanh_with_biases_needs_several_rescalings_and_matches_the_reference() {
    against_torch("tanh_bias", || Box::new(Tanh));
}

fn deep(width_input: &ArrayD<f32>, threads: usize) -> (LsuvReport, Vec<Vec<u32>>) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut net = Sequential::new();
        for _ in 0..6 {
            net = net.push(Linear::<512, 512>::zeroed()).push(GELU::default());
        }
        net.init_weights(&mut Seed::new(5)).unwrap();
        let done = lsuv(&mut net, width_input, &LsuvConfig::default(), &mut Seed::new(7)).unwrap();
        let bits = net
            .parameters()
            .into_iter()
            .map(|p| p.as_slice().iter().map(|v| v.to_bits()).collect())
            .collect();
        (done, bits)
    })
}

#[test]
fn the_same_seed_gives_the_same_bits_on_1_and_2_threads() {
    let mut x = Param::zeros(&[256, 512]);
    init::normal().fill(x.at("x"), &mut Seed::new(1)).unwrap();
    let x = x.into_array();
    let (one, a) = deep(&x, 1);
    let (two, b) = deep(&x, 2);
    assert_eq!(one, two);
    assert!(a == b, "LSUV's weights differ between 1 and 2 threads");
    assert_eq!(one.layers.len(), 6);
    assert!(one.layers.iter().all(|l| (l.variance - 1.0).abs() < 0.1));
}

#[test]
fn a_dead_layer_is_an_error_naming_it() {
    // Layer 0's weights are all -1 and the inputs positive: every ReLU unit is dead, layer 2
    // outputs its zero bias whatever its scale.
    let mut net = Sequential::new()
        .push(Linear::<8, 8>::zeroed())
        .push(ReLU)
        .push(Linear::<8, 8>::zeroed())
        .push(ReLU);
    net.init_weights(&mut Seed::new(0)).unwrap();
    init::constant(-1.0).fill(net.get_parameter_mut("0.weight").unwrap()).unwrap();
    for key in ["0.bias", "2.bias"] {
        init::zeros().fill(net.get_parameter_mut(key).unwrap()).unwrap();
    }
    let x = ArrayD::from_shape_fn(IxDyn(&[16, 8]), |i| 1.0 + (i[0] * 8 + i[1]) as f32 / 128.0);
    let config = LsuvConfig::default().orthogonal(false);
    let err = lsuv(&mut net, &x, &config, &mut Seed::new(0)).unwrap_err();
    assert_eq!(err.path(), "2");
    assert_eq!(
        err.to_string(),
        "2: LSUV: the output of Linear has variance 0 on the batch (every value equal: dead units or a constant input), which no rescaling of its weight can change"
    );
    // A constant input: the first layer's output is its (zero) bias.
    let mut net = Sequential::new().push(Linear::<8, 8>::zeroed());
    let err =
        lsuv(&mut net, &ArrayD::zeros(IxDyn(&[4, 8])), &LsuvConfig::default(), &mut Seed::new(0))
            .unwrap_err();
    assert_eq!(err.path(), "0");
}

#[test]
fn the_iteration_cap_is_an_error_with_the_variance_reached() {
    let mut net = mlp(|| Box::new(Tanh));
    net.load_safetensors(fixture("tanh_bias.start.safetensors")).unwrap();
    let x = f32_tensor("tanh_bias.input.safetensors", "input");
    let config = LsuvConfig::default().tol(1e-12).max_iters(2).orthogonal(false);
    let err = lsuv(&mut net, &x, &config, &mut Seed::new(0)).unwrap_err();
    assert_eq!(err.path(), "0");
    let msg = err.to_string();
    assert!(msg.starts_with("0: LSUV: the output variance of Linear is "), "{msg}");
    assert!(
        msg.ends_with(" after 2 rescalings (max_iters), not within 0.000000000001 of 1"),
        "{msg}"
    );
    for bad in [LsuvConfig::default().tol(0.0), LsuvConfig::default().target_var(f64::NAN)] {
        let err = lsuv(&mut net, &x, &bad, &mut Seed::new(0)).unwrap_err();
        assert!(err.to_string().starts_with("LSUV: "), "{err}");
    }
}

#[test]
fn lsuv_records_what_it_did_on_each_weight() {
    let mut net = Sequential::new().push(Linear::<32, 32>::zeroed()).push(ReLU).push(Linear::<
        32,
        32,
    >::zeroed(
    ));
    net.init_weights(&mut Seed::new(0)).unwrap();
    let x = f32_tensor("relu_orth.input.safetensors", "input");
    let done = lsuv(&mut net, &x, &LsuvConfig::default(), &mut Seed::new(0)).unwrap();
    let w = net.get_parameter("2.weight").unwrap();
    let scale = done.layers[1].scale;
    assert_eq!(w.origin(), Some(format!("lsuv(orthogonal, scale = {scale:.6})").as_str()));
    // Orthogonal 32 x 32: std 1/sqrt(32), times the scale.
    let want = scale / 32f64.sqrt();
    assert!((w.intended_std().unwrap() / want - 1.0).abs() < 1e-6);
    assert!(net.get_parameter("2.bias").unwrap().as_slice().iter().all(|&b| b == 0.0));
}
