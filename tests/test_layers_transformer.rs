//! TransformerEncoderLayer and TransformerDecoderLayer against PyTorch (fixtures from
//! `scripts/torch_layers.py`, cases `transformer_*`): default init bit for bit with
//! `TorchGenerator`, names, eval-mode forward with every mask form; `Seed` stream keys;
//! builders; hostile inputs.

mod common;

use init::ndarray::{Array2, ArrayD, Axis, IxDyn, s};
use init::{
    AttnMask, DecoderMasks, EncoderMasks, Forward, Linear, Module, Seed, Sequential,
    TorchGenerator, TransformerDecoderLayer, TransformerEncoderLayer, xavier_uniform,
};

/// PyTorch's `out_proj` is a `NonDynamicallyQuantizableLinear`; ours a `Linear`.
fn torch_class(name: String) -> String {
    if name == "NonDynamicallyQuantizableLinear" { "Linear".to_string() } else { name }
}

/// Every name list of `m` against PyTorch's for `case`, class names mapped by [`torch_class`].
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
    assert!(names.list("named_buffers").is_empty() && m.named_buffers().is_empty());
    assert_eq!(common::state_keys(m), names.list("state_dict"), "{case}: state_dict keys");
    let mut applied = Vec::new();
    m.apply(&mut |m| applied.push(m.kind().to_string()));
    let torch_applied: Vec<String> =
        names.list("apply_order").into_iter().map(torch_class).collect();
    assert_eq!(applied, torch_applied, "{case}: apply order");
}

fn torch_rng(fx: &common::Fixture) -> TorchGenerator {
    TorchGenerator::new(fx.meta["seed"].parse().unwrap())
}

/// The fixtures' masks (see `scripts/torch_layers.py`): PyTorch's causal mask (0 / -inf),
/// key padding for N = 2 over 3 positions, and over a memory of 4.
fn causal_f32(l: usize, s: usize) -> ArrayD<f32> {
    Array2::from_shape_fn((l, s), |(i, j)| if j > i { f32::NEG_INFINITY } else { 0.0 }).into_dyn()
}

fn causal_bool(l: usize, s: usize) -> ArrayD<bool> {
    Array2::from_shape_fn((l, s), |(i, j)| j > i).into_dyn()
}

fn pad() -> ArrayD<bool> {
    init::ndarray::array![[false, false, true], [false, true, true]].into_dyn()
}

fn mem_pad() -> ArrayD<bool> {
    init::ndarray::array![[false, false, false, true], [false, true, true, true]].into_dyn()
}

fn mem_mask() -> ArrayD<bool> {
    init::ndarray::array![
        [false, true, false, true],
        [false, false, true, true],
        [true, false, false, false]
    ]
    .into_dyn()
}

const CAUSAL: &str = "nn.Transformer.generate_square_subsequent_mask(3)";
const PAD: &str = "torch.tensor([[False, False, True], [False, True, True]])";

/// The fixture's forward statement, as the calls this test makes (the masks are written
/// out in it, not stored as tensors).
fn encoder_statement(extra: &[&str]) -> String {
    let mut calls = vec![
        "input".to_string(),
        format!("input, src_mask={CAUSAL}, is_causal=True"),
        format!("input, src_key_padding_mask={PAD}"),
        format!("input, src_mask={CAUSAL}, src_key_padding_mask={PAD}, is_causal=True"),
    ];
    calls.extend(extra.iter().map(|c| c.to_string()));
    statement(&calls)
}

fn statement(calls: &[String]) -> String {
    let outs: Vec<String> = (0..calls.len())
        .map(|i| if i == 0 { "output".into() } else { format!("output.{i}") })
        .collect();
    let calls: Vec<String> = calls.iter().map(|c| format!("model({c})")).collect();
    format!("{} = {}", outs.join(", "), calls.join(", "))
}

/// The encoder's four masked forms against `output` .. `output.3`, each mask written every
/// way it can be (bool or additive, `is_causal` with or without the mask).
fn check_encoder_forward<const E: usize, const H: usize, const F: usize, const B: bool>(
    fx: &common::Fixture,
    m: &TransformerEncoderLayer<E, H, F, B>,
) {
    let case = &fx.case;
    let x = fx.f32("input");
    let run = |masks: &EncoderMasks<'_>| m.forward_with(x.view(), masks).unwrap();
    common::assert_close(&m.forward(x.view()).unwrap(), &fx.f32("output"), case);

    let (cf, cb, pad) = (causal_f32(3, 3), causal_bool(3, 3), pad());
    let want = fx.f32("output.1");
    for masks in [
        EncoderMasks::new().src_mask(AttnMask::Float(cf.view())).is_causal(true),
        EncoderMasks::new().src_mask(AttnMask::Bool(cb.view())).is_causal(true),
        EncoderMasks::new().src_mask(AttnMask::Float(cf.view())),
        EncoderMasks::new().is_causal(true),
    ] {
        common::assert_close(&run(&masks), &want, &format!("{case}: causal {masks:?}"));
    }
    let padded = EncoderMasks::new().src_key_padding_mask(AttnMask::Bool(pad.view()));
    common::assert_close(&run(&padded), &fx.f32("output.2"), &format!("{case}: padding"));
    let both = padded.clone().src_mask(AttnMask::Float(cf.view())).is_causal(true);
    common::assert_close(&run(&both), &fx.f32("output.3"), &format!("{case}: causal, padding"));
    common::assert_close(&run(&padded.is_causal(true)), &fx.f32("output.3"), case);
}

#[test]
fn encoder_relu_post_norm_matches_pytorch() {
    let fx = common::Fixture::load("transformer_enc");
    assert_eq!(fx.meta["ctor"], "nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)");
    assert_eq!(fx.meta["forward"], encoder_statement(&["input[:0]"]));
    let mut m = TransformerEncoderLayer::<8, 2, 16>::new(&mut torch_rng(&fx)).unwrap();
    fx.assert_state_eq(&m, "init");
    assert_names("transformer_enc", &mut m);
    fx.load_into(&mut m, "param");
    check_encoder_forward(&fx, &m);
    // An empty sequence gives an empty output, as in PyTorch.
    let empty = fx.f32("input").slice(s![..0, .., ..]).to_owned().into_dyn();
    let out = m.forward(empty.view()).unwrap();
    assert_eq!((out.shape(), fx.f32("output.4").shape()), (&[0, 2, 8][..], &[0, 2, 8][..]));
}

#[test]
fn encoder_gelu_norm_first_batch_first_matches_pytorch() {
    let fx = common::Fixture::load("transformer_enc_gelu_nf_bf");
    assert_eq!(
        fx.meta["ctor"],
        r#"nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation="gelu", norm_first=True, batch_first=True)"#
    );
    assert_eq!(fx.meta["forward"], encoder_statement(&[]));
    let mut m = TransformerEncoderLayer::<8, 2, 16>::new(&mut torch_rng(&fx))
        .unwrap()
        .activation("gelu")
        .unwrap()
        .norm_first(true)
        .batch_first(true);
    assert_eq!((m.activation_name(), m.is_norm_first(), m.is_batch_first()), ("gelu", true, true));
    fx.assert_state_eq(&m, "init");
    assert_names("transformer_enc_gelu_nf_bf", &mut m);
    fx.load_into(&mut m, "param");
    check_encoder_forward(&fx, &m);
}

#[test]
fn encoder_without_bias_matches_pytorch() {
    let fx = common::Fixture::load("transformer_enc_nobias");
    assert_eq!(
        fx.meta["ctor"],
        "nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.2, layer_norm_eps=1e-3, norm_first=True, bias=False)"
    );
    assert_eq!(fx.meta["forward"], encoder_statement(&["input.1"]));
    let mut m = TransformerEncoderLayer::<8, 2, 16, false>::new(&mut torch_rng(&fx))
        .unwrap()
        .dropout(0.2)
        .unwrap()
        .layer_norm_eps(1e-3)
        .unwrap()
        .norm_first(true);
    assert_eq!((m.dropout_p(), m.norm1().eps(), m.norm2().eps()), (0.2, 1e-3, 1e-3));
    fx.assert_state_eq(&m, "init");
    assert_names("transformer_enc_nobias", &mut m);
    fx.load_into(&mut m, "param");
    check_encoder_forward(&fx, &m);
    // Unbatched [S, E], and the same sequence as batch element 1 of a batch.
    let x1 = fx.f32("input.1");
    common::assert_close(&m.forward(x1.view()).unwrap(), &fx.f32("output.4"), "unbatched");
    let pad1 = pad().index_axis(Axis(0), 1).to_owned();
    let masks = EncoderMasks::new().src_key_padding_mask(AttnMask::Bool(pad1.view()));
    let x = fx.f32("input");
    let one = m.forward_with(x.index_axis(Axis(1), 1), &masks).unwrap();
    let want = fx.f32("output.2").index_axis(Axis(1), 1).to_owned();
    common::assert_close(&one, &want, "unbatched with padding");
}

#[test]
fn batch_first_is_a_transposition_of_the_same_layer() {
    let fx = common::Fixture::load("transformer_enc");
    let mut m = TransformerEncoderLayer::<8, 2, 16>::zeroed();
    fx.load_into(&mut m, "param");
    let bf = m.clone().batch_first(true);
    let swap = |a: ArrayD<f32>| a.permuted_axes(IxDyn(&[1, 0, 2])).as_standard_layout().to_owned();
    let pad = pad();
    let masks = EncoderMasks::new().src_key_padding_mask(AttnMask::Bool(pad.view()));
    let y = bf.forward_with(swap(fx.f32("input")).view(), &masks).unwrap();
    common::assert_close(&swap(y), &fx.f32("output.2"), "batch_first, padding");
}

/// The decoder's five masked forms against `output` .. `output.4`.
fn check_decoder_forward<const E: usize, const H: usize, const F: usize, const B: bool>(
    fx: &common::Fixture,
    m: &TransformerDecoderLayer<E, H, F, B>,
) {
    let case = &fx.case;
    let (tgt, memory) = (fx.f32("input"), fx.f32("input.1"));
    let run = |masks: &DecoderMasks<'_>| m.forward2_with(tgt.view(), memory.view(), masks).unwrap();
    common::assert_close(&m.forward2(tgt.view(), memory.view()).unwrap(), &fx.f32("output"), case);
    let (cf, cb) = (causal_f32(3, 3), causal_bool(3, 3));
    for masks in [
        DecoderMasks::new().tgt_mask(AttnMask::Float(cf.view())).tgt_is_causal(true),
        DecoderMasks::new().tgt_mask(AttnMask::Bool(cb.view())),
        DecoderMasks::new().tgt_is_causal(true),
    ] {
        common::assert_close(&run(&masks), &fx.f32("output.1"), &format!("{case}: {masks:?}"));
    }
    let (pad, mem_pad) = (pad(), mem_pad());
    let padded = DecoderMasks::new()
        .tgt_key_padding_mask(AttnMask::Bool(pad.view()))
        .memory_key_padding_mask(AttnMask::Bool(mem_pad.view()));
    common::assert_close(&run(&padded), &fx.f32("output.2"), &format!("{case}: padding"));
    let (mm, mm_f) = (mem_mask(), mem_mask().mapv(|b| if b { f32::NEG_INFINITY } else { 0.0 }));
    for masks in [
        DecoderMasks::new().memory_mask(AttnMask::Bool(mm.view())),
        DecoderMasks::new().memory_mask(AttnMask::Float(mm_f.view())),
    ] {
        common::assert_close(&run(&masks), &fx.f32("output.3"), &format!("{case}: memory_mask"));
    }
    // memory_is_causal: target position i sees memory positions j <= i (T = 3, S = 4).
    let mc = causal_bool(3, 4);
    for masks in [
        DecoderMasks::new().memory_mask(AttnMask::Bool(mc.view())).memory_is_causal(true),
        DecoderMasks::new().memory_is_causal(true),
    ] {
        common::assert_close(&run(&masks), &fx.f32("output.4"), &format!("{case}: {masks:?}"));
    }
}

fn decoder_statement(extra: &[&str]) -> String {
    let mut calls = vec![
        "input, input.1".to_string(),
        format!("input, input.1, tgt_mask={CAUSAL}, tgt_is_causal=True"),
        format!(
            "input, input.1, tgt_key_padding_mask={PAD}, memory_key_padding_mask=torch.tensor([[False, False, False, True], [False, True, True, True]])"
        ),
        "input, input.1, memory_mask=torch.tensor([[False, True, False, True], [False, False, True, True], [True, False, False, False]])".to_string(),
        "input, input.1, memory_mask=torch.ones(3, 4, dtype=torch.bool).triu(1), memory_is_causal=True".to_string(),
    ];
    calls.extend(extra.iter().map(|c| c.to_string()));
    statement(&calls)
}

#[test]
fn decoder_relu_post_norm_matches_pytorch() {
    let fx = common::Fixture::load("transformer_dec");
    assert_eq!(fx.meta["ctor"], "nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)");
    assert_eq!(fx.meta["forward"], decoder_statement(&["input, input.1[:0]"]));
    let mut m = TransformerDecoderLayer::<8, 2, 16>::new(&mut torch_rng(&fx)).unwrap();
    fx.assert_state_eq(&m, "init");
    assert_names("transformer_dec", &mut m);
    fx.load_into(&mut m, "param");
    check_decoder_forward(&fx, &m);
    // An empty memory: the attention over it adds only out_proj's bias, as in PyTorch.
    let (tgt, memory) = (fx.f32("input"), fx.f32("input.1"));
    let empty = memory.slice(s![..0, .., ..]);
    let out = m.forward2(tgt.view(), empty.into_dyn()).unwrap();
    common::assert_close(&out, &fx.f32("output.5"), "empty memory");
}

#[test]
fn decoder_gelu_norm_first_batch_first_matches_pytorch() {
    let fx = common::Fixture::load("transformer_dec_gelu_nf_bf");
    assert_eq!(
        fx.meta["ctor"],
        r#"nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, activation="gelu", norm_first=True, batch_first=True)"#
    );
    assert_eq!(fx.meta["forward"], decoder_statement(&[]));
    let mut m = TransformerDecoderLayer::<8, 2, 16>::new(&mut torch_rng(&fx))
        .unwrap()
        .activation("gelu")
        .unwrap()
        .norm_first(true)
        .batch_first(true);
    assert!(m.self_attn().is_batch_first() && m.multihead_attn().is_batch_first());
    fx.assert_state_eq(&m, "init");
    assert_names("transformer_dec_gelu_nf_bf", &mut m);
    fx.load_into(&mut m, "param");
    check_decoder_forward(&fx, &m);
}

#[test]
fn seed_keys_each_parameter_by_its_full_path() {
    // Each child is filled as it would be alone under its path: xavier on
    // "self_attn.in_proj_weight", Linear's default on "linear1", ...
    let m = TransformerEncoderLayer::<8, 2, 16>::new(&mut Seed::new(9)).unwrap();
    let mut w = init::Param::zeros(&[24, 8]);
    xavier_uniform().fill(w.at("self_attn.in_proj_weight"), &mut Seed::new(9)).unwrap();
    assert_eq!(m.self_attn().in_proj_weight().unwrap(), &w);
    let mut lin = Linear::<8, 16>::zeroed();
    lin.reset_parameters("linear1", &mut Seed::new(9)).unwrap();
    assert_eq!(m.linear1(), &lin);
    assert_eq!(m.norm1().weight().unwrap().as_slice(), &[1.0; 8]);
    let d = TransformerDecoderLayer::<8, 2, 16>::new(&mut Seed::new(9)).unwrap();
    let mut w = init::Param::zeros(&[24, 8]);
    xavier_uniform().fill(w.at("multihead_attn.in_proj_weight"), &mut Seed::new(9)).unwrap();
    assert_eq!(d.multihead_attn().in_proj_weight().unwrap(), &w);
    assert_ne!(d.self_attn().in_proj_weight(), d.multihead_attn().in_proj_weight());
    assert!(d.norms().iter().all(|n| n.bias().unwrap().as_slice() == [0.0; 8]));
}

#[test]
fn encoder_layers_chain_in_a_sequential() {
    let fx = common::Fixture::load("transformer_enc");
    let mut a = TransformerEncoderLayer::<8, 2, 16>::zeroed();
    fx.load_into(&mut a, "param");
    let b = a.clone().norm_first(true);
    let x = fx.f32("input");
    let want = b.forward(a.forward(x.view()).unwrap().view()).unwrap();
    let seq = Sequential::new().push(a).push(b);
    assert_eq!(seq.forward(x.view()).unwrap(), want);
    assert_eq!(seq.named_parameters()[12].0, "1.self_attn.in_proj_weight");
}

#[test]
fn builders_check_their_keyword_and_keep_pytorch_defaults() {
    let m = TransformerEncoderLayer::<8, 2>::zeroed();
    assert_eq!(m.linear1().weight().unwrap().shape(), &[2048, 8]); // dim_feedforward = 2048
    assert_eq!((m.dropout_p(), m.activation_name(), m.norm1().eps()), (0.1, "relu", 1e-5));
    assert!(!m.is_batch_first() && !m.is_norm_first());
    let msg = |r: init::Result<TransformerEncoderLayer<8, 2>>| r.unwrap_err().to_string();
    assert_eq!(
        msg(m.clone().dropout(-0.5)),
        "TransformerEncoderLayer: dropout must be in [0, 1], got -0.5"
    );
    assert_eq!(
        msg(m.clone().dropout(f64::NAN)),
        "TransformerEncoderLayer: dropout must be in [0, 1], got NaN"
    );
    assert_eq!(
        msg(m.clone().activation("tanh")),
        r#"TransformerEncoderLayer: activation must be "relu" or "gelu", got "tanh""#
    );
    assert_eq!(
        msg(m.clone().layer_norm_eps(-1e-5)),
        "TransformerEncoderLayer: layer_norm_eps must be finite and >= 0, got -1e-5"
    );
    let d = TransformerDecoderLayer::<8, 2, 16>::zeroed();
    assert_eq!(
        d.clone().layer_norm_eps(f64::INFINITY).unwrap_err().to_string(),
        "TransformerDecoderLayer: layer_norm_eps must be finite and >= 0, got inf"
    );
    let d = d.dropout(0.0).unwrap().layer_norm_eps(1e-6).unwrap();
    assert_eq!(d.dropout_p(), 0.0);
    assert!(d.norms().iter().all(|n| n.eps() == 1e-6));
    let d = d.activation("gelu").unwrap();
    assert_eq!(d.activation_name(), "gelu");
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs: an error with its exact message, never a panic.

fn zeros(shape: &[usize]) -> ArrayD<f32> {
    ArrayD::zeros(IxDyn(shape))
}

#[test]
fn encoder_input_and_mask_errors() {
    let m = TransformerEncoderLayer::<8, 2, 16>::new(&mut Seed::new(0)).unwrap();
    let msg = |r: init::Result<ArrayD<f32>>| r.unwrap_err().to_string();
    let wrong_src = |shape: &[usize]| {
        format!(
            "TransformerEncoderLayer: src of shape {shape:?} must be [S, N, 8] or unbatched [S, 8] (d_model = 8)"
        )
    };
    for shape in [&[3, 2, 6][..], &[3, 2, 2, 8], &[8], &[], &[3, 0]] {
        assert_eq!(msg(m.forward(zeros(shape).view())), wrong_src(shape));
    }
    let bf = m.clone().batch_first(true);
    assert_eq!(
        msg(bf.forward(zeros(&[2, 3, 7]).view())),
        "TransformerEncoderLayer: src of shape [2, 3, 7] must be [N, S, 8] (batch_first) or unbatched [S, 8] (d_model = 8)"
    );

    let x = zeros(&[3, 2, 8]);
    let run = |masks: EncoderMasks<'_>| msg(m.forward_with(x.view(), &masks));
    let kpm = Array2::from_elem((2, 4), false).into_dyn();
    assert_eq!(
        run(EncoderMasks::new().src_key_padding_mask(AttnMask::Bool(kpm.view()))),
        "TransformerEncoderLayer: src_key_padding_mask of shape [2, 4] must be [N, S] = [2, 3]"
    );
    let unbatched = m.forward_with(
        zeros(&[3, 8]).view(),
        &EncoderMasks::new().src_key_padding_mask(AttnMask::Bool(pad().view())),
    );
    assert_eq!(
        msg(unbatched),
        "TransformerEncoderLayer: src_key_padding_mask of shape [2, 3] must be [N, S] = [3] for unbatched inputs ([S])"
    );
    let mask = zeros(&[3, 4]);
    assert_eq!(
        run(EncoderMasks::new().src_mask(AttnMask::Float(mask.view()))),
        "TransformerEncoderLayer: src_mask of shape [3, 4] must be [L, S] = [3, 3] or [N * num_heads, L, S] = [4, 3, 3]"
    );
    // is_causal with a src_mask that is not the causal one (PyTorch would silently use
    // either), or not [S, S].
    let not_causal = causal_bool(3, 3).t().to_owned();
    let per_head = ArrayD::from_elem(IxDyn(&[4, 3, 3]), false);
    for (bad, shape) in [(not_causal.view(), "[3, 3]"), (per_head.view(), "[4, 3, 3]")] {
        assert_eq!(
            run(EncoderMasks::new().src_mask(AttnMask::Bool(bad)).is_causal(true)),
            format!(
                "TransformerEncoderLayer: src_mask of shape {shape} must be the causal mask of shape [3, 3] (true or -inf where the key comes after the query, false or 0 elsewhere) when is_causal is set"
            )
        );
    }
}

#[test]
fn decoder_input_and_mask_errors() {
    let m = TransformerDecoderLayer::<8, 2, 16>::new(&mut Seed::new(0)).unwrap();
    let msg = |r: init::Result<ArrayD<f32>>| r.unwrap_err().to_string();
    let (tgt, memory) = (zeros(&[3, 2, 8]), zeros(&[4, 2, 8]));
    assert_eq!(
        msg(m.forward2(zeros(&[3, 2, 4]).view(), memory.view())),
        "TransformerDecoderLayer: tgt of shape [3, 2, 4] must be [T, N, 8] or unbatched [T, 8] (d_model = 8)"
    );
    assert_eq!(
        msg(m.forward2(tgt.view(), zeros(&[4, 2, 9]).view())),
        "TransformerDecoderLayer: memory of shape [4, 2, 9] must be [S, N, 8] or unbatched [S, 8] (d_model = 8)"
    );
    assert_eq!(
        msg(m.forward2(tgt.view(), zeros(&[4, 8]).view())),
        "TransformerDecoderLayer: memory of shape [4, 8] must have as many dimensions as tgt of shape [3, 2, 8]"
    );
    assert_eq!(
        msg(m.forward2(tgt.view(), zeros(&[4, 3, 8]).view())),
        "TransformerDecoderLayer: tgt of shape [3, 2, 8] and memory of shape [4, 3, 8] must have the same batch size"
    );
    let run = |masks: DecoderMasks<'_>| msg(m.forward2_with(tgt.view(), memory.view(), &masks));
    let kpm = pad(); // [2, 3]: right for tgt, wrong for the memory (S = 4)
    assert_eq!(
        run(DecoderMasks::new().memory_key_padding_mask(AttnMask::Bool(kpm.view()))),
        "TransformerDecoderLayer: memory_key_padding_mask of shape [2, 3] must be [N, S] = [2, 4]"
    );
    let mem_pad = mem_pad();
    assert_eq!(
        run(DecoderMasks::new().tgt_key_padding_mask(AttnMask::Bool(mem_pad.view()))),
        "TransformerDecoderLayer: tgt_key_padding_mask of shape [2, 4] must be [N, S] = [2, 3]"
    );
    let square = causal_bool(3, 3);
    assert_eq!(
        run(DecoderMasks::new().memory_mask(AttnMask::Bool(square.view()))),
        "TransformerDecoderLayer: memory_mask of shape [3, 3] must be [L, S] = [3, 4] or [N * num_heads, L, S] = [4, 3, 4]"
    );
    let wide = causal_bool(3, 4);
    assert_eq!(
        run(DecoderMasks::new().tgt_mask(AttnMask::Bool(wide.view()))),
        "TransformerDecoderLayer: tgt_mask of shape [3, 4] must be [L, S] = [3, 3] or [N * num_heads, L, S] = [4, 3, 3]"
    );
    assert_eq!(
        run(DecoderMasks::new().memory_mask(AttnMask::Bool(square.view())).memory_is_causal(true)),
        "TransformerDecoderLayer: memory_mask of shape [3, 3] must be the causal mask of shape [3, 4] (true or -inf where the key comes after the query, false or 0 elsewhere) when memory_is_causal is set"
    );
    let float = mem_mask().mapv(|b| if b { -1e9f32 } else { 0.0 });
    assert_eq!(
        run(DecoderMasks::new().tgt_mask(AttnMask::Float(float.view())).tgt_is_causal(true)),
        "TransformerDecoderLayer: tgt_mask of shape [3, 4] must be the causal mask of shape [3, 3] (true or -inf where the key comes after the query, false or 0 elsewhere) when tgt_is_causal is set"
    );
}

#[test]
fn empty_sequences_and_batches_give_empty_outputs() {
    // PyTorch returns empty outputs for these (and, for an empty memory, finite values: see
    // decoder_relu_post_norm_matches_pytorch); so do these layers, with every mask form.
    let enc = TransformerEncoderLayer::<8, 2, 16>::new(&mut Seed::new(1)).unwrap();
    let dec = TransformerDecoderLayer::<8, 2, 16>::new(&mut Seed::new(1)).unwrap();
    let no_keys = ArrayD::<bool>::from_elem(IxDyn(&[2, 0]), false);
    for shape in [&[0, 2, 8][..], &[3, 0, 8], &[0, 8]] {
        let x = zeros(shape);
        let masks = EncoderMasks::new().is_causal(true);
        assert_eq!(enc.forward_with(x.view(), &masks).unwrap().shape(), shape);
        assert_eq!(dec.forward2(x.view(), x.view()).unwrap().shape(), shape);
    }
    let x = zeros(&[0, 2, 8]);
    let masks = EncoderMasks::new().src_key_padding_mask(AttnMask::Bool(no_keys.view()));
    assert_eq!(enc.forward_with(x.view(), &masks).unwrap().shape(), &[0, 2, 8]);
    let masks = DecoderMasks::new().tgt_is_causal(true).memory_is_causal(true);
    let out = dec.forward2_with(zeros(&[3, 2, 8]).view(), x.view(), &masks).unwrap();
    assert_eq!(out.shape(), &[3, 2, 8]);
    assert!(out.iter().all(|v| v.is_finite()));
}

// ---------------------------------------------------------------------------------------------
// In a derived model.

/// A stack of two encoder layers, PyTorch's `nn.ModuleList([TransformerEncoderLayer(8, 2,
/// dim_feedforward=16) for _ in range(2)])` under `layers`.
#[derive(init::Module)]
struct Stack {
    layers: [TransformerEncoderLayer<8, 2, 16>; 2],
}

/// The same, with GPT-2-style struct rules: every Linear (the feed-forward layers and
/// `self_attn.out_proj`) N(0, 0.02), every bias zero.
#[derive(init::Module)]
#[init(Linear = normal(std = 0.02), "*.bias" = zeros)]
struct RuledStack {
    layers: [TransformerEncoderLayer<8, 2, 16>; 2],
}

#[test]
fn a_derived_stack_draws_in_pytorch_order_and_takes_struct_rules() {
    // Without rules, the first layer takes the first draws: the fixture's values.
    let fx = common::Fixture::load("transformer_enc");
    let stack = Stack::new(&mut torch_rng(&fx)).unwrap();
    fx.assert_state_eq(&stack.layers[0], "init");
    assert_ne!(stack.layers[0], stack.layers[1]);
    assert_eq!(stack.named_parameters()[12].0, "layers.1.self_attn.in_proj_weight");

    let ruled = RuledStack::new(&mut Seed::new(3)).unwrap();
    let origin = |path: &str| ruled.get_parameter(path).unwrap().origin().map(str::to_owned);
    let by_kind = Some("normal(std = 0.02) by #[init(Linear = ...)] on RuledStack".to_owned());
    for path in ["layers.0.linear1.weight", "layers.1.self_attn.out_proj.weight"] {
        assert_eq!(origin(path), by_kind, "{path}");
    }
    // The glob matches `out_proj.bias` (over MultiheadAttention's own zero default), not
    // `in_proj_bias`, whose name does not end in `.bias`.
    let by_glob = Some("zeros by #[init(\"*.bias\" = ...)] on RuledStack".to_owned());
    assert_eq!(origin("layers.1.self_attn.out_proj.bias"), by_glob);
    assert_eq!(origin("layers.1.linear1.bias"), by_glob);
    assert_eq!(
        origin("layers.1.self_attn.in_proj_bias").as_deref(),
        Some("default: MultiheadAttention")
    );
    // Not a Linear: MultiheadAttention's own default, xavier_uniform, keyed by its path.
    let mut w = init::Param::zeros(&[24, 8]);
    xavier_uniform().fill(w.at("layers.0.self_attn.in_proj_weight"), &mut Seed::new(3)).unwrap();
    assert_eq!(ruled.layers[0].self_attn().in_proj_weight().unwrap().as_slice(), w.as_slice());
    let std = {
        let w = ruled.layers[1].linear2().weight().unwrap().as_slice();
        (w.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / w.len() as f64).sqrt()
    };
    // 128 draws of N(0, 0.02): the sample std is within 25% (about 3.5 standard errors).
    assert!((0.015..0.025).contains(&std), "std {std}");
}
