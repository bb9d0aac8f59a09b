//! Attribute arguments written as expressions over consts and const generics, checked at
//! compile time when const-evaluable and at `new()` otherwise; `each(i)` rules over a list
//! of blocks.

use init::prelude::*;

const N_LAYER: usize = 12;
const GAIN: f64 = 1.5;

#[derive(Module)]
struct Gpt {
    #[init(normal(std = 0.02 / sqrt(2.0 * N_LAYER as f64)))]
    c_proj: Linear<8, 8>,
    #[init(xavier_uniform(gain = GAIN))]
    c_fc: Linear<8, 8>,
}

/// The standard deviation of the values in `p`, about zero.
fn rms(p: &Param) -> f64 {
    let s = p.as_slice();
    (s.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / s.len() as f64).sqrt()
}

#[test]
fn expressions_take_the_value_std_computes() -> Result<(), InitError> {
    let std = 0.02 / (2.0 * N_LAYER as f64).sqrt();
    let expected = Init::Normal { mean: 0.0, std };
    let net = Gpt::new(&mut Seed::new(0))?;
    let w = net.c_proj.weight().unwrap();
    assert_eq!(w.origin(), Some(format!("{expected} by #[init] on Gpt.c_proj").as_str()));
    let gain = Init::XavierUniform { gain: GAIN, axes: FanAxes::TORCH };
    assert_eq!(
        net.c_fc.weight().unwrap().origin(),
        Some(format!("{gain} by #[init] on Gpt.c_fc").as_str())
    );
    // The same values as the runtime scheme with the std computed by std's sqrt.
    let mut same = Param::zeros(&[8, 8]);
    expected.apply(same.at("c_proj.weight"), &mut Seed::new(0))?;
    assert_eq!(w.as_slice(), same.as_slice());
    Ok(())
}

#[derive(Module)]
struct Deep<const L: usize> {
    #[init(normal(std = 0.02 / sqrt(2.0 * L as f64)))]
    out: Linear<64, 64>,
}

#[test]
fn a_generic_expression_is_evaluated_at_instantiation() -> Result<(), InitError> {
    let d = Deep::<50>::new(&mut Seed::new(0))?;
    let r = rms(d.out.weight().unwrap());
    assert!((r / 0.002 - 1.0).abs() < 0.05, "rms {r}");
    Ok(())
}

fn runtime_std() -> f64 {
    -1.0
}

#[derive(Module)]
struct Late {
    #[init(normal(std = runtime_std()))]
    fc: Linear<2, 2>,
}

#[test]
fn a_run_time_expression_is_checked_by_new() {
    let Err(err) = Late::new(&mut Seed::new(0)) else { panic!("a negative std was accepted") };
    assert_eq!(err.to_string(), "fc.weight: normal: argument `std` must be >= 0, got -1.0");
}

#[derive(Module)]
struct Attention {
    wo: Linear<4, 4>,
}

#[derive(Module)]
struct Block {
    attention: Attention,
}

#[derive(Module)]
struct Titan {
    #[init(each(layer_id) "attention.wo.weight" = normal(std = 0.02 / sqrt(2.0 * (layer_id + 1) as f64)))]
    layers: [Block; 3],
}

#[test]
fn each_binds_the_element_index() -> Result<(), InitError> {
    let t = Titan::new(&mut Seed::new(0))?;
    for (i, block) in t.layers.iter().enumerate() {
        let std = 0.02 / (2.0 * (i + 1) as f64).sqrt();
        let expected = Init::Normal { mean: 0.0, std };
        let w = block.attention.wo.weight().unwrap();
        assert_eq!(
            w.origin(),
            Some(
                format!(
                    "{expected} by #[init(each(layer_id) \"attention.wo.weight\" = ...)] on Titan.layers"
                )
                .as_str()
            )
        );
        assert_eq!(block.attention.wo.bias().unwrap().origin(), Some("default: Linear"));
    }
    Ok(())
}
