//! PReLU, Softmax and LogSoftmax against PyTorch's fixtures (init values bit for bit, names,
//! forward outputs); their settings and input errors.

mod common;

use common::{Fixture, Names, assert_close, check_parameterless};
use init::ndarray::{ArrayD, IxDyn, array};
use init::{Forward, LogSoftmax, Module, PReLU, Softmax, TorchGenerator};

fn check_prelu(case: &str, ctor: &str, m: &mut dyn init::ForwardModule) {
    let fx = Fixture::load(case);
    assert_eq!(fx.meta["ctor"], ctor);
    let seed: u64 = fx.meta["seed"].parse().unwrap();
    let mut rng = TorchGenerator::new(seed);
    m.reset_parameters("", &mut rng).unwrap();
    assert_eq!(rng.random(), TorchGenerator::new(seed).random(), "{case}: init drew numbers");
    fx.assert_state_eq(m.as_module(), "init");
    Names::load(case).assert_match(m.as_module_mut());
    fx.load_into(m.as_module_mut(), "param");
    let y = m.forward(fx.f32("input").view()).unwrap();
    assert_close(&y, &fx.f32("output"), case);
}

#[test]
fn prelu_matches_pytorch() {
    check_prelu("prelu", "nn.PReLU()", &mut PReLU::<1>::zeroed());
    let mut three = PReLU::<3>::zeroed().with_init(0.1).unwrap();
    assert_eq!(three.init(), 0.1);
    check_prelu("prelu3", "nn.PReLU(3, init=0.1)", &mut three);
    // `with_init` fills the weight itself: `new()` then `with_init` is PyTorch's layer too.
    let built = PReLU::<3>::new().with_init(0.1).unwrap();
    Fixture::load("prelu3").assert_state_eq(&built, "init");
}

#[test]
fn prelu_settings_and_inputs_are_checked() {
    for bad in [f64::NAN, f64::NEG_INFINITY] {
        let err = PReLU::<1>::new().with_init(bad).unwrap_err();
        assert_eq!(err.to_string(), format!("PReLU: init must be finite, got {bad:?}"));
    }
    let three = PReLU::<3>::new();
    for shape in [&[][..], &[3], &[2, 4, 5]] {
        let err = three.forward(ArrayD::zeros(IxDyn(shape)).view()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "PReLU: input of shape {shape:?} must have 3 channels on axis 1 (num_parameters)"
            )
        );
    }
    // One parameter: any shape, a 0-d input and an empty one included.
    let one = PReLU::<1>::new();
    let y = one.forward(ArrayD::from_elem(IxDyn(&[]), -2.0).view()).unwrap();
    assert_eq!(y[[]], -0.5);
    assert_eq!(one.forward(ArrayD::zeros(IxDyn(&[0, 7])).view()).unwrap().shape(), &[0, 7]);
}

#[test]
fn softmax_matches_pytorch() {
    check_parameterless("softmax", "nn.Softmax(dim=1)", &mut Softmax::new().with_dim(1));
    // dim=None: PyTorch's implicit axis, 0 for the 3-d input and 1 for the 4-d one.
    check_parameterless("softmax_implicit", "nn.Softmax()", &mut Softmax::new());
    check_parameterless("logsoftmax", "nn.LogSoftmax(dim=-1)", &mut LogSoftmax::new().with_dim(-1));
}

#[test]
fn softmax_dims_edge_cases_and_errors() {
    let x = array![[1.0f32, 2.0, 3.0]].into_dyn();
    let err = Softmax::new().with_dim(-3).forward(x.view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Softmax: dim -3 is out of range for input of shape [1, 3] (expected -2 to 1)"
    );
    let err = LogSoftmax::new().with_dim(1).forward(ArrayD::zeros(IxDyn(&[])).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "LogSoftmax: dim 1 is out of range for input of shape [] (expected -1 to 0)"
    );
    // A 0-d input is one lane; an empty axis gives an empty output.
    let y = Softmax::new().with_dim(0).forward(ArrayD::from_elem(IxDyn(&[]), 5.0).view()).unwrap();
    assert_eq!(y[[]], 1.0);
    let y = LogSoftmax::new().with_dim(1).forward(ArrayD::zeros(IxDyn(&[2, 0])).view()).unwrap();
    assert_eq!(y.shape(), &[2, 0]);
    // Large logits do not overflow: the maximum is subtracted first.
    let y = Softmax::new().forward(array![1000.0f32, 1000.0].into_dyn().view()).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[0.5, 0.5]);
    let y = LogSoftmax::new().forward(array![-1000.0f32, 0.0].into_dyn().view()).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[-1000.0, 0.0]);
    assert_eq!(Softmax::new().with_dim(-1).dim(), Some(-1));
    assert!(Softmax::new().named_parameters().is_empty());
}

#[test]
fn zero_sized_configurations_do_not_compile() {
    use init::__private::LayerSpec;
    assert_eq!(
        <PReLU<0> as LayerSpec>::CONFIG.message(),
        Some("PReLU: num_parameters must be > 0, got 0")
    );
    assert_eq!(<PReLU as LayerSpec>::PARAMS.get(0).unwrap().shape(), &[1]);
}
