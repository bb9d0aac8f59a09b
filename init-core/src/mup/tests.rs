//! μP's rules on small cases: the zip of base shapes, each scheme's μP form (against mup's
//! formulas written out), the multipliers. Against mup itself: tests/test_mup.rs.

use super::scale::mu_init;
use super::*;
use crate::layers::{Linear, Sequential};
use crate::schemes::{FanAxes, FanMode, Nonlinearity};

fn dims(list: &[(Option<usize>, usize)]) -> InfShape {
    InfShape::new(list.iter().map(|&(base, dim)| InfDim { base, dim }).collect())
}

#[test]
fn without_a_delta_a_dimension_is_a_width_where_the_model_differs() {
    let base = Sequential::new().push(Linear::<16, 32>::zeroed()).push(Linear::<32, 10>::zeroed());
    let model = Sequential::new().push(Linear::<16, 96>::zeroed()).push(Linear::<96, 10>::zeroed());
    let s = Mup::new(&base).readout("1").infshapes(&model).unwrap();
    assert_eq!(s.get("0.weight"), Some(&dims(&[(Some(32), 96), (None, 16)])));
    assert_eq!(s.get("1.bias"), Some(&dims(&[(None, 10)])));
    assert_eq!(s.get("0.weight").unwrap().width_mult(), 3.0);
    // With a delta, the base's own width is a width too.
    let delta = Sequential::new().push(Linear::<16, 64>::zeroed()).push(Linear::<64, 10>::zeroed());
    let s = Mup::new(&base).delta(&delta).unwrap().readout("1").infshapes(&base).unwrap();
    assert_eq!(s.get("1.weight"), Some(&dims(&[(None, 10), (Some(32), 32)])));
}

#[test]
fn base_shapes_of_infshapes_decide_the_widths_alone() {
    let base = Linear::<16, 32>::zeroed();
    let delta = Linear::<16, 64>::zeroed();
    let mup = Mup::new(&base).delta(&delta).unwrap();
    let shapes = mup.infshapes(&Linear::<16, 128>::zeroed()).unwrap();
    let again = Mup::from_base_shapes(shapes.base_shapes());
    assert_eq!(again.infshapes(&Linear::<16, 128>::zeroed()).unwrap(), shapes);
    let zero = BaseShapes::from_list(vec![("w".into(), vec![Some(0)])]).unwrap_err();
    assert_eq!(zero.to_string(), "w: μP: a width dimension cannot have base size 0");
}

#[test]
fn normal_uniform_and_trunc_normal_scale_by_width_mult_to_the_minus_half_on_matrices() {
    let hidden = dims(&[(Some(32), 128), (Some(32), 128)]);
    let vector = dims(&[(Some(32), 128)]);
    let s = 4f64.powf(-0.5);
    let mu = |init: Init, shape: &InfShape| mu_init("w", &init, shape).unwrap().init;
    assert_eq!(
        mu(Init::Normal { mean: 0.0, std: 0.02 }, &hidden),
        Init::Normal { mean: 0.0, std: 0.02 * s }
    );
    assert_eq!(mu(Init::Uniform { a: -1.0, b: 1.0 }, &hidden), Init::Uniform { a: -s, b: s });
    assert_eq!(
        mu(Init::TruncNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 }, &hidden),
        Init::TruncNormal { mean: 0.0, std: s, a: -2.0 * s, b: 2.0 * s }
    );
    // Vector-like parameters keep theirs, a mean too.
    assert_eq!(
        mu(Init::Normal { mean: 1.0, std: 0.02 }, &vector),
        Init::Normal { mean: 1.0, std: 0.02 }
    );
    assert_eq!(mu(Init::Ones, &vector), Init::Ones);
    let err = mu_init("w", &Init::Uniform { a: 0.0, b: 1.0 }, &hidden).err().unwrap();
    assert_eq!(
        err.to_string(),
        "w: μP: uniform with a != -b on a parameter with 2 width dimensions ([InfDim(32, 128), InfDim(32, 128)]); mup's sampler for (inf, inf) tensors needs mean 0"
    );
    assert!(mu_init("w", &Init::Ones, &hidden).is_err());
}

#[test]
fn xavier_and_kaiming_follow_mups_fan_adjustments() {
    let axes = FanAxes::TORCH;
    // A hidden 128x128 weight, base 32x32: xavier's std is the base's, over sqrt(width_mult).
    let hidden = dims(&[(Some(32), 128), (Some(32), 128)]);
    let std = (2.0f64 / 256.0).sqrt() * (256.0f64 / 64.0).sqrt() / 4f64.sqrt();
    let got = mu_init("w", &Init::XavierNormal { gain: 1.0, axes }, &hidden).unwrap().init;
    assert_eq!(got, Init::Normal { mean: 0.0, std });
    // A readout 10x128 (base 10x32): the base's std, whatever the width.
    let readout = dims(&[(None, 10), (Some(32), 128)]);
    let std = (2.0f64 / 138.0).sqrt() * (138.0f64 / 42.0).sqrt();
    let got = mu_init("w", &Init::XavierUniform { gain: 1.0, axes }, &readout).unwrap().init;
    let a = 3f64.sqrt() * std;
    assert_eq!(got, Init::Uniform { a: -a, b: a });
    // Kaiming, fan_in of a readout: 1/sqrt(128) times sqrt(4), the base's 1/sqrt(32).
    let kaiming =
        |mode| Init::KaimingNormal { a: 0.0, mode, nonlinearity: Nonlinearity::Linear, axes };
    let got = mu_init("w", &kaiming(FanMode::FanIn), &readout).unwrap().init;
    assert_eq!(got, Init::Normal { mean: 0.0, std: 1.0 / 128f64.sqrt() * 4f64.powf(0.5) });
    // fan_out of a hidden weight with different multipliers: times sqrt(out / in).
    let wide = dims(&[(Some(32), 256), (Some(32), 128)]);
    let got = mu_init("w", &kaiming(FanMode::FanOut), &wide).unwrap().init;
    assert_eq!(got, Init::Normal { mean: 0.0, std: 1.0 / 256f64.sqrt() * (8.0f64 / 4.0).sqrt() });
    let fan_avg = mu_init("w", &kaiming(FanMode::FanAvg), &wide).err().unwrap();
    assert_eq!(
        fan_avg.to_string(),
        "w: μP: kaiming_normal takes mode fan_in or fan_out, not fan_avg"
    );
    let keras = Init::XavierNormal { gain: 1.0, axes: FanAxes::KERAS };
    assert!(mu_init("w", &keras, &wide).is_err());
}

#[test]
fn more_than_two_widths_is_an_error() {
    let three = dims(&[(Some(2), 4), (Some(2), 4), (Some(2), 4)]);
    let err = mu_init("w", &Init::Zeros, &three).err().unwrap();
    assert_eq!(
        err.to_string(),
        "w: μP: 3 width dimensions in [InfDim(2, 4), InfDim(2, 4), InfDim(2, 4)]; mup handles at most 2"
    );
    assert!(LrRow::new("w", three).is_err());
}

#[test]
fn sgd_divides_a_matrix_lr_by_its_fanin_fanout_ratio() {
    let row = LrRow::new("w", dims(&[(Some(32), 64), (Some(32), 256)])).unwrap();
    assert_eq!((row.adam_lr, row.adam_weight_decay), (1.0 / 8.0, 8.0));
    assert_eq!((row.sgd_lr, row.sgd_weight_decay), (1.0 / 4.0, 4.0));
    let finite = LrRow::new("b", dims(&[(None, 10)])).unwrap();
    assert_eq!((finite.adam_lr, finite.sgd_lr, finite.sgd_weight_decay), (1.0, 1.0, 1.0));
}

#[test]
fn rescale_multiplies_in_f32_and_says_so_in_the_origin() {
    let base = Sequential::new().push(Linear::<4, 8>::zeroed()).push(Linear::<8, 3>::zeroed());
    let mut net = Sequential::new().push(Linear::<4, 24>::zeroed()).push(Linear::<24, 3>::zeroed());
    for (_, mut p) in net.named_parameters_mut() {
        p.as_slice_mut().fill(0.1);
        p.set_origin("default: Linear");
    }
    let done = Mup::new(&base).readout("1").rescale(&mut net).unwrap();
    assert_eq!(done, ["0.bias", "1.bias", "1.weight"]);
    let f = 3f64.powf(0.5) as f32;
    assert_eq!(net.get_parameter("1.weight").unwrap().as_slice()[0], 0.1f32 * f);
    assert_eq!(net.get_parameter("0.bias").unwrap().as_slice()[0], 0.1f32, "fan-in 4 is finite");
    assert_eq!(net.get_parameter("0.weight").unwrap().as_slice()[0], 0.1f32);
    assert_eq!(
        net.get_parameter("1.bias").unwrap().origin(),
        Some("default: Linear, times 1.7320508075688772 by μP set_base_shapes")
    );
    let zero = Mup::new(&base).readout("1").readout_zero_init(true);
    zero.rescale(&mut net).unwrap();
    assert!(net.get_parameter("1.weight").unwrap().as_slice().iter().all(|&v| v == 0.0));
}
