//! Normalization layers and Embedding against PyTorch: default init bit for bit, names,
//! eval and train forward passes, running statistics, init statistics and error messages.

mod common;

use common::{Fixture, Names, assert_close};
use init::ndarray::{ArrayD, Axis, IxDyn};
use init::{
    BatchNorm1d, BatchNorm2d, BufferData, Embedding, Forward, GroupNorm, LayerNorm, Module, Seed,
    TorchGenerator,
};

fn seed(fx: &Fixture) -> u64 {
    fx.meta["seed"].parse().unwrap()
}

/// The train-mode step of the two BatchNorm layers, for [`check_batch_norm`].
trait TrainStep: Module + Forward {
    fn train_step(&mut self, x: &ArrayD<f32>) -> ArrayD<f32>;
}

impl<const C: usize> TrainStep for BatchNorm1d<C> {
    fn train_step(&mut self, x: &ArrayD<f32>) -> ArrayD<f32> {
        self.forward_train(x.view()).unwrap()
    }
}

impl<const C: usize> TrainStep for BatchNorm2d<C> {
    fn train_step(&mut self, x: &ArrayD<f32>) -> ArrayD<f32> {
        self.forward_train(x.view()).unwrap()
    }
}

/// Default init bit for bit and names; eval forward on `param.*`; then one train step from
/// `param.*`: its output and the buffers after it.
fn check_batch_norm(case: &str, m: &mut dyn TrainStep) {
    let fx = Fixture::load(case);
    fx.assert_state_eq(m.as_module(), "init");
    Names::load(case).assert_match(m.as_module_mut());

    fx.load_into(m.as_module_mut(), "param");
    let x = fx.f32("input");
    assert_close(&m.forward(x.view()).unwrap(), &fx.f32("output"), case);

    let y = m.train_step(&x);
    assert_close(&y, &fx.f32("train.output"), &format!("{case} train.output"));
    for (name, b) in m.named_buffers() {
        let key = format!("train.{name}");
        match b.data() {
            BufferData::F32(a) => {
                let want = fx.f32(&key);
                assert_close(a, &want, &key);
                let ulps = a.iter().zip(&want).map(|(x, y)| x.to_bits().abs_diff(y.to_bits()));
                eprintln!("{case} {key}: max {} ulp from PyTorch", ulps.max().unwrap_or(0));
            }
            BufferData::I64(a) => assert_eq!(a, &fx.i64(&key), "{key}"),
        }
    }
    // A train step changes no parameter.
    for (name, p) in m.named_parameters() {
        assert_eq!(p.view(), fx.f32(&format!("param.{name}")), "{case}: {name}");
    }
}

#[test]
fn batchnorm1d_matches_pytorch() {
    let fx = Fixture::load("batchnorm1d");
    let mut bn = BatchNorm1d::<6>::zeroed();
    bn.reset_parameters("", &mut TorchGenerator::new(seed(&fx))).unwrap();
    assert_eq!(bn, BatchNorm1d::<6>::new());
    check_batch_norm("batchnorm1d", &mut bn);
}

#[test]
fn batchnorm1d_3d_matches_pytorch() {
    check_batch_norm("batchnorm1d_3d", &mut BatchNorm1d::<4>::new());
}

#[test]
fn batchnorm2d_matches_pytorch() {
    check_batch_norm("batchnorm2d", &mut BatchNorm2d::<3>::new());
}

#[test]
fn layernorm_matches_pytorch() {
    let fx = Fixture::load("layernorm");
    let mut ln = LayerNorm::<4, 5>::zeroed();
    ln.reset_parameters("", &mut TorchGenerator::new(seed(&fx))).unwrap();
    fx.assert_state_eq(&ln, "init");
    Names::load("layernorm").assert_match(&mut ln);
    fx.load_into(&mut ln, "param");
    let y = ln.forward(fx.f32("input").view()).unwrap();
    assert_close(&y, &fx.f32("output"), "layernorm");
}

#[test]
fn groupnorm_matches_pytorch() {
    let fx = Fixture::load("groupnorm");
    let mut gn = GroupNorm::<2, 6>::zeroed();
    gn.reset_parameters("", &mut TorchGenerator::new(seed(&fx))).unwrap();
    fx.assert_state_eq(&gn, "init");
    Names::load("groupnorm").assert_match(&mut gn);
    fx.load_into(&mut gn, "param");
    let y = gn.forward(fx.f32("input").view()).unwrap();
    assert_close(&y, &fx.f32("output"), "groupnorm");
}

#[test]
fn embedding_matches_pytorch() {
    let fx = Fixture::load("embedding");
    assert_eq!(fx.meta["ctor"], "nn.Embedding(10, 4, padding_idx=2)");
    let mut g = TorchGenerator::new(seed(&fx));
    let mut emb = Embedding::<10, 4>::new(&mut g).unwrap().with_padding_idx(2).unwrap();
    fx.assert_state_eq(&emb, "init");
    // The builder order does not matter: padding first, then the init, gives the same bits.
    let mut other = Embedding::<10, 4>::zeroed().with_padding_idx(-8).unwrap();
    other.reset_parameters("", &mut TorchGenerator::new(seed(&fx))).unwrap();
    assert_eq!(other, emb);
    Names::load("embedding").assert_match(&mut emb);
    fx.load_into(&mut emb, "param");
    let y = emb.lookup(fx.i64("input").view()).unwrap();
    assert_eq!(y.shape(), &[3, 5, 4]);
    assert_close(&y, &fx.f32("output"), "embedding");
}

/// Default-init statistics with `Seed`: `Embedding` is N(0, 1) (std 1, mean 0) except its
/// padding row (exactly 0); the norm layers are exact constants.
#[test]
fn default_init_statistics() {
    let mut rng = Seed::new(0);
    let emb = Embedding::<1000, 64>::zeroed().with_padding_idx(-1).unwrap();
    let mut emb = emb;
    emb.reset_parameters("emb", &mut rng).unwrap();
    let w = emb.weight().unwrap().view().into_owned();
    assert!(w.row_slice(999).iter().all(|&v| v == 0.0), "padding row");
    let drawn: Vec<f64> = w.as_slice().unwrap()[..999 * 64].iter().map(|&v| f64::from(v)).collect();
    let n = drawn.len() as f64;
    let mean = drawn.iter().sum::<f64>() / n;
    let std = (drawn.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    // PyTorch's formula: normal_(weight, 0, 1), so std 1 and mean 0 (standard error 1/√63936).
    assert!((std - 1.0).abs() < 0.02, "std {std}");
    assert!(mean.abs() < 0.02, "mean {mean}");
    eprintln!("Embedding<1000, 64> N(0, 1): std {std:.5}, mean {mean:.5}");

    // Norm layers: weight ones, bias zeros, running_mean 0, running_var 1, count 0, exactly.
    let bn = BatchNorm2d::<64>::new();
    assert_eq!(bn.weight().unwrap().as_slice(), &[1.0; 64]);
    assert_eq!(bn.bias().unwrap().as_slice(), &[0.0; 64]);
    assert_eq!(bn.running_mean(), &[0.0; 64]);
    assert_eq!(bn.running_var(), &[1.0; 64]);
    assert_eq!(bn.num_batches_tracked(), 0);
    let bn1 = BatchNorm1d::<32>::new();
    assert_eq!(bn1.weight().unwrap().as_slice(), &[1.0; 32]);
    assert_eq!(bn1.bias().unwrap().as_slice(), &[0.0; 32]);
    let ln = LayerNorm::<768>::new();
    assert_eq!(ln.weight().unwrap().as_slice(), &[1.0; 768]);
    assert_eq!(ln.bias().unwrap().as_slice(), &[0.0; 768]);
    let gn = GroupNorm::<8, 64>::new();
    assert_eq!(gn.weight().unwrap().as_slice(), &[1.0; 64]);
    assert_eq!(gn.bias().unwrap().as_slice(), &[0.0; 64]);
}

trait RowSlice {
    fn row_slice(&self, r: usize) -> Vec<f32>;
}

impl RowSlice for ArrayD<f32> {
    fn row_slice(&self, r: usize) -> Vec<f32> {
        self.index_axis(Axis(0), r).iter().copied().collect()
    }
}

#[test]
fn batch_norm_train_updates_running_stats_like_pytorch() {
    // momentum = None: cumulative average over the batches seen.
    let mut bn = BatchNorm1d::<1>::new().with_momentum(None).unwrap();
    for (k, batch) in [[1.0f32, 3.0], [5.0, 7.0], [0.0, 0.0]].iter().enumerate() {
        let x = ArrayD::from_shape_vec(IxDyn(&[2, 1]), batch.to_vec()).unwrap();
        bn.forward_train(x.view()).unwrap();
        assert_eq!(bn.num_batches_tracked(), k as i64 + 1);
    }
    // Means 2, 6, 0: the running mean is their average from 0: ((0 + 2)/2 ...) as PyTorch:
    // factor 1/1, 1/2, 1/3 → 2, 4, 8/3.
    assert!((bn.running_mean()[0] - 8.0 / 3.0).abs() < 1e-6, "{:?}", bn.running_mean());
    // Unbiased variances 2, 2, 0 → 2, 2, 4/3.
    assert!((bn.running_var()[0] - 4.0 / 3.0).abs() < 1e-6, "{:?}", bn.running_var());
    bn.reset_running_stats();
    assert_eq!(
        (bn.running_mean(), bn.running_var(), bn.num_batches_tracked()),
        (&[0.0][..], &[1.0][..], 0)
    );
}

#[test]
fn wrong_inputs_and_configurations_are_errors() {
    let mut bn1 = BatchNorm1d::<6>::new();
    let err = bn1.forward(ArrayD::zeros(IxDyn(&[8, 5])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BatchNorm1d: input of shape [8, 5] must be [N, C] or [N, C, L] with C = 6 (num_features)"
    );
    let err = bn1.forward_train(ArrayD::zeros(IxDyn(&[2, 6, 3, 3])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BatchNorm1d: input of shape [2, 6, 3, 3] must be [N, C] or [N, C, L] with C = 6 (num_features)"
    );
    let before = bn1.clone();
    let err = bn1.forward_train(ArrayD::zeros(IxDyn(&[1, 6])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BatchNorm1d: expected more than 1 value per channel when training, got input of shape [1, 6]"
    );
    assert_eq!(bn1, before, "a failed train step changes nothing");
    // One sample with L = 2 is two values per channel: allowed, as in PyTorch.
    bn1.forward_train(ArrayD::zeros(IxDyn(&[1, 6, 2])).view()).unwrap();

    let mut bn2 = BatchNorm2d::<3>::new();
    let err = bn2.forward(ArrayD::zeros(IxDyn(&[4, 3, 5])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BatchNorm2d: input of shape [4, 3, 5] must be [N, C, H, W] with C = 3 (num_features)"
    );
    let err = bn2.forward_train(ArrayD::zeros(IxDyn(&[1, 3, 1, 1])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BatchNorm2d: expected more than 1 value per channel when training, got input of shape [1, 3, 1, 1]"
    );
    let err = BatchNorm2d::<3>::new().with_momentum(Some(1.5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BatchNorm2d: momentum must be in [0, 1] (or None for a cumulative average), got 1.5"
    );
    let err = BatchNorm2d::<3>::new().with_eps(f64::NAN).unwrap_err();
    assert_eq!(err.to_string(), "BatchNorm2d: eps must be finite and >= 0, got NaN");

    let ln = LayerNorm::<4, 5>::new();
    let err = ln.forward(ArrayD::zeros(IxDyn(&[3, 4, 6])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "LayerNorm: input of shape [3, 4, 6] must end with the normalized shape [4, 5]"
    );
    let err = ln.forward(ArrayD::zeros(IxDyn(&[5])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "LayerNorm: input of shape [5] must end with the normalized shape [4, 5]"
    );
    let err = LayerNorm::<8>::new().with_eps(-1.0).unwrap_err();
    assert_eq!(err.to_string(), "LayerNorm: eps must be finite and >= 0, got -1.0");

    let gn = GroupNorm::<2, 6>::new();
    let err = gn.forward(ArrayD::zeros(IxDyn(&[6])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "GroupNorm: input of shape [6] must be [N, C, *] with C = 6 (num_channels)"
    );

    let emb = Embedding::<10, 4>::zeroed();
    let idx = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![0i64, 1, -1, 3]).unwrap();
    let err = emb.lookup(idx.view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Embedding: index -1 at position [1, 0] is out of range 0..10 (num_embeddings = 10)"
    );
    let err = Embedding::<10, 4>::zeroed().with_padding_idx(10).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Embedding: padding_idx 10 is out of range for num_embeddings = 10 (must be in -10..10)"
    );
    assert_eq!(Embedding::<10, 4>::zeroed().with_padding_idx(-10).unwrap().padding_idx(), Some(0));
}

#[test]
fn layouts_and_edge_shapes() {
    // A non-contiguous input (a transposed view) gives the same result as its copy.
    let ln = LayerNorm::<3>::new();
    let x = ArrayD::from_shape_vec(IxDyn(&[3, 2]), vec![1.0f32, 4.0, 2.0, 8.0, 6.0, 0.5]).unwrap();
    let t = x.t();
    assert_eq!(ln.forward(t.view()).unwrap(), ln.forward(t.as_standard_layout().view()).unwrap());
    // Empty batches are fine in eval mode.
    let y = BatchNorm2d::<3>::new().forward(ArrayD::zeros(IxDyn(&[0, 3, 2, 2])).view()).unwrap();
    assert_eq!(y.shape(), &[0, 3, 2, 2]);
    let y = GroupNorm::<3, 6>::new().forward(ArrayD::zeros(IxDyn(&[2, 6])).view()).unwrap();
    assert_eq!(y.shape(), &[2, 6]);
    // LayerNorm over 3 axes; without bias; without affine.
    let ln3 = LayerNorm::<2, 3, 4>::new().without_bias();
    let names: Vec<String> = ln3.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["weight"]);
    let x =
        ArrayD::from_shape_fn(IxDyn(&[5, 2, 3, 4]), |d| (d[0] * 7 + d[1] * 3 + d[2] * d[3]) as f32);
    let y = ln3.forward(x.view()).unwrap();
    for sample in y.outer_iter() {
        let mean: f32 = sample.sum() / 24.0;
        let var: f32 = sample.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 24.0;
        assert!(mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-3, "mean {mean} var {var}");
    }
    assert_eq!(LayerNorm::<2, 3, 4>::NORMALIZED_SHAPE, &[2, 3, 4]);
    // Embedding of a 0-d index and of an empty index tensor.
    let emb = Embedding::<3, 2>::new(&mut Seed::new(1)).unwrap();
    let y = emb.lookup(ArrayD::from_elem(IxDyn(&[]), 2i64).view()).unwrap();
    assert_eq!(y.shape(), &[2]);
    assert_eq!(y.as_slice().unwrap(), &emb.weight().unwrap().as_slice()[4..6]);
    let y = emb.lookup(ArrayD::<i64>::zeros(IxDyn(&[4, 0])).view()).unwrap();
    assert_eq!(y.shape(), &[4, 0, 2]);
}
