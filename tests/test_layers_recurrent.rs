//! LSTM and GRU against PyTorch: default init bit for bit, names, forward passes with and
//! without initial state, batch-first and unbatched layouts, init statistics, error messages.

mod common;

use common::{Fixture, Names, assert_close};
use init::ndarray::{ArrayD, Axis};
use init::{Forward, GRU, LSTM, Module, Seed, TorchGenerator};

fn seed(fx: &Fixture) -> u64 {
    fx.meta["seed"].parse().unwrap()
}

#[test]
fn lstm_matches_pytorch_with_initial_state() {
    // nn.LSTM(4, 5); output, (h_n, c_n) = model(input, (h0, c0))
    let fx = Fixture::load("lstm");
    let mut m = LSTM::<4, 5>::new(&mut TorchGenerator::new(seed(&fx))).unwrap();
    fx.assert_state_eq(&m, "init");
    Names::load("lstm").assert_match(&mut m);
    fx.load_into(&mut m, "param");
    let (x, h0, c0) = (fx.f32("input"), fx.f32("input.1"), fx.f32("input.2"));
    let (y, (h_n, c_n)) = m.forward_with_state(x.view(), Some((h0.view(), c0.view()))).unwrap();
    assert_close(&y, &fx.f32("output"), "lstm output");
    assert_close(&h_n, &fx.f32("output.1"), "lstm h_n");
    assert_close(&c_n, &fx.f32("output.2"), "lstm c_n");
}

#[test]
fn lstm_two_layer_bidirectional_matches_pytorch() {
    // nn.LSTM(4, 5, num_layers=2, bidirectional=True); output, (h_n, c_n) = model(input)
    let fx = Fixture::load("lstm_bi2");
    let mut m = LSTM::<4, 5, 2, true>::new(&mut TorchGenerator::new(seed(&fx))).unwrap();
    fx.assert_state_eq(&m, "init");
    Names::load("lstm_bi2").assert_match(&mut m);
    fx.load_into(&mut m, "param");
    let x = fx.f32("input");
    let (y, (h_n, c_n)) = m.forward_with_state(x.view(), None).unwrap();
    assert_close(&y, &fx.f32("output"), "lstm_bi2 output");
    assert_close(&h_n, &fx.f32("output.1"), "lstm_bi2 h_n");
    assert_close(&c_n, &fx.f32("output.2"), "lstm_bi2 c_n");
    assert_close(&m.forward(x.view()).unwrap(), &fx.f32("output"), "lstm_bi2 Forward");
}

#[test]
fn gru_matches_pytorch_with_initial_state() {
    // nn.GRU(3, 4); output, h_n = model(input, h0)
    let fx = Fixture::load("gru");
    let mut m = GRU::<3, 4>::new(&mut TorchGenerator::new(seed(&fx))).unwrap();
    fx.assert_state_eq(&m, "init");
    Names::load("gru").assert_match(&mut m);
    fx.load_into(&mut m, "param");
    let (x, h0) = (fx.f32("input"), fx.f32("input.1"));
    let (y, h_n) = m.forward_with_state(x.view(), Some(h0.view())).unwrap();
    assert_close(&y, &fx.f32("output"), "gru output");
    assert_close(&h_n, &fx.f32("output.1"), "gru h_n");
}

#[test]
fn gru_two_layer_bidirectional_matches_pytorch() {
    // nn.GRU(4, 5, num_layers=2, bidirectional=True); output, h_n = model(input)
    let fx = Fixture::load("gru_bi2");
    let mut m = GRU::<4, 5, 2, true>::new(&mut TorchGenerator::new(seed(&fx))).unwrap();
    fx.assert_state_eq(&m, "init");
    Names::load("gru_bi2").assert_match(&mut m);
    fx.load_into(&mut m, "param");
    let x = fx.f32("input");
    let (y, h_n) = m.forward_with_state(x.view(), None).unwrap();
    assert_close(&y, &fx.f32("output"), "gru_bi2 output");
    assert_close(&h_n, &fx.f32("output.1"), "gru_bi2 h_n");
    assert_close(&m.forward(x.view()).unwrap(), &fx.f32("output"), "gru_bi2 Forward");
}

/// `[T, N, F]` <-> `[N, T, F]`, as an owned standard-layout array.
fn swap01(a: &ArrayD<f32>) -> ArrayD<f32> {
    let mut axes: Vec<usize> = (0..a.ndim()).collect();
    axes.swap(0, 1);
    a.view().permuted_axes(axes).as_standard_layout().into_owned()
}

#[test]
fn batch_first_permutes_input_and_output_only() {
    let fx = Fixture::load("lstm_bi2");
    let mut m = LSTM::<4, 5, 2, true>::zeroed().batch_first(true);
    assert!(m.is_batch_first());
    fx.load_into(&mut m, "param");
    let x = swap01(&fx.f32("input"));
    let (y, (h_n, c_n)) = m.forward_with_state(x.view(), None).unwrap();
    assert_close(&y, &swap01(&fx.f32("output")), "lstm_bi2 batch_first output");
    // The states keep [LAYERS * num_directions, batch, HIDDEN], as in PyTorch.
    assert_close(&h_n, &fx.f32("output.1"), "lstm_bi2 batch_first h_n");
    assert_close(&c_n, &fx.f32("output.2"), "lstm_bi2 batch_first c_n");

    let fx = Fixture::load("gru");
    let mut m = GRU::<3, 4>::zeroed().batch_first(true);
    fx.load_into(&mut m, "param");
    let (x, h0) = (swap01(&fx.f32("input")), fx.f32("input.1"));
    let (y, h_n) = m.forward_with_state(x.view(), Some(h0.view())).unwrap();
    assert_close(&y, &swap01(&fx.f32("output")), "gru batch_first output");
    assert_close(&h_n, &fx.f32("output.1"), "gru batch_first h_n");
    assert!(!GRU::<3, 4>::zeroed().is_batch_first());
}

#[test]
fn unbatched_input_is_one_batch_element() {
    let fx = Fixture::load("lstm");
    let mut m = LSTM::<4, 5>::zeroed();
    fx.load_into(&mut m, "param");
    let (x, h0, c0) = (fx.f32("input"), fx.f32("input.1"), fx.f32("input.2"));
    for b in 0..x.shape()[1] {
        let pick = |a: &ArrayD<f32>| a.index_axis(Axis(1), b).to_owned();
        let state = Some((pick(&h0), pick(&c0)));
        let (y, (h_n, c_n)) = m
            .forward_with_state(pick(&x).view(), state.as_ref().map(|(h, c)| (h.view(), c.view())))
            .unwrap();
        assert_close(&y, &pick(&fx.f32("output")), "lstm unbatched output");
        assert_close(&h_n, &pick(&fx.f32("output.1")), "lstm unbatched h_n");
        assert_close(&c_n, &pick(&fx.f32("output.2")), "lstm unbatched c_n");
    }

    let fx = Fixture::load("gru_bi2");
    let mut m = GRU::<4, 5, 2, true>::zeroed();
    fx.load_into(&mut m, "param");
    let x = fx.f32("input");
    let pick = |a: &ArrayD<f32>| a.index_axis(Axis(1), 2).to_owned();
    let (y, h_n) = m.forward_with_state(pick(&x).view(), None).unwrap();
    assert_close(&y, &pick(&fx.f32("output")), "gru_bi2 unbatched output");
    assert_close(&h_n, &pick(&fx.f32("output.1")), "gru_bi2 unbatched h_n");
    // batch_first does not apply to an unbatched [seq_len, IN] input.
    let y_bf = m.clone().batch_first(true).forward(pick(&x).view()).unwrap();
    assert_eq!(y_bf, y);
}

#[test]
fn no_bias_equals_zero_bias() {
    let fx = Fixture::load("gru_bi2");
    let mut with_bias = GRU::<4, 5, 2, true>::zeroed();
    fx.load_into(&mut with_bias, "param");
    let mut no_bias = GRU::<4, 5, 2, true, false>::zeroed();
    let names: Vec<String> = no_bias.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "weight_ih_l0",
            "weight_hh_l0",
            "weight_ih_l0_reverse",
            "weight_hh_l0_reverse",
            "weight_ih_l1",
            "weight_hh_l1",
            "weight_ih_l1_reverse",
            "weight_hh_l1_reverse"
        ]
    );
    for (name, mut p) in no_bias.named_parameters_mut() {
        p.copy_from(&fx.f32(&format!("param.{name}")).view()).unwrap();
    }
    for (name, mut p) in with_bias.named_parameters_mut() {
        if name.starts_with("bias") {
            init::zeros().fill(&mut p).unwrap();
        }
    }
    let x = fx.f32("input");
    assert_close(
        &no_bias.forward(x.view()).unwrap(),
        &with_bias.forward(x.view()).unwrap(),
        "GRU without bias",
    );

    let lstm = LSTM::<4, 5, 1, false, false>::new(&mut Seed::new(3)).unwrap();
    assert_eq!(lstm.parameters().len(), 2);
    let mut lstm_b = LSTM::<4, 5>::zeroed();
    for (name, mut p) in lstm_b.named_parameters_mut() {
        if let Some(src) = lstm.get_parameter(&name) {
            p.copy_from(&src.view()).unwrap();
        }
    }
    let x = fx.f32("input");
    assert_close(
        &lstm.forward(x.view()).unwrap(),
        &lstm_b.forward(x.view()).unwrap(),
        "LSTM without bias",
    );
}

/// The observed max |w| and standard deviation of a parameter.
fn stats(values: &[f32]) -> (f64, f64) {
    let n = values.len() as f64;
    let max = values.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    (max, var.sqrt())
}

/// PyTorch's RNN default init: every parameter ~ U(−b, b) with b = 1/√hidden_size, so
/// max |w| → b and std = b/√3.
fn check_rnn_statistics(m: &dyn Module, hidden: usize, expected_params: usize) {
    let bound = 1.0 / (hidden as f64).sqrt();
    let params = m.named_parameters();
    assert_eq!(params.len(), expected_params);
    for (name, p) in params {
        let (max, std) = stats(p.as_slice());
        assert!(max <= bound, "{name}: max |w| = {max} > {bound}");
        assert!(max >= 0.99 * bound, "{name}: max |w| = {max} not within 1% of {bound}");
        if p.numel() >= 10_000 {
            let want = bound / 3f64.sqrt();
            assert!((std / want - 1.0).abs() < 0.02, "{name}: std {std} vs {want}");
        }
    }
}

#[test]
fn default_init_statistics() {
    // LSTM<64, 256, 2, true> and GRU<64, 256, 2, true>: 16 parameters each, bound
    // b = 1/√256 = 0.0625, std b/√3 = 0.036084. Observed with Seed(0) (--nocapture prints
    // them): weights max |w| 0.062498..0.062500, std 0.035935..0.036209; biases (768 or 1024
    // elements) max |w| 0.062306..0.062489, i.e. within 0.32% of b.
    let lstm = LSTM::<64, 256, 2, true>::new(&mut Seed::new(0)).unwrap();
    check_rnn_statistics(&lstm, 256, 16);
    let gru = GRU::<64, 256, 2, true>::new(&mut Seed::new(0)).unwrap();
    check_rnn_statistics(&gru, 256, 16);
    for (name, p) in lstm.named_parameters().iter().chain(&gru.named_parameters()) {
        let (max, std) = stats(p.as_slice());
        println!("{name} {:?}: max |w| {max:.6}, std {std:.6}", p.shape());
    }
    // Layer 1 takes both directions of layer 0.
    assert_eq!(lstm.get_parameter("weight_ih_l1_reverse").unwrap().shape(), &[1024, 512]);
    assert_eq!(gru.get_parameter("weight_hh_l1").unwrap().shape(), &[768, 256]);
}

#[test]
fn reset_parameters_uses_the_prefix_for_seed_streams() {
    let mut a = LSTM::<3, 4>::zeroed();
    a.reset_parameters("enc.rnn", &mut Seed::new(5)).unwrap();
    let b = LSTM::<3, 4>::new(&mut Seed::new(5)).unwrap();
    assert_ne!(a, b);
    let mut c = LSTM::<3, 4>::zeroed();
    c.reset_parameters("enc.rnn", &mut Seed::new(5)).unwrap();
    assert_eq!(a, c);
}

fn err<T: std::fmt::Debug>(r: init::Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn wrong_shapes_are_errors() {
    let lstm = LSTM::<4, 5, 2>::zeroed();
    let z = |shape: &[usize]| ArrayD::<f32>::zeros(shape.to_vec());
    assert_eq!(
        err(lstm.forward(z(&[2, 6, 3, 4]).view())),
        "LSTM: input of shape [2, 6, 3, 4] must have 3 dimensions [seq_len, batch, input_size] or 2 dimensions [seq_len, input_size] (unbatched)"
    );
    assert_eq!(
        err(lstm.clone().batch_first(true).forward(z(&[4]).view())),
        "LSTM: input of shape [4] must have 3 dimensions [batch, seq_len, input_size] or 2 dimensions [seq_len, input_size] (unbatched)"
    );
    assert_eq!(
        err(lstm.forward(z(&[6, 3, 7]).view())),
        "LSTM: input of shape [6, 3, 7] must have last dimension 4 (input_size)"
    );
    let (h, c) = (z(&[2, 3, 5]), z(&[1, 3, 5]));
    assert_eq!(
        err(lstm.forward_with_state(z(&[6, 3, 4]).view(), Some((h.view(), c.view())))),
        "LSTM: c0 of shape [1, 3, 5] must have shape [2, 3, 5] (num_layers * num_directions, batch, hidden_size)"
    );
    assert_eq!(
        err(lstm.forward_with_state(z(&[6, 3, 4]).view(), Some((c.view(), h.view())))),
        "LSTM: h0 of shape [1, 3, 5] must have shape [2, 3, 5] (num_layers * num_directions, batch, hidden_size)"
    );
    // An unbatched input takes 2-D states.
    assert_eq!(
        err(lstm.forward_with_state(z(&[6, 4]).view(), Some((h.view(), h.view())))),
        "LSTM: h0 of shape [2, 3, 5] must have shape [2, 5] (num_layers * num_directions, hidden_size) for an unbatched input"
    );
    // batch_first: the batch is axis 0 of the input, the states stay [L*D, N, H].
    let bf = LSTM::<4, 5, 2>::zeroed().batch_first(true);
    let good = z(&[2, 6, 5]);
    let (y, (h_n, _)) =
        bf.forward_with_state(z(&[6, 3, 4]).view(), Some((good.view(), good.view()))).unwrap();
    assert_eq!((y.shape(), h_n.shape()), (&[6, 3, 5][..], &[2, 6, 5][..]));
    assert_eq!(
        err(bf.forward_with_state(z(&[6, 3, 4]).view(), Some((h.view(), h.view())))),
        "LSTM: h0 of shape [2, 3, 5] must have shape [2, 6, 5] (num_layers * num_directions, batch, hidden_size)"
    );

    let gru = GRU::<3, 4, 1, true>::zeroed();
    assert_eq!(
        err(gru.forward(z(&[5, 2, 2]).view())),
        "GRU: input of shape [5, 2, 2] must have last dimension 3 (input_size)"
    );
    assert_eq!(
        err(gru.forward_with_state(z(&[5, 2, 3]).view(), Some(z(&[1, 2, 4]).view()))),
        "GRU: h0 of shape [1, 2, 4] must have shape [2, 2, 4] (num_layers * num_directions, batch, hidden_size)"
    );
    assert_eq!(
        err(gru.forward(z(&[]).view())),
        "GRU: input of shape [] must have 3 dimensions [seq_len, batch, input_size] or 2 dimensions [seq_len, input_size] (unbatched)"
    );
}

/// One LSTM step by hand on a 1×1 cell (gate rows i, f, g, o).
#[test]
fn lstm_single_step_matches_the_formula() {
    let mut m = LSTM::<1, 1>::zeroed();
    let values: [&[f32]; 4] = [
        &[0.1, 0.2, 0.3, 0.4],
        &[0.5, 0.6, 0.7, 0.8],
        &[0.01, 0.02, 0.03, 0.04],
        &[0.05, 0.06, 0.07, 0.08],
    ];
    for ((_, mut p), v) in m.named_parameters_mut().into_iter().zip(values) {
        p.as_slice_mut().copy_from_slice(v);
    }
    let x = ArrayD::from_elem(vec![1, 1, 1], 2.0f32);
    let h0 = ArrayD::from_elem(vec![1, 1, 1], 0.5f32);
    let c0 = ArrayD::from_elem(vec![1, 1, 1], -0.3f32);
    let (y, (h_n, c_n)) = m.forward_with_state(x.view(), Some((h0.view(), c0.view()))).unwrap();
    let s = |v: f64| 1.0 / (1.0 + (-v).exp());
    let pre = |wi: f64, wh: f64, bi: f64, bh: f64| wi * 2.0 + bi + wh * 0.5 + bh;
    let i = s(pre(0.1, 0.5, 0.01, 0.05));
    let f = s(pre(0.2, 0.6, 0.02, 0.06));
    let g = pre(0.3, 0.7, 0.03, 0.07).tanh();
    let o = s(pre(0.4, 0.8, 0.04, 0.08));
    let c = f * -0.3 + i * g;
    let h = o * c.tanh();
    assert!((f64::from(c_n[[0, 0, 0]]) - c).abs() < 1e-6);
    assert!((f64::from(h_n[[0, 0, 0]]) - h).abs() < 1e-6);
    assert_eq!(y[[0, 0, 0]], h_n[[0, 0, 0]]);
}

/// One GRU step by hand (gate rows r, z, n): the reset gate multiplies `W_hn h + b_hn`.
#[test]
fn gru_single_step_matches_the_formula() {
    let mut m = GRU::<1, 1>::zeroed();
    let values: [&[f32]; 4] =
        [&[0.1, 0.2, 0.3], &[0.5, 0.6, 0.7], &[0.01, 0.02, 0.03], &[0.05, 0.06, 0.07]];
    for ((_, mut p), v) in m.named_parameters_mut().into_iter().zip(values) {
        p.as_slice_mut().copy_from_slice(v);
    }
    let x = ArrayD::from_elem(vec![1, 1, 1], 2.0f32);
    let h0 = ArrayD::from_elem(vec![1, 1, 1], 0.5f32);
    let (y, h_n) = m.forward_with_state(x.view(), Some(h0.view())).unwrap();
    let s = |v: f64| 1.0 / (1.0 + (-v).exp());
    let r = s(0.1 * 2.0 + 0.01 + 0.5 * 0.5 + 0.05);
    let z = s(0.2 * 2.0 + 0.02 + 0.6 * 0.5 + 0.06);
    let n = (0.3 * 2.0 + 0.03 + r * (0.7 * 0.5 + 0.07)).tanh();
    let want = (1.0 - z) * n + z * 0.5;
    assert!((f64::from(h_n[[0, 0, 0]]) - want).abs() < 1e-6);
    assert_eq!(y[[0, 0, 0]], h_n[[0, 0, 0]]);
}

/// Zero-length sequences, an empty batch and zero input features run without panicking.
#[test]
fn empty_sizes() {
    let z = |shape: &[usize]| ArrayD::<f32>::zeros(shape.to_vec());
    let m = LSTM::<0, 2, 2, true, false>::new(&mut Seed::new(0)).unwrap();
    let (y, (h_n, c_n)) = m.forward_with_state(z(&[3, 2, 0]).view(), None).unwrap();
    assert_eq!(
        (y.shape(), h_n.shape(), c_n.shape()),
        (&[3, 2, 4][..], &[4, 2, 2][..], &[4, 2, 2][..])
    );
    assert!(y.iter().all(|&v| v == 0.0));
    let m = GRU::<3, 2>::new(&mut Seed::new(0)).unwrap();
    let h0 = ArrayD::from_elem(vec![1, 2, 2], 0.25f32);
    let (y, h_n) = m.forward_with_state(z(&[0, 2, 3]).view(), Some(h0.view())).unwrap();
    assert_eq!((y.shape(), h_n.shape()), (&[0, 2, 2][..], &[1, 2, 2][..]));
    assert_eq!(h_n, h0);
    let (y, h_n) = m.forward_with_state(z(&[4, 0, 3]).view(), None).unwrap();
    assert_eq!((y.shape(), h_n.shape()), (&[4, 0, 2][..], &[1, 0, 2][..]));
    let y = m.clone().batch_first(true).forward(z(&[0, 4, 3]).view()).unwrap();
    assert_eq!(y.shape(), &[0, 4, 2]);
}
