//! Elementwise kernels: the activations (ReLU, LeakyReLU, GELU exact and tanh, SiLU, Tanh,
//! Sigmoid) and the training-mode dropout mask. Every function maps any shape to the same
//! shape.
//!
//! The exact GELU is `x · Φ(x)` with the crate's own [`norm_cdf`](crate::math::norm_cdf)
//! (accurate to about 1e-15 in both tails), in `f64` and rounded once. It costs about 230 ns
//! a value; a faster dedicated `erfc` is a possible later optimization. Forward passes are
//! not the sampling path, so the other kernels use the platform's `exp` and `tanh`.

use ndarray::{ArrayD, ArrayViewD, Axis};

use crate::math::norm_cdf;
use crate::rng::{Dist, Generator};

/// `max(x, 0)`; NaN stays NaN, as `torch.relu`.
pub(crate) fn relu(x: ArrayViewD<'_, f32>) -> ArrayD<f32> {
    x.mapv(|v| if v < 0.0 { 0.0 } else { v })
}

/// `x` where `x > 0`, `negative_slope · x` elsewhere.
pub(crate) fn leaky_relu(x: ArrayViewD<'_, f32>, negative_slope: f32) -> ArrayD<f32> {
    x.mapv(|v| if v > 0.0 { v } else { v * negative_slope })
}

/// PReLU: `x` where `x > 0`, `weight[c] · x` elsewhere, `c` the index along axis 1; one
/// weight applies to every element. The caller has checked that `weight` has one value, or
/// one per index of axis 1.
pub(crate) fn prelu(x: ArrayViewD<'_, f32>, weight: &[f32]) -> ArrayD<f32> {
    let one = |v: f32, w: f32| if v > 0.0 { v } else { w * v };
    if let [w] = *weight {
        return x.mapv(|v| one(v, w));
    }
    let mut y = x.to_owned();
    for (mut lane, &w) in y.axis_iter_mut(Axis(1)).zip(weight) {
        lane.mapv_inplace(|v| one(v, w));
    }
    y
}

/// Exact GELU, `x · Φ(x)`, in `f64` and rounded once.
pub(crate) fn gelu(x: ArrayViewD<'_, f32>) -> ArrayD<f32> {
    x.mapv(gelu_exact)
}

/// Tanh-approximated GELU, `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`.
pub(crate) fn gelu_tanh(x: ArrayViewD<'_, f32>) -> ArrayD<f32> {
    x.mapv(gelu_tanh_one)
}

/// `x · σ(x)`.
pub(crate) fn silu(x: ArrayViewD<'_, f32>) -> ArrayD<f32> {
    x.mapv(|v| v / (1.0 + (-v).exp()))
}

/// `tanh x`.
pub(crate) fn tanh(x: ArrayViewD<'_, f32>) -> ArrayD<f32> {
    x.mapv(f32::tanh)
}

/// `σ(x) = 1 / (1 + e⁻ˣ)`.
pub(crate) fn sigmoid(x: ArrayViewD<'_, f32>) -> ArrayD<f32> {
    x.mapv(|v| 1.0 / (1.0 + (-v).exp()))
}

/// Training-mode dropout: one `U[0, 1)` draw per element from `rng` at `path` (row-major
/// order); an element whose draw is below `p` becomes `x · 0`, the others `x / (1 − p)`.
/// `p = 0` returns `x` and `p = 1` returns `x · 0` without drawing, as PyTorch.
pub(crate) fn dropout(
    x: ArrayViewD<'_, f32>,
    p: f64,
    path: &str,
    rng: &mut dyn Generator,
) -> ArrayD<f32> {
    if p == 0.0 {
        return x.to_owned();
    }
    if p == 1.0 {
        return x.mapv(|v| v * 0.0);
    }
    let scale = (1.0 / (1.0 - p)) as f32;
    let mut out = x.as_standard_layout().into_owned();
    let mut draws = vec![0f32; out.len()];
    rng.fill(path, Dist::Uniform { low: 0.0, high: 1.0 }, &mut draws);
    for (v, u) in out.iter_mut().zip(draws) {
        *v *= if f64::from(u) < p { 0.0 } else { scale };
    }
    out
}

/// `x · Φ(x)`, computed in `f64` and rounded once.
fn gelu_exact(x: f32) -> f32 {
    let x = f64::from(x);
    (x * norm_cdf(x)) as f32
}

/// The tanh form, written as `x · σ(2u)` (`(1 + tanh u) / 2 = σ(2u)`), which has no
/// cancellation for negative `x`; in `f64`, rounded once.
fn gelu_tanh_one(x: f32) -> f32 {
    const BETA: f64 = 0.797_884_560_802_865_4; // √(2/π)
    const KAPPA: f64 = 0.044_715;
    let x = f64::from(x);
    let u = BETA * (x + KAPPA * x * x * x);
    (x / (1.0 + (-2.0 * u).exp())) as f32
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, IxDyn};

    use super::*;
    use crate::Seed;

    #[test]
    fn gelu_matches_reference_values_of_x_phi_x() {
        // x·Φ(x) from tables of the standard normal CDF (Φ(1) = 0.841344746068543,
        // Φ(2) = 0.977249868051821, Φ(-3) = 0.001349898031630, Φ(0.5) = 0.691462461274013).
        let table = [
            (1.0f32, 0.841_344_746_068_543f64),
            (-1.0, -0.158_655_253_931_457),
            (2.0, 1.954_499_736_103_642),
            (-3.0, -0.004_049_694_094_890),
            (0.5, 0.345_731_230_637_007),
            (-8.0, -4.976_768_459_417_4e-15), // Φ(-8) = 6.220960574271785e-16
        ];
        for (x, want) in table {
            let got = f64::from(gelu_exact(x));
            assert!(
                (got - want).abs() <= 2e-7 * want.abs().max(1e-30),
                "gelu({x}) = {got}, want {want}"
            );
        }
        assert_eq!(gelu_exact(0.0), 0.0);
        assert_eq!(gelu_exact(f32::INFINITY), f32::INFINITY);
        assert!(gelu_exact(f32::NAN).is_nan());
    }

    #[test]
    fn gelu_tanh_equals_the_tanh_formula() {
        for i in 0..=8000 {
            let xf = -8.0 + i as f32 * 0.002;
            let x = f64::from(xf);
            let u = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x);
            let got = gelu_tanh_one(xf);
            // PyTorch's form, whose cancellation for negative x costs ~1e-16 absolute in f64.
            let torch_form = 0.5 * x * (1.0 + u.tanh());
            assert!((f64::from(got) - torch_form).abs() <= 6e-8 * torch_form.abs() + 1e-15, "{x}");
            // The same through σ(2u), without cancellation: within 1 ulp.
            let want = (x / (1.0 + (-2.0 * u).exp())) as f32;
            assert!(
                (got.to_bits() as i64 - want.to_bits() as i64).abs() <= 1,
                "{x}: {got} vs {want}"
            );
        }
        assert_eq!(gelu_tanh_one(f32::INFINITY), f32::INFINITY);
    }

    #[test]
    fn relu_and_leaky_relu_keep_nan() {
        let x = ArrayD::from_shape_vec(IxDyn(&[4]), vec![-2.0, 0.0, 3.0, f32::NAN]).unwrap();
        let y = relu(x.view());
        assert_eq!(&y.as_slice().unwrap()[..3], &[0.0, 0.0, 3.0]);
        assert!(y[3].is_nan());
        let y = leaky_relu(x.view(), 0.1);
        assert_eq!(&y.as_slice().unwrap()[..3], &[-0.2, 0.0, 3.0]);
        assert!(y[3].is_nan());
    }

    #[test]
    fn sigmoid_silu_saturate_without_nan() {
        let x = ArrayD::from_shape_vec(IxDyn(&[2]), vec![-200.0f32, 200.0]).unwrap();
        assert_eq!(sigmoid(x.view()).as_slice().unwrap(), &[0.0, 1.0]);
        assert_eq!(silu(x.view()).as_slice().unwrap(), &[-0.0, 200.0]);
    }

    #[test]
    fn dropout_edges_draw_nothing() {
        let x = ArrayD::from_shape_vec(IxDyn(&[3]), vec![1.0f32, f32::INFINITY, -2.0]).unwrap();
        let mut g = Seed::new(0);
        assert_eq!(dropout(x.view(), 0.0, "d", &mut g), x);
        let y = dropout(x.view(), 1.0, "d", &mut g);
        assert_eq!((y[0], y[2]), (0.0, -0.0));
        assert!(y[1].is_nan()); // ∞ · 0, as PyTorch's input * 0
    }
}
