//! `#[derive(Module)]`: what the generated code does.

use init::ndarray;
use init::prelude::*;

#[derive(Module)]
#[init(Linear(bias = zeros))]
struct Mlp {
    #[init(kaiming_normal(nonlinearity = "relu"))]
    fc1: Linear<16, 32>,
    #[init(values = [[0.5]])]
    fc2: Linear<32, 4>,
    head: Option<Linear<4, 1>>,
    #[module(skip)]
    label: String,
}

#[test]
fn derived_struct_builds_and_initializes_in_one_pass() {
    let mlp = Mlp::new(&mut Seed::new(0)).unwrap();
    let names: Vec<String> = mlp.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    assert!(mlp.fc2.weight().unwrap().as_slice().iter().all(|&w| w == 0.5));
    assert!(mlp.fc1.bias().unwrap().as_slice().iter().all(|&b| b == 0.0));
    assert_eq!(
        mlp.fc1.weight().unwrap().origin(),
        Some(r#"kaiming_normal(nonlinearity = "relu") by #[init] on Mlp.fc1"#)
    );
    assert_eq!(mlp.fc2.bias().unwrap().origin(), Some("zeros by #[init(Linear(...))] on Mlp"));
    assert!(mlp.head.is_none());
    assert_eq!(mlp.label, "");
}

/// A generic block: a const dimension and a type parameter for the activation.
#[derive(Module)]
struct Block<const D: usize, A> {
    #[init(orthogonal)]
    fc: Linear<D, D>,
    act: A,
}

/// A tuple struct of nested modules, lists, arrays, options and boxes.
#[derive(Module)]
#[init(Linear(bias = constant(0.25)))]
struct Tower(
    Block<4, Linear<4, 4, false>>,
    Vec<Linear<4, 4>>,
    [Linear<4, 4>; 2],
    Option<Linear<4, 2>>,
    Box<Linear<4, 1>>,
);

#[test]
fn generic_tuple_and_container_fields_are_visited_in_order() {
    let mut t = <Tower as Zeroed>::zeroed();
    t.1 = vec![Linear::zeroed()];
    t.3 = Some(Linear::zeroed());
    t.init_weights(&mut Seed::new(2)).unwrap();
    let names: Vec<String> = t.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "0.fc.weight",
            "0.fc.bias",
            "0.act.weight",
            "1.0.weight",
            "1.0.bias",
            "2.0.weight",
            "2.0.bias",
            "2.1.weight",
            "2.1.bias",
            "3.weight",
            "3.bias",
            "4.weight",
            "4.bias",
        ]
    );
    // The struct rule reaches every Linear bias in the subtree, nested or boxed.
    for (name, p) in t.named_parameters() {
        if name.ends_with("bias") {
            assert!(p.as_slice().iter().all(|&b| b == 0.25), "{name}");
        }
    }
    // Block's own field attribute: an orthogonal 4x4 weight.
    let w = t.0.fc.weight().unwrap().view().into_dimensionality::<ndarray::Ix2>().unwrap();
    let wtw = w.t().dot(&w);
    for i in 0..4 {
        for j in 0..4 {
            let expected = if i == j { 1.0 } else { 0.0 };
            assert!((wtw[[i, j]] - expected).abs() < 1e-5, "{wtw}");
        }
    }
    let kinds: Vec<String> =
        t.named_modules().into_iter().map(|(n, m)| format!("{n}:{}", m.kind())).collect();
    assert_eq!(kinds[..3], [":Tower".to_string(), "0:Block".into(), "0.fc:Linear".into()]);
}

#[test]
fn same_seed_same_bits_other_seed_other_bits() {
    let a = Mlp::new(&mut Seed::new(11)).unwrap();
    let b = Mlp::new(&mut Seed::new(11)).unwrap();
    let c = Mlp::new(&mut Seed::new(12)).unwrap();
    let bits = |m: &Mlp| -> Vec<u32> {
        m.parameters().iter().flat_map(|p| p.as_slice().iter().map(|v| v.to_bits())).collect()
    };
    assert_eq!(bits(&a), bits(&b));
    assert_ne!(bits(&a), bits(&c));
}

/// Multi-parameter layers, targeted by parameter name.
#[derive(Module)]
struct Seq2Seq {
    #[init(in_proj_weight = orthogonal)]
    attn: MultiheadAttention<8, 2>,
    #[init(weight_hh_l0 = orthogonal, bias_ih_l0 = zeros)]
    lstm: LSTM<4, 8>,
}

#[test]
fn named_targets_on_attention_and_lstm_leave_the_other_defaults() {
    let net = Seq2Seq::new(&mut Seed::new(4)).unwrap();
    let get = |n: &str| net.get_parameter(n).unwrap_or_else(|| panic!("{n}"));
    // in_proj_weight [24, 8]: orthogonal columns.
    let w =
        get("attn.in_proj_weight").view().into_dimensionality::<ndarray::Ix2>().unwrap().to_owned();
    let wtw = w.t().dot(&w);
    assert!((0..8).all(|i| (wtw[[i, i]] - 1.0).abs() < 1e-5));
    // PyTorch's MultiheadAttention zeroes both biases; out_proj.bias is filled once, by the
    // layer's default rule, although out_proj is a Linear.
    assert!(get("attn.in_proj_bias").as_slice().iter().all(|&v| v == 0.0));
    assert!(get("attn.out_proj.bias").as_slice().iter().all(|&v| v == 0.0));
    assert_eq!(get("attn.out_proj.bias").origin(), Some("zeros by default: MultiheadAttention"));
    assert_eq!(get("attn.out_proj.weight").origin(), Some("default: Linear"));
    assert_eq!(get("lstm.weight_hh_l0").origin(), Some("orthogonal by #[init] on Seq2Seq.lstm"));
    assert!(get("lstm.bias_ih_l0").as_slice().iter().all(|&v| v == 0.0));
    let bound = 1.0 / 8f32.sqrt();
    assert!(get("lstm.bias_hh_l0").as_slice().iter().all(|v| v.abs() <= bound));
    assert_eq!(get("lstm.weight_ih_l0").origin(), Some("default: LSTM"));
}

#[test]
fn without_attributes_a_derived_model_draws_exactly_like_pytorch() {
    // torch.manual_seed(0); MultiheadAttention(8, 2) -- out_proj first, then xavier.
    #[derive(Module)]
    struct Plain {
        attn: MultiheadAttention<8, 2>,
    }
    let mut a = <Plain as Zeroed>::zeroed();
    a.init_weights(&mut TorchGenerator::new(0)).unwrap();
    let b = MultiheadAttention::<8, 2>::new(&mut TorchGenerator::new(0)).unwrap();
    assert_eq!(a.attn, b);
}
