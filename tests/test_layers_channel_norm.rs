//! BatchNorm3d, BatchNorm's `affine`/`track_running_stats` settings, InstanceNorm1d/2d and
//! RMSNorm against PyTorch's fixtures: default init bit for bit, names and state-dict keys,
//! eval and train forward passes, running statistics after a train step; settings and input
//! errors.

mod common;

use common::{Fixture, Names, assert_close};
use init::ndarray::{ArrayD, IxDyn};
use init::{
    BatchNorm2d, BatchNorm3d, BufferData, Forward, InstanceNorm1d, InstanceNorm2d, Module, RMSNorm,
    TorchGenerator,
};

/// A layer with a train-mode forward.
trait TrainStep: Module + Forward {
    fn train_step(&mut self, x: &ArrayD<f32>) -> init::Result<ArrayD<f32>>;
}

macro_rules! train_step {
    ($($t:ident),*) => {$(
        impl<const C: usize> TrainStep for $t<C> {
            fn train_step(&mut self, x: &ArrayD<f32>) -> init::Result<ArrayD<f32>> {
                self.forward_train(x.view())
            }
        }
    )*};
}
train_step!(BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d);

/// The fixture's constructor, default init (no draw) and names; eval forward of every input
/// from `param.*`; then, for cases with `train.output`, one train step: its output, the
/// buffers after it, and parameters unchanged.
fn check(case: &str, ctor: &str, m: &mut dyn TrainStep) {
    let fx = Fixture::load(case);
    assert_eq!(fx.meta["ctor"], ctor, "{case}");
    let seed: u64 = fx.meta["seed"].parse().unwrap();
    let mut rng = TorchGenerator::new(seed);
    m.reset_parameters("", &mut rng).unwrap();
    assert_eq!(rng.random(), TorchGenerator::new(seed).random(), "{case}: init drew numbers");
    fx.assert_state_eq(m.as_module(), "init");
    Names::load(case).assert_match(m.as_module_mut());
    fx.load_into(m.as_module_mut(), "param");
    let mut k = 0;
    while fx.has(&common::numbered("input", k)) {
        let x = fx.f32(&common::numbered("input", k));
        let y = m.forward(x.view()).unwrap();
        assert_close(&y, &fx.f32(&common::numbered("output", k)), &format!("{case} output {k}"));
        k += 1;
    }
    if !fx.has("train.output") {
        return;
    }
    let y = m.train_step(&fx.f32("input")).unwrap();
    assert_close(&y, &fx.f32("train.output"), &format!("{case} train.output"));
    for (name, b) in m.named_buffers() {
        let key = format!("train.{name}");
        match b.data() {
            BufferData::F32(a) => assert_close(a, &fx.f32(&key), &key),
            BufferData::I64(a) => assert_eq!(a, &fx.i64(&key), "{key}"),
        }
    }
    for (name, p) in m.named_parameters() {
        assert_eq!(p.view(), fx.f32(&format!("param.{name}")), "{case}: {name}");
    }
}

#[test]
fn batchnorm3d_matches_pytorch() {
    check("batchnorm3d", "nn.BatchNorm3d(3)", &mut BatchNorm3d::<3>::zeroed());
    let ctor = "nn.BatchNorm3d(2, eps=1e-3, affine=False, track_running_stats=False)";
    let mut plain = BatchNorm3d::<2>::new()
        .with_eps(1e-3)
        .unwrap()
        .without_affine()
        .without_track_running_stats();
    check("batchnorm3d_plain", ctor, &mut plain);
    assert_eq!((plain.running_mean(), plain.num_batches_tracked()), (&[][..], 0));
}

#[test]
fn batchnorm2d_without_affine_matches_pytorch() {
    let ctor = "nn.BatchNorm2d(3, affine=False, momentum=None)";
    let mut bn = BatchNorm2d::<3>::new().without_affine().with_momentum(None).unwrap();
    check("batchnorm2d_noaffine", ctor, &mut bn);
}

#[test]
fn instancenorm_matches_pytorch() {
    // No state; batched and unbatched inputs.
    check("instancenorm1d", "nn.InstanceNorm1d(3)", &mut InstanceNorm1d::<3>::new());
    // Tracked with momentum=None: PyTorch passes momentum 0, the statistics stay put.
    let ctor = "nn.InstanceNorm1d(2, track_running_stats=True, momentum=None)";
    let mut tracked =
        InstanceNorm1d::<2>::new().with_track_running_stats().with_momentum(None).unwrap();
    check("instancenorm1d_tracked", ctor, &mut tracked);
    let ctor = "nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.3)";
    let mut full = InstanceNorm2d::<3>::zeroed()
        .with_affine()
        .with_track_running_stats()
        .with_momentum(Some(0.3))
        .unwrap();
    assert!(full.affine() && full.track_running_stats());
    check("instancenorm2d", ctor, &mut full);
    let ctor = "nn.InstanceNorm2d(2, eps=1e-3, affine=True)";
    let mut affine = InstanceNorm2d::<2>::new().with_eps(1e-3).unwrap().with_affine();
    check("instancenorm2d_affine", ctor, &mut affine);
}

#[test]
fn rmsnorm_matches_pytorch() {
    for (case, ctor) in
        [("rmsnorm", "nn.RMSNorm([4, 5])"), ("rmsnorm_eps", "nn.RMSNorm(6, eps=1e-3)")]
    {
        let fx = Fixture::load(case);
        assert_eq!(fx.meta["ctor"], ctor);
        let mut m: Box<dyn init::ForwardModule> = match case {
            "rmsnorm" => Box::new(RMSNorm::<4, 5>::zeroed()),
            _ => Box::new(RMSNorm::<6>::zeroed().with_eps(1e-3).unwrap()),
        };
        m.reset_parameters("", &mut TorchGenerator::new(0)).unwrap();
        fx.assert_state_eq(m.as_module(), "init");
        Names::load(case).assert_match(m.as_module_mut());
        fx.load_into(m.as_module_mut(), "param");
        assert_close(&m.forward(fx.f32("input").view()).unwrap(), &fx.f32("output"), case);
    }
    assert_eq!(RMSNorm::<6>::new().with_eps(1e-3).unwrap().with_eps(None).unwrap().eps(), None);
}

#[test]
fn norm_settings_refuse_bad_values() {
    let msg = |e: init::InitError| e.to_string();
    assert_eq!(
        msg(BatchNorm3d::<2>::new().with_momentum(Some(-0.5)).unwrap_err()),
        "BatchNorm3d: momentum must be in [0, 1] (or None for a cumulative average), got -0.5"
    );
    assert_eq!(
        msg(InstanceNorm2d::<2>::new().with_eps(f64::INFINITY).unwrap_err()),
        "InstanceNorm2d: eps must be finite and >= 0, got inf"
    );
    assert_eq!(
        msg(InstanceNorm1d::<2>::new().with_momentum(Some(f64::NAN)).unwrap_err()),
        "InstanceNorm1d: momentum must be in [0, 1] (or None for a cumulative average), got NaN"
    );
    assert_eq!(
        msg(RMSNorm::<2>::new().with_eps(-1e-9).unwrap_err()),
        "RMSNorm: eps must be finite and >= 0, got -1e-9"
    );
}

fn err(m: &dyn Forward, shape: &[usize]) -> String {
    m.forward(ArrayD::<f32>::zeros(IxDyn(shape)).view()).unwrap_err().to_string()
}

#[test]
fn norm_input_errors_are_exact() {
    assert_eq!(
        err(&BatchNorm3d::<2>::new(), &[1, 2, 3, 4]),
        "BatchNorm3d: input of shape [1, 2, 3, 4] must be [N, C, D, H, W] with C = 2 (num_features)"
    );
    // Without running statistics eval mode needs batch statistics: more than one value.
    assert_eq!(
        err(&BatchNorm3d::<2>::new().without_track_running_stats(), &[1, 2, 1, 1, 1]),
        "BatchNorm3d: expected more than 1 value per channel when training, got input of shape [1, 2, 1, 1, 1]"
    );
    assert_eq!(
        err(&InstanceNorm1d::<3>::new(), &[2, 4, 5]),
        "InstanceNorm1d: input of shape [2, 4, 5] must be [N, C, L] or [C, L] with C = 3 (num_features)"
    );
    assert_eq!(
        err(&InstanceNorm2d::<3>::new(), &[2, 3, 1, 1]),
        "InstanceNorm2d: expected more than 1 spatial element when training, got input of shape [2, 3, 1, 1]"
    );
    assert_eq!(
        err(&RMSNorm::<4, 5>::new(), &[5, 4]),
        "RMSNorm: input of shape [5, 4] must end with the normalized shape [4, 5]"
    );
    // With running statistics an instance of one element is fine in eval mode, not in train.
    let mut tracked = InstanceNorm2d::<3>::new().with_track_running_stats();
    let one = ArrayD::<f32>::ones(IxDyn(&[2, 3, 1, 1]));
    assert_eq!(tracked.forward(one.view()).unwrap().shape(), &[2, 3, 1, 1]);
    assert!(tracked.forward_train(one.view()).is_err());
    assert_eq!(tracked.running_mean(), &[0.0; 3], "unchanged after the error");
    // Empty batches give empty outputs.
    let y = InstanceNorm1d::<3>::new().forward(ArrayD::zeros(IxDyn(&[0, 3, 4])).view()).unwrap();
    assert_eq!(y.shape(), &[0, 3, 4]);
    let y = RMSNorm::<4>::new().forward(ArrayD::zeros(IxDyn(&[0, 4])).view()).unwrap();
    assert_eq!(y.shape(), &[0, 4]);
}

#[test]
fn rmsnorm_configurations_are_checked_at_compile_time() {
    use init::__private::LayerSpec;
    assert_eq!(
        <RMSNorm<0> as LayerSpec>::CONFIG.message(),
        Some("RMSNorm: the first normalized dimension D0 must be > 0, got 0")
    );
    assert_eq!(
        <RMSNorm<4, 0, 5> as LayerSpec>::CONFIG.message(),
        Some("RMSNorm: a normalized dimension D2 needs D1 > 0")
    );
}
