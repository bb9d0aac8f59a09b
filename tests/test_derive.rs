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
    #[module(filled_later)]
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
    #[module(filled_later)] Vec<Linear<4, 4>>,
    [Linear<4, 4>; 2],
    #[module(filled_later)] Option<Linear<4, 2>>,
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

/// Every scheme form of the attribute language, on layers whose parameters fit it.
#[derive(Module)]
struct AllSchemes {
    #[init(weight = uniform(a = -0.1, b = 0.1), bias = normal(std = 0.02))]
    a: Linear<16, 16>,
    #[init(weight = trunc_normal(std = 0.02), bias = constant(0.5))]
    b: Linear<16, 16>,
    #[init(weight = zeros, bias = ones)]
    c: Linear<16, 16>,
    #[init(eye)]
    d: Linear<16, 16, false>,
    #[init(dirac)]
    e: Conv2d<4, 4, 3>,
    #[init(xavier_uniform(gain = 2.0))]
    f: Linear<16, 16>,
    #[init(kaiming_uniform(a = 0.2, mode = "fan_out", nonlinearity = "leaky_relu"))]
    g: Linear<16, 16>,
    #[init(orthogonal(gain = 1.0))]
    h: Linear<16, 16>,
    #[init(sparse(sparsity = 0.1))]
    i: Linear<16, 16>,
    #[init(lecun_normal)]
    j: Linear<16, 16>,
    #[init(variance_scaling(scale = 2.0, mode = "fan_avg", distribution = "uniform"))]
    k: Linear<16, 16>,
    #[init(values = [[1, -2.5], [0.25, 3]])]
    l: Linear<2, 2>,
    #[init(xavier_normal, bias = values([1, 2, 3]))]
    m: Linear<4, 3>,
    #[init(delta_orthogonal)]
    n: Conv2d<4, 4, 3>,
    #[init(constant(value = -1), bias = uniform(-0.5, 0.5))]
    o: Linear<4, 3>,
}

#[test]
fn every_scheme_form_of_the_issue_works() {
    let net = AllSchemes::new(&mut Seed::new(1)).unwrap();
    let get = |n: &str| net.get_parameter(n).unwrap_or_else(|| panic!("{n}"));
    let origin = |n: &str| get(n).origin().unwrap().split(" by ").next().unwrap().to_string();
    let expected = [
        ("a.weight", "uniform(a = -0.1, b = 0.1)"),
        ("a.bias", "normal(std = 0.02)"),
        ("b.weight", "trunc_normal(std = 0.02)"),
        ("b.bias", "constant(0.5)"),
        ("c.weight", "zeros"),
        ("c.bias", "ones"),
        ("d.weight", "eye"),
        ("e.weight", "dirac"),
        ("f.weight", "xavier_uniform(gain = 2.0)"),
        ("g.weight", r#"kaiming_uniform(a = 0.2, mode = "fan_out")"#),
        ("h.weight", "orthogonal"),
        ("i.weight", "sparse(sparsity = 0.1)"),
        ("j.weight", "lecun_normal"),
        (
            "k.weight",
            r#"variance_scaling(scale = 2.0, mode = "fan_avg", distribution = "uniform")"#,
        ),
        ("l.weight", "values = [[1.0, -2.5], [0.25, 3.0]]"),
        ("m.weight", "xavier_normal"),
        ("m.bias", "values = [1.0, 2.0, 3.0]"),
        ("n.weight", "delta_orthogonal"),
        ("o.weight", "constant(-1.0)"),
        ("o.bias", "uniform(a = -0.5, b = 0.5)"),
    ];
    for (path, init) in expected {
        assert_eq!(origin(path), init, "{path}");
    }
    assert!(get("a.weight").as_slice().iter().all(|v| v.abs() <= 0.1));
    // PyTorch's bounds are absolute (a = -2, b = 2): at std 0.02 no value is cut; Seed's
    // normal sampler never goes past 6.67 std.
    assert!(get("b.weight").as_slice().iter().all(|v| v.abs() <= 6.67 * 0.02));
    assert_eq!(get("b.bias").as_slice(), &[0.5; 16]);
    assert!(get("c.weight").as_slice().iter().all(|&v| v == 0.0));
    let d = get("d.weight").view().to_owned();
    assert!((0..16).all(|i| (0..16).all(|j| d[[i, j]] == if i == j { 1.0 } else { 0.0 })));
    let e = get("e.weight").view().to_owned();
    assert!((0..4).all(|o| e[[o, o, 1, 1]] == 1.0) && e.sum() == 4.0);
    // sparse: exactly ceil(0.1 * 16) = 2 zeros per column.
    let i = get("i.weight").view().to_owned();
    for col in 0..16 {
        assert_eq!((0..16).filter(|&r| i[[r, col]] == 0.0).count(), 2, "column {col}");
    }
    assert_eq!(get("l.weight").as_slice(), &[1.0, -2.5, 0.25, 3.0]);
    assert_eq!(get("m.bias").as_slice(), &[1.0, 2.0, 3.0]);
    assert_eq!(get("o.weight").as_slice(), &[-1.0; 12]);
}
