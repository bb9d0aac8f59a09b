//! [`Init::intended_std`]: the standard deviation a scheme means its values to have, from its
//! arguments and the parameter's shape; what the init report compares each parameter with.

use super::Init;
use super::plan::Plan;
use crate::math::{norm_cdf, norm_pdf};
use crate::rng::Dist;

impl Init {
    /// The standard deviation of the values this scheme writes into a parameter of `shape`,
    /// as the scheme intends it (not measured): for the random schemes the standard deviation
    /// of their distribution (uniform `(b - a) / √12`, normal `std`, the truncated normal's own
    /// standard deviation, the fan-scaled schemes through their fans and gain: `kaiming_normal`
    /// is `gain / √fan`); for the schemes that set a pattern, the standard deviation of that
    /// pattern over the whole tensor (`orthogonal(gain)` is `gain / √max(rows, cols)`, its
    /// rows or columns having norm `gain`; `eye` and `dirac` from their count of ones;
    /// `sparse` is `std · √(fraction kept)`; `values` that of the literal, which broadcasting
    /// repeats evenly); 0 for the constants. `None` when the scheme's arguments or the shape
    /// are refused (the fill would be an error).
    ///
    /// ```
    /// use init_core::{FanAxes, Init};
    /// let xavier = Init::XavierNormal { gain: 1.0, axes: FanAxes::TORCH };
    /// assert_eq!(xavier.intended_std(&[256, 128]), Some((2.0f64 / 384.0).sqrt()));
    /// let u = Init::Uniform { a: -1.0, b: 1.0 };
    /// assert!((u.intended_std(&[10]).unwrap() - 1.0 / 3f64.sqrt()).abs() < 1e-12);
    /// assert_eq!(Init::Orthogonal { gain: 2.0 }.intended_std(&[64, 16]), Some(0.25));
    /// assert_eq!(Init::Zeros.intended_std(&[3]), Some(0.0));
    /// assert_eq!(Init::Orthogonal { gain: 1.0 }.intended_std(&[3]), None); // 1-D: refused
    /// ```
    pub fn intended_std(&self, shape: &[usize]) -> Option<f64> {
        match self.plan("", shape).ok()? {
            Some(Plan::Const(_)) => return Some(0.0),
            Some(Plan::Draw(dist)) => return Some(dist_std(dist)),
            None => {}
        }
        self.check_whole("", shape).ok()?;
        let numel: usize = shape.iter().product();
        if numel == 0 {
            return Some(0.0);
        }
        let n = numel as f64;
        let std = match self {
            Init::Orthogonal { gain } => {
                let rows = shape[0];
                gain.abs() / (rows.max(numel / rows) as f64).sqrt()
            }
            Init::DeltaOrthogonal { gain } => {
                let squares = shape[0].min(shape[1]) as f64;
                gain.abs() * (squares / n).sqrt()
            }
            Init::Eye => ones_std(shape[0].min(shape[1]) as f64, n),
            Init::Dirac { groups } => {
                let per_group = (shape[0] / groups).min(shape[1]);
                ones_std((groups * per_group) as f64, n)
            }
            Init::Sparse { sparsity, std } => {
                let rows = shape[0];
                let zeros = ((sparsity * rows as f64).ceil() as usize).min(rows);
                std * ((rows - zeros) as f64 / rows as f64).sqrt()
            }
            Init::Values(v) => population_std(v.data()),
            _ => return None,
        };
        Some(std)
    }
}

/// The standard deviation of a distribution.
pub(crate) fn dist_std(dist: Dist) -> f64 {
    match dist {
        Dist::Uniform { low, high } => (high - low) / 12f64.sqrt(),
        Dist::Normal { std, .. } => std,
        Dist::TruncNormal { mean, std, a, b } => {
            let (alpha, beta) = ((a - mean) / std, (b - mean) / std);
            let z = norm_cdf(beta) - norm_cdf(alpha);
            let (pa, pb) = (norm_pdf(alpha), norm_pdf(beta));
            // A bound at infinity contributes nothing (x·φ(x) -> 0).
            let xa = if alpha.is_finite() { alpha * pa } else { 0.0 };
            let xb = if beta.is_finite() { beta * pb } else { 0.0 };
            let var = 1.0 + (xa - xb) / z - ((pa - pb) / z).powi(2);
            std * var.max(0.0).sqrt()
        }
    }
}

/// The standard deviation of `ones` ones among `n` values, the rest zeros.
fn ones_std(ones: f64, n: f64) -> f64 {
    let mean = ones / n;
    (mean - mean * mean).max(0.0).sqrt()
}

/// The population standard deviation of `values`, in `f64`.
fn population_std(values: &[f32]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    var.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::Param;
    use crate::rng::Seed;
    use crate::schemes::{FanAxes, FanMode, Nonlinearity, ScalingDistribution};

    fn measured(init: &Init, shape: &[usize]) -> f64 {
        let mut p = Param::zeros(shape);
        init.apply(p.at("w"), &mut Seed::new(3)).unwrap();
        population_std(p.as_slice())
    }

    /// Every scheme's intended std against the std of a large fill (relative 2% for the
    /// random ones, exact to 1e-6 for the patterns).
    #[test]
    fn intended_matches_a_large_fill() {
        let axes = FanAxes::TORCH;
        let cases: Vec<(Init, Vec<usize>, f64)> = vec![
            (Init::Uniform { a: -0.3, b: 0.7 }, vec![300, 200], 0.02),
            (Init::Normal { mean: 1.0, std: 0.5 }, vec![300, 200], 0.02),
            (Init::TruncNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 }, vec![300, 200], 0.02),
            (Init::TruncNormal { mean: 0.5, std: 2.0, a: 0.0, b: 1.0 }, vec![300, 200], 0.02),
            (
                Init::KaimingNormal {
                    a: 0.0,
                    mode: FanMode::FanIn,
                    nonlinearity: Nonlinearity::Relu,
                    axes,
                },
                vec![256, 64, 3, 3],
                0.02,
            ),
            (
                Init::KaimingUniform {
                    a: 5f64.sqrt(),
                    mode: FanMode::FanIn,
                    nonlinearity: Nonlinearity::LeakyRelu,
                    axes,
                },
                vec![256, 512],
                0.02,
            ),
            (Init::XavierUniform { gain: 5.0 / 3.0, axes }, vec![256, 512], 0.02),
            (Init::LecunNormal { axes }, vec![256, 512], 0.02),
            (
                Init::VarianceScaling {
                    scale: 2.0,
                    mode: FanMode::FanAvg,
                    distribution: ScalingDistribution::Normal,
                    axes,
                },
                vec![256, 512],
                0.02,
            ),
            (Init::Orthogonal { gain: 1.5 }, vec![64, 200], 1e-3),
            (Init::Orthogonal { gain: 1.0 }, vec![200, 8, 2], 1e-3),
            (Init::DeltaOrthogonal { gain: 1.0 }, vec![16, 8, 3, 3], 1e-3),
            (Init::Eye, vec![30, 50], 1e-9),
            (Init::Dirac { groups: 2 }, vec![8, 3, 3, 3], 1e-9),
            (Init::Sparse { sparsity: 0.3, std: 0.1 }, vec![300, 200], 0.02),
            (Init::Constant { value: 0.3 }, vec![10], 1e-12),
        ];
        for (init, shape, tol) in cases {
            let want = init.intended_std(&shape).unwrap();
            let got = measured(&init, &shape);
            let rel = (got - want).abs() / want.max(1e-12);
            assert!(
                rel <= tol || (want == 0.0 && got == 0.0),
                "{init} {shape:?}: intended {want}, measured {got}"
            );
        }
    }
}
