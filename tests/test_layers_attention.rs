//! Bilinear and MultiheadAttention against PyTorch: default init bit for bit with
//! `TorchGenerator`, names, forward passes; default-init statistics with `Seed`; masks; errors.

mod common;

use init::ndarray::{Array2, Array3, ArrayD, Axis, Ix3, IxDyn, s};
use init::{
    AttendOptions, AttnMask, Bilinear, Forward, Linear, Module, MultiheadAttention, Seed,
    Sequential, TorchGenerator, xavier_uniform,
};

/// PyTorch's `MultiheadAttention.out_proj` is a `NonDynamicallyQuantizableLinear`; ours is a
/// `Linear` (documented on the layer). Every other name must match exactly.
fn torch_class(name: String) -> String {
    if name == "NonDynamicallyQuantizableLinear" { "Linear".to_string() } else { name }
}

/// `common::Names::assert_match`, with PyTorch's class names mapped by [`torch_class`].
fn assert_names(case: &str, m: &mut dyn Module) {
    let names = common::Names::load(case);
    let ours: Vec<(String, String)> =
        m.named_modules().into_iter().map(|(n, m)| (n, m.kind().to_string())).collect();
    let torch: Vec<(String, String)> =
        names.modules().into_iter().map(|(n, c)| (n, torch_class(c))).collect();
    assert_eq!(ours, torch, "{case}: named_modules");
    let children: Vec<String> = m.named_children().into_iter().map(|(n, _)| n).collect();
    assert_eq!(children, names.list("named_children"), "{case}: named_children");
    let params: Vec<String> = m.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(params, names.list("named_parameters"), "{case}: named_parameters");
    let buffers: Vec<String> = m.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(buffers, names.list("named_buffers"), "{case}: named_buffers");
    assert_eq!(common::state_keys(m), names.list("state_dict"), "{case}: state_dict keys");
    let mut applied = Vec::new();
    m.apply(&mut |m| applied.push(m.kind().to_string()));
    let torch_applied: Vec<String> =
        names.list("apply_order").into_iter().map(torch_class).collect();
    assert_eq!(applied, torch_applied, "{case}: apply order");
}

fn seed_of(fx: &common::Fixture) -> u64 {
    fx.meta["seed"].parse().unwrap()
}

fn max_abs(values: &[f32]) -> f64 {
    values.iter().fold(0f64, |m, v| m.max(f64::from(v.abs())))
}

/// Observed bound (max |w|) within 1% below the formula, never above it.
fn assert_bound(values: &[f32], bound: f64, what: &str) {
    let seen = max_abs(values);
    println!("{what}: max |w| = {seen:.6}, bound {bound:.6} (ratio {:.4})", seen / bound);
    assert!(seen <= bound && seen >= 0.99 * bound, "{what}: max |w| = {seen}, bound {bound}");
}

// ---------------------------------------------------------------------------------------------
// Bilinear

#[test]
fn bilinear_matches_pytorch() {
    let fx = common::Fixture::load("bilinear");
    assert_eq!(fx.meta["ctor"], "nn.Bilinear(3, 4, 2)");
    let mut m = Bilinear::<3, 4, 2>::new(&mut TorchGenerator::new(seed_of(&fx))).unwrap();
    fx.assert_state_eq(&m, "init");
    assert_names("bilinear", &mut m);
    fx.load_into(&mut m, "param");
    let y = m.forward2(fx.f32("input").view(), fx.f32("input.1").view()).unwrap();
    common::assert_close(&y, &fx.f32("output"), "bilinear");
}

#[test]
fn bilinear_forward_any_leading_axes() {
    let fx = common::Fixture::load("bilinear");
    let mut m = Bilinear::<3, 4, 2>::zeroed();
    fx.load_into(&mut m, "param");
    let (x1, x2, want) = (fx.f32("input"), fx.f32("input.1"), fx.f32("output"));
    // [5, k] as [1, 5, k]; one row alone as a 1-D input; a column-major copy.
    let y = m.forward2(x1.view().insert_axis(Axis(0)), x2.view().insert_axis(Axis(0))).unwrap();
    common::assert_close(&y.index_axis(Axis(0), 0).to_owned(), &want, "bilinear [1, 5, k]");
    let y = m.forward2(x1.index_axis(Axis(0), 2), x2.index_axis(Axis(0), 2)).unwrap();
    common::assert_close(&y, &want.index_axis(Axis(0), 2).to_owned(), "bilinear 1-D");
    let x1t = x1.t().as_standard_layout().to_owned();
    let y = m.forward2(x1t.t(), x2.view()).unwrap();
    common::assert_close(&y, &want, "bilinear strided input");
    let no_bias = Bilinear::<3, 4, 2, false>::zeroed();
    assert!(no_bias.bias().is_none());
    assert_eq!(no_bias.named_parameters().len(), 1);
}

#[test]
fn bilinear_default_init_statistics() {
    // Bilinear<64, 32, 16>: weight and bias U(-b, b), b = 1/sqrt(in1) = 1/8.
    let bound = 1.0 / 64f64.sqrt();
    let m = Bilinear::<64, 32, 16>::new(&mut Seed::new(7)).unwrap();
    assert_bound(m.weight().unwrap().as_slice(), bound, "bilinear.weight");
    // 16 biases alone do not pin the bound to 1%: pool 64 layers' biases (1024 values).
    let mut biases = Vec::new();
    for seed in 0..64 {
        let m = Bilinear::<64, 32, 16>::new(&mut Seed::new(seed)).unwrap();
        biases.extend_from_slice(m.bias().unwrap().as_slice());
    }
    assert_bound(&biases, bound, "bilinear.bias");
}

#[test]
fn bilinear_input_errors() {
    let m = Bilinear::<3, 4, 2>::zeroed();
    let ok1 = ArrayD::<f32>::zeros(vec![5, 3]);
    let ok2 = ArrayD::<f32>::zeros(vec![5, 4]);
    let err = m.forward2(ArrayD::<f32>::zeros(vec![5, 4]).view(), ok2.view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Bilinear: input1 of shape [5, 4] must have last dimension 3 (in1_features)"
    );
    let err = m.forward2(ok1.view(), ArrayD::<f32>::zeros(vec![5, 3]).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Bilinear: input2 of shape [5, 3] must have last dimension 4 (in2_features)"
    );
    let err = m.forward2(ok1.view(), ArrayD::<f32>::zeros(vec![2, 5, 4]).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Bilinear: input1 of shape [5, 3] and input2 of shape [2, 5, 4] must have the same leading dimensions"
    );
    let scalar = ArrayD::<f32>::zeros(vec![]);
    let err = m.forward2(scalar.view(), ok2.view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Bilinear: input1 of shape [] must have last dimension 3 (in1_features)"
    );
}

// ---------------------------------------------------------------------------------------------
// MultiheadAttention: fixtures

#[test]
fn mha_matches_pytorch() {
    let fx = common::Fixture::load("mha");
    assert_eq!(fx.meta["ctor"], "nn.MultiheadAttention(8, 2)");
    let mut m = MultiheadAttention::<8, 2>::new(&mut TorchGenerator::new(seed_of(&fx))).unwrap();
    fx.assert_state_eq(&m, "init");
    assert_names("mha", &mut m);
    fx.load_into(&mut m, "param");
    let (q, kv) = (fx.f32("input"), fx.f32("input.1"));
    let (out, w) = m.attend(q.view(), kv.view(), kv.view()).unwrap();
    common::assert_close(&out, &fx.f32("output"), "mha output");
    common::assert_close(&w, &fx.f32("output.1"), "mha weights");
}

#[test]
fn mha_kdim_matches_pytorch() {
    let fx = common::Fixture::load("mha_kdim");
    assert_eq!(fx.meta["ctor"], "nn.MultiheadAttention(8, 2, kdim=6, vdim=5)");
    let mut m =
        MultiheadAttention::<8, 2, 6, 5>::new(&mut TorchGenerator::new(seed_of(&fx))).unwrap();
    fx.assert_state_eq(&m, "init");
    assert_names("mha_kdim", &mut m);
    fx.load_into(&mut m, "param");
    let (q, k, v) = (fx.f32("input"), fx.f32("input.1"), fx.f32("input.2"));
    let (out, w) = m.attend(q.view(), k.view(), v.view()).unwrap();
    common::assert_close(&out, &fx.f32("output"), "mha_kdim output");
    common::assert_close(&w, &fx.f32("output.1"), "mha_kdim weights");
}

/// The `mha` fixture's layer with its `param.*` state.
fn mha_fixture() -> (common::Fixture, MultiheadAttention<8, 2>) {
    let fx = common::Fixture::load("mha");
    let mut m = MultiheadAttention::<8, 2>::zeroed();
    fx.load_into(&mut m, "param");
    (fx, m)
}

fn swap01(x: &ArrayD<f32>) -> ArrayD<f32> {
    let mut y = x.clone();
    y.swap_axes(0, 1);
    y.as_standard_layout().to_owned()
}

#[test]
fn mha_batch_first_and_unbatched_agree_with_pytorch() {
    let (fx, m) = mha_fixture();
    let (q, kv, want, want_w) =
        (fx.f32("input"), fx.f32("input.1"), fx.f32("output"), fx.f32("output.1"));
    let bf = m.clone().batch_first(true);
    assert!(bf.is_batch_first() && !m.is_batch_first());
    let (qb, kvb) = (swap01(&q), swap01(&kv));
    let (out, w) = bf.attend(qb.view(), kvb.view(), kvb.view()).unwrap();
    common::assert_close(&out, &swap01(&want), "batch_first output [N, L, E]");
    common::assert_close(&w, &want_w, "batch_first weights [N, L, S]");
    // Strided (non-standard layout) inputs: the same [N, L, E] arrays as views of [L, N, E].
    let (out, _) = bf
        .attend(
            q.view().permuted_axes(vec![1, 0, 2]),
            kv.view().permuted_axes(vec![1, 0, 2]),
            kvb.view(),
        )
        .unwrap();
    common::assert_close(&out, &swap01(&want), "batch_first strided input");
    // Unbatched: batch element 1 alone, [L, E] and [S, E].
    for model in [&m, &bf] {
        let (q1, kv1) = (q.index_axis(Axis(1), 1), kv.index_axis(Axis(1), 1));
        let (out, w) = model.attend(q1, kv1.clone(), kv1).unwrap();
        common::assert_close(&out, &want.index_axis(Axis(1), 1).to_owned(), "unbatched output");
        common::assert_close(&w, &want_w.index_axis(Axis(0), 1).to_owned(), "unbatched weights");
    }
}

#[test]
fn mha_forward_is_self_attention() {
    let (fx, m) = mha_fixture();
    let x = fx.f32("input.1");
    let (want, _) = m.attend(x.view(), x.view(), x.view()).unwrap();
    assert_eq!(m.forward(x.view()).unwrap(), want);
    // In a Sequential, under a prefix: names and Seed stream keys carry the prefix.
    let mut seq = Sequential::new().push(MultiheadAttention::<8, 2>::zeroed());
    seq.reset_parameters("", &mut Seed::new(3)).unwrap();
    let names: Vec<String> = seq.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["0.in_proj_weight", "0.in_proj_bias", "0.out_proj.weight", "0.out_proj.bias"]
    );
    let mut w = init::Param::zeros(&[24, 8]);
    xavier_uniform().fill(w.at("0.in_proj_weight"), &mut Seed::new(3)).unwrap();
    assert_eq!(seq.get_parameter("0.in_proj_weight").unwrap(), &w);
    assert_eq!(seq.forward(x.view()).unwrap().shape(), &[6, 2, 8]);
}

// ---------------------------------------------------------------------------------------------
// MultiheadAttention: default init

#[test]
fn mha_default_init_uses_pytorch_paths_and_order() {
    // Seed keys: out_proj's Linear init under "out_proj", xavier on "in_proj_weight" (or
    // q/k/v), zero biases.
    let m = MultiheadAttention::<8, 2, 6, 5>::new(&mut Seed::new(11)).unwrap();
    let mut lin = Linear::<8, 8>::zeroed();
    lin.reset_parameters("out_proj", &mut Seed::new(11)).unwrap();
    assert_eq!(m.out_proj().weight(), lin.weight());
    for (name, cols) in [("q_proj_weight", 8), ("k_proj_weight", 6), ("v_proj_weight", 5)] {
        let mut w = init::Param::zeros(&[8, cols]);
        xavier_uniform().fill(w.at(name), &mut Seed::new(11)).unwrap();
        assert_eq!(m.get_parameter(name).unwrap(), &w, "{name}");
    }
    assert!(m.in_proj_bias().unwrap().as_slice().iter().all(|&b| b == 0.0));
    assert!(m.out_proj().bias().unwrap().as_slice().iter().all(|&b| b == 0.0));

    // Without bias: no in_proj_bias, no out_proj.bias, and still PyTorch's draw order.
    let m = MultiheadAttention::<8, 2, 8, 8, false>::new(&mut TorchGenerator::new(5)).unwrap();
    let names: Vec<String> = m.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["in_proj_weight", "out_proj.weight"]);
    let mut rng = TorchGenerator::new(5);
    let lin = Linear::<8, 8, false>::new(&mut rng).unwrap();
    let mut w = init::Param::zeros(&[24, 8]);
    xavier_uniform().fill(w.at("in_proj_weight"), &mut rng).unwrap();
    assert_eq!(m.out_proj().weight(), lin.weight());
    assert_eq!(m.in_proj_weight().unwrap(), &w);
}

#[test]
fn mha_default_init_statistics() {
    // MultiheadAttention<256, 8> with Seed:
    // in_proj_weight [768, 256]: xavier_uniform, b = sqrt(6 / (fan_in + fan_out)) = sqrt(6 / (256 + 3 * 256));
    // out_proj.weight [256, 256]: kaiming_uniform(a = sqrt 5), b = 1/sqrt(256);
    // in_proj_bias, out_proj.bias: exactly 0.
    let m = MultiheadAttention::<256, 8>::new(&mut Seed::new(2024)).unwrap();
    assert_eq!(MultiheadAttention::<256, 8>::HEAD_DIM, 32);
    assert_bound(
        m.in_proj_weight().unwrap().as_slice(),
        (6.0f64 / (256.0 + 3.0 * 256.0)).sqrt(),
        "in_proj_weight",
    );
    assert_bound(m.out_proj().weight().unwrap().as_slice(), 1.0 / 16.0, "out_proj.weight");
    assert!(m.in_proj_bias().unwrap().as_slice().iter().all(|&b| b == 0.0));
    assert!(m.out_proj().bias().unwrap().as_slice().iter().all(|&b| b == 0.0));

    // Separate projections, MultiheadAttention<256, 8, 128, 64>: xavier per matrix,
    // b = sqrt(6 / (E + kdim)) and sqrt(6 / (E + vdim)).
    let m = MultiheadAttention::<256, 8, 128, 64>::new(&mut Seed::new(2024)).unwrap();
    for (w, fan_in) in
        [(m.q_proj_weight(), 256.0), (m.k_proj_weight(), 128.0), (m.v_proj_weight(), 64.0)]
    {
        assert_bound(
            w.unwrap().as_slice(),
            (6.0f64 / (256.0 + fan_in)).sqrt(),
            "q/k/v_proj_weight",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// MultiheadAttention: masks

#[test]
fn key_padding_mask_equals_attending_to_fewer_keys() {
    let (fx, m) = mha_fixture();
    let (q, kv) = (fx.f32("input"), fx.f32("input.1")); // L = 4, S = 6, N = 2
    // Batch element 0 masks its last 2 keys, element 1 its last 3.
    let keep = [4, 3];
    let pad = Array2::from_shape_fn((2, 6), |(n, s)| s >= keep[n]).into_dyn();
    let pad_f = pad.mapv(|p| if p { f32::NEG_INFINITY } else { 0.0 });
    for opts in [
        AttendOptions::new().key_padding_mask(AttnMask::Bool(pad.view())),
        AttendOptions::new().key_padding_mask(AttnMask::Float(pad_f.view())),
    ] {
        let (out, w) = m.attend_with(q.view(), kv.view(), kv.view(), &opts).unwrap();
        for (n, &k) in keep.iter().enumerate() {
            let q1 = q.slice(s![.., n, ..]).into_dyn();
            let kv1 = kv.slice(s![..k, n, ..]).into_dyn();
            let (want, want_w) = m.attend(q1, kv1.clone(), kv1).unwrap();
            common::assert_close(&out.index_axis(Axis(1), n).to_owned(), &want, "padded output");
            let w_n = w.index_axis(Axis(0), n);
            common::assert_close(
                &w_n.slice(s![.., ..k]).to_owned().into_dyn(),
                &want_w,
                "padded weights",
            );
            assert!(w_n.slice(s![.., k..]).iter().all(|&x| x == 0.0));
        }
    }
}

#[test]
fn attn_masks_2d_3d_bool_float_and_per_head_weights() {
    let (fx, m) = mha_fixture();
    let (q, kv) = (fx.f32("input"), fx.f32("input.1"));
    let (l, s_len, n, heads) = (4, 6, 2, 2);
    // An additive float mask and a boolean mask (l may not attend to s > l + 2).
    let add = Array2::from_shape_fn((l, s_len), |(i, j)| (i as f32 - j as f32) * 0.3).into_dyn();
    let forbid = Array2::from_shape_fn((l, s_len), |(i, j)| j > i + 2).into_dyn();
    let forbid_f = forbid.mapv(|b| if b { f32::NEG_INFINITY } else { 0.0 });
    let run =
        |opts: &AttendOptions<'_>| m.attend_with(q.view(), kv.view(), kv.view(), opts).unwrap();

    // Bool mask == the same mask as -inf/0 floats; forbidden weights are exactly 0.
    let (out_b, w_b) = run(&AttendOptions::new().attn_mask(AttnMask::Bool(forbid.view())));
    let (out_f, w_f) = run(&AttendOptions::new().attn_mask(AttnMask::Float(forbid_f.view())));
    assert_eq!((&out_b, &w_b), (&out_f, &w_f));
    for ((_, i, j), &x) in w_b.clone().into_dimensionality::<Ix3>().unwrap().indexed_iter() {
        if j > i + 2 {
            assert_eq!(x, 0.0);
        }
    }
    // 2-D [L, S] == 3-D [N * H, L, S] with the mask repeated.
    let add3 = Array3::from_shape_fn((n * heads, l, s_len), |(_, i, j)| add[[i, j]]).into_dyn();
    let (out2, w2) = run(&AttendOptions::new().attn_mask(AttnMask::Float(add.view())));
    let (out3, w3) = run(&AttendOptions::new().attn_mask(AttnMask::Float(add3.view())));
    assert_eq!((&out2, &w2), (&out3, &w3));
    let (out_none, _) = run(&AttendOptions::new());
    assert_ne!(out2, out_none);

    // A 3-D mask that differs per (batch, head) slice: slice n * H + h applies to batch n, head h.
    let per = Array3::from_shape_fn((n * heads, l, s_len), |(bh, _, j)| j == bh).into_dyn();
    let (_, w_per) = run(&AttendOptions::new()
        .attn_mask(AttnMask::Bool(per.view()))
        .average_attn_weights(false));
    assert_eq!(w_per.shape(), &[n, heads, l, s_len]);
    for b in 0..n {
        for h in 0..heads {
            let masked = b * heads + h;
            assert!(w_per.slice(s![b, h, .., masked]).iter().all(|&x| x == 0.0));
            let row_sums = w_per.slice(s![b, h, .., ..]).sum_axis(Axis(1));
            assert!(row_sums.iter().all(|&x| (x - 1.0).abs() < 1e-6));
        }
    }

    // Per-head weights average to the default weights; both masks at once are their sum.
    let pad = Array2::from_shape_fn((n, s_len), |(b, j)| b == 1 && j == 0).into_dyn();
    let pad_f = pad.mapv(|p| if p { f32::NEG_INFINITY } else { 0.0 });
    let both = AttendOptions::new()
        .attn_mask(AttnMask::Float(add.view()))
        .key_padding_mask(AttnMask::Bool(pad.view()));
    let (out_both, w_both) = run(&both);
    let (_, w_heads) = run(&both.clone().average_attn_weights(false));
    let mean = w_heads.sum_axis(Axis(1)) / heads as f32;
    common::assert_close(&mean, &w_both, "mean of per-head weights");
    let merged = Array3::from_shape_fn((n * heads, l, s_len), |(bh, i, j)| {
        add[[i, j]] + pad_f[[bh / heads, j]]
    })
    .into_dyn();
    let (out_m, w_m) = run(&AttendOptions::new().attn_mask(AttnMask::Float(merged.view())));
    assert_eq!((&out_both, &w_both), (&out_m, &w_m));

    // A query row with every key masked gives NaN, as PyTorch.
    let all = Array2::from_shape_fn((l, s_len), |(i, _)| i == 0).into_dyn();
    let (out, w) = run(&AttendOptions::new().attn_mask(AttnMask::Bool(all.view())));
    assert!(w.slice(s![.., 0, ..]).iter().all(|x| x.is_nan()));
    assert!(w.slice(s![.., 1.., ..]).iter().all(|x| x.is_finite()));
    assert!(out.slice(s![0, .., ..]).iter().all(|x| x.is_nan()));
    assert!(out.slice(s![1.., .., ..]).iter().all(|x| x.is_finite()));
}

// ---------------------------------------------------------------------------------------------
// MultiheadAttention: errors

#[test]
fn mha_input_errors() {
    let m = MultiheadAttention::<8, 2>::zeroed();
    let z = |shape: &[usize]| ArrayD::<f32>::zeros(IxDyn(shape));
    let (q, kv) = (z(&[4, 2, 8]), z(&[6, 2, 8]));
    let msg = |r: init::Result<(ArrayD<f32>, ArrayD<f32>)>| r.unwrap_err().to_string();

    assert_eq!(
        msg(m.attend(z(&[4, 2, 3, 8]).view(), kv.view(), kv.view())),
        "MultiheadAttention: query of shape [4, 2, 3, 8] must be [L, N, 8] ([N, L, 8] with batch_first) or unbatched [L, 8]"
    );
    assert_eq!(
        msg(m.attend(q.view(), z(&[6, 8]).view(), kv.view())),
        "MultiheadAttention: key of shape [6, 8] and value of shape [6, 2, 8] must have as many dimensions as query of shape [4, 2, 8]"
    );
    assert_eq!(
        msg(m.attend(z(&[4, 2, 7]).view(), kv.view(), kv.view())),
        "MultiheadAttention: query of shape [4, 2, 7] must have last dimension 8 (embed_dim)"
    );
    let k6 = MultiheadAttention::<8, 2, 6, 5>::zeroed();
    assert_eq!(
        msg(k6.attend(q.view(), kv.view(), z(&[6, 2, 5]).view())),
        "MultiheadAttention: key of shape [6, 2, 8] must have last dimension 6 (kdim)"
    );
    assert_eq!(
        msg(k6.attend(q.view(), z(&[6, 2, 6]).view(), kv.view())),
        "MultiheadAttention: value of shape [6, 2, 8] must have last dimension 5 (vdim)"
    );
    assert_eq!(
        msg(m.attend(q.view(), z(&[6, 3, 8]).view(), z(&[6, 3, 8]).view())),
        "MultiheadAttention: query of shape [4, 2, 8], key of shape [6, 3, 8] and value of shape [6, 3, 8] must have the same batch size"
    );
    assert_eq!(
        msg(m.attend(q.view(), kv.view(), z(&[5, 2, 8]).view())),
        "MultiheadAttention: key of shape [6, 2, 8] and value of shape [5, 2, 8] must have the same sequence length"
    );
    let bad = Array2::from_elem((2, 5), false).into_dyn();
    let opts = AttendOptions::new().key_padding_mask(AttnMask::Bool(bad.view()));
    assert_eq!(
        msg(m.attend_with(q.view(), kv.view(), kv.view(), &opts)),
        "MultiheadAttention: key_padding_mask of shape [2, 5] must be [N, S] = [2, 6]"
    );
    let opts = AttendOptions::new().key_padding_mask(AttnMask::Bool(bad.view()));
    assert_eq!(
        msg(m.attend_with(z(&[4, 8]).view(), z(&[6, 8]).view(), z(&[6, 8]).view(), &opts)),
        "MultiheadAttention: key_padding_mask of shape [2, 5] must be [N, S] = [6] for unbatched inputs ([S])"
    );
    let bad = z(&[2, 4, 6]);
    let opts = AttendOptions::new().attn_mask(AttnMask::Float(bad.view()));
    assert_eq!(
        msg(m.attend_with(q.view(), kv.view(), kv.view(), &opts)),
        "MultiheadAttention: attn_mask of shape [2, 4, 6] must be [L, S] = [4, 6] or [N * num_heads, L, S] = [4, 4, 6]"
    );
    // Self-attention through Forward needs kdim = vdim = embed_dim.
    assert_eq!(
        k6.forward(q.view()).unwrap_err().to_string(),
        "MultiheadAttention: forward is self-attention and needs kdim = vdim = embed_dim = 8, got kdim = 6, vdim = 5; use attend(query, key, value)"
    );
    assert_eq!(
        m.forward(z(&[4, 2, 6]).view()).unwrap_err().to_string(),
        "MultiheadAttention: query of shape [4, 2, 6] must have last dimension 8 (embed_dim)"
    );
}

#[test]
fn mha_empty_sequences() {
    let m = MultiheadAttention::<8, 2>::new(&mut Seed::new(0)).unwrap();
    let q = ArrayD::<f32>::ones(IxDyn(&[0, 3, 8]));
    let kv = ArrayD::<f32>::ones(IxDyn(&[5, 3, 8]));
    let (out, w) = m.attend(q.view(), kv.view(), kv.view()).unwrap();
    assert_eq!((out.shape(), w.shape()), (&[0, 3, 8][..], &[3, 0, 5][..]));
    let q = ArrayD::<f32>::ones(IxDyn(&[4, 0, 8]));
    let kv = ArrayD::<f32>::ones(IxDyn(&[5, 0, 8]));
    let (out, w) = m.attend(q.view(), kv.view(), kv.view()).unwrap();
    assert_eq!((out.shape(), w.shape()), (&[4, 0, 8][..], &[0, 4, 5][..]));
}
