//! `Display` for [`Init`]: the attribute that would produce the value.

use std::fmt::{self, Write as _};

use super::Init;
use super::distribution::ScalingDistribution;
use super::fan::{FanAxes, FanMode};
use super::gain::Nonlinearity;

/// Collects `name = value` pairs that differ from their defaults.
struct Args(String);

impl Args {
    fn new() -> Self {
        Args(String::new())
    }

    fn sep(&mut self) {
        if !self.0.is_empty() {
            self.0.push_str(", ");
        }
    }

    fn num(&mut self, name: &str, value: f64, default: f64) -> &mut Self {
        if value.to_bits() != default.to_bits() {
            self.sep();
            let _ = write!(self.0, "{name} = {value:?}");
        }
        self
    }

    fn text(&mut self, name: &str, value: &str, default: &str) -> &mut Self {
        if value != default {
            self.sep();
            let _ = write!(self.0, "{name} = \"{value}\"");
        }
        self
    }

    fn axes(&mut self, axes: FanAxes) -> &mut Self {
        if axes != FanAxes::TORCH {
            self.sep();
            let _ = write!(self.0, "in_axis = {}, out_axis = {}", axes.in_axis, axes.out_axis);
        }
        self
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
        if self.0.is_empty() { f.write_str(name) } else { write!(f, "{name}({})", self.0) }
    }
}

fn kaiming(a: f64, mode: FanMode, nonlinearity: Nonlinearity, axes: FanAxes) -> Args {
    let mut args = Args::new();
    args.num("a", a, 0.0)
        .text("mode", mode.name(), FanMode::FanIn.name())
        .text("nonlinearity", nonlinearity.name(), Nonlinearity::LeakyRelu.name())
        .axes(axes);
    args
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut args = Args::new();
        match *self {
            Init::Uniform { a, b } => {
                args.num("a", a, 0.0).num("b", b, 1.0);
            }
            Init::Normal { mean, std } => {
                args.num("mean", mean, 0.0).num("std", std, 1.0);
            }
            Init::TruncNormal { mean, std, a, b } => {
                args.num("mean", mean, 0.0).num("std", std, 1.0).num("a", a, -2.0).num("b", b, 2.0);
            }
            Init::Constant { value } => return write!(f, "constant({value:?})"),
            Init::Dirac { groups: 1 } => {}
            Init::Dirac { groups } => return write!(f, "dirac(groups = {groups})"),
            Init::XavierUniform { gain, axes } | Init::XavierNormal { gain, axes } => {
                args.num("gain", gain, 1.0).axes(axes);
            }
            Init::KaimingUniform { a, mode, nonlinearity, axes }
            | Init::KaimingNormal { a, mode, nonlinearity, axes } => {
                args = kaiming(a, mode, nonlinearity, axes)
            }
            Init::Orthogonal { gain } | Init::DeltaOrthogonal { gain } => {
                args.num("gain", gain, 1.0);
            }
            Init::Sparse { sparsity, std } => {
                args.num("sparsity", sparsity, f64::NAN).num("std", std, 0.01);
            }
            Init::LecunUniform { axes } | Init::LecunNormal { axes } => {
                args.axes(axes);
            }
            Init::VarianceScaling { scale, mode, distribution, axes } => {
                args.num("scale", scale, 1.0)
                    .text("mode", mode.name(), FanMode::FanIn.name())
                    .text(
                        "distribution",
                        distribution.name(),
                        ScalingDistribution::TruncatedNormal.name(),
                    )
                    .axes(axes);
            }
            Init::Values(ref v) => return write!(f, "{v}"),
            Init::Ones | Init::Zeros | Init::Eye => {}
        }
        args.write(f, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kn(mode: FanMode, nonlinearity: Nonlinearity) -> Init {
        Init::KaimingNormal { a: 0.0, mode, nonlinearity, axes: FanAxes::TORCH }
    }

    #[test]
    fn reads_like_the_attribute() {
        let cases: Vec<(Init, &str)> = vec![
            (
                kn(FanMode::FanOut, Nonlinearity::Relu),
                r#"kaiming_normal(mode = "fan_out", nonlinearity = "relu")"#,
            ),
            (kn(FanMode::FanIn, Nonlinearity::LeakyRelu), "kaiming_normal"),
            (Init::Uniform { a: -0.1, b: 0.1 }, "uniform(a = -0.1, b = 0.1)"),
            (Init::Normal { mean: 0.0, std: 0.02 }, "normal(std = 0.02)"),
            (
                Init::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 },
                "trunc_normal(std = 0.02)",
            ),
            (Init::Constant { value: 0.5 }, "constant(0.5)"),
            (Init::Zeros, "zeros"),
            (Init::Eye, "eye"),
            (Init::Dirac { groups: 1 }, "dirac"),
            (Init::Dirac { groups: 2 }, "dirac(groups = 2)"),
            (Init::XavierUniform { gain: 2.0, axes: FanAxes::TORCH }, "xavier_uniform(gain = 2.0)"),
            (Init::Orthogonal { gain: 1.0 }, "orthogonal"),
            (Init::Sparse { sparsity: 0.1, std: 0.01 }, "sparse(sparsity = 0.1)"),
            (
                Init::LecunNormal { axes: FanAxes::KERAS },
                "lecun_normal(in_axis = -2, out_axis = -1)",
            ),
            (
                Init::VarianceScaling {
                    scale: 2.0,
                    mode: FanMode::FanAvg,
                    distribution: ScalingDistribution::Uniform,
                    axes: FanAxes::TORCH,
                },
                r#"variance_scaling(scale = 2.0, mode = "fan_avg", distribution = "uniform")"#,
            ),
            (
                Init::KaimingUniform {
                    a: 0.2,
                    mode: FanMode::FanOut,
                    nonlinearity: Nonlinearity::LeakyRelu,
                    axes: FanAxes::TORCH,
                },
                r#"kaiming_uniform(a = 0.2, mode = "fan_out")"#,
            ),
        ];
        for (init, text) in cases {
            assert_eq!(init.to_string(), text);
        }
    }
}
