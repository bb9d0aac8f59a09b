//! A standard-parametrization [`Init`] turned into its μP form, as `mup.init.*` does: the
//! scale factors computed in `f64` in the order mup's Python computes them, so that the
//! concrete scheme draws exactly what mup's call draws.

use super::mup_error;
use super::shape::InfShape;
use crate::error::Result;
use crate::schemes::{FanAxes, FanMode, Fans, Init, calculate_gain};

/// What [`mu_init`] made of a scheme: the concrete scheme, and whether μP changed it.
pub(super) struct MuInit {
    pub init: Init,
    pub changed: bool,
}

/// The μP form of `init` for the parameter at `path` with `infshape`: `mup.init.normal_`,
/// `uniform_`, `trunc_normal_` (std and bounds times `width_mult ** -0.5` when both
/// dimensions are widths), `xavier_*` (`_inf_fan_adjust_xavier`), `kaiming_*`
/// (`_inf_fan_adjust_kaiming`); `zeros` as it is; `ones`, `constant` and `eye` unchanged
/// where fewer than two dimensions are widths. Every other scheme is an error for a parameter
/// with a width dimension (mup has no form of it) and unchanged for one without.
pub(super) fn mu_init(path: &str, init: &Init, s: &InfShape) -> Result<MuInit> {
    let ninf = s.ninf();
    if ninf > 2 {
        let rule = format!("{ninf} width dimensions in {s}; mup handles at most 2");
        return Err(mup_error(path, rule));
    }
    let same = || Ok(MuInit { init: init.clone(), changed: false });
    let scaled = |init: Init| Ok(MuInit { init, changed: true });
    let mean_zero = |what: &str| {
        let rule = format!(
            "{} with {what} on a parameter with 2 width dimensions ({s}); mup's sampler for (inf, inf) tensors needs mean 0",
            init.name()
        );
        Err(mup_error(path, rule))
    };
    // `constant_std_init_`: `sampler_(tensor, scale=tensor.infshape.width_mult()**-0.5)`.
    let scale = s.width_mult().powf(-0.5);
    match *init {
        Init::Normal { mean, std } if ninf == 2 => {
            if mean != 0.0 {
                return mean_zero("a mean other than 0");
            }
            scaled(Init::Normal { mean: mean * scale, std: std * scale })
        }
        Init::Uniform { a, b } if ninf == 2 => {
            if a != -b {
                return mean_zero("a != -b");
            }
            scaled(Init::Uniform { a: a * scale, b: b * scale })
        }
        Init::TruncNormal { mean, std, a, b } if ninf == 2 => {
            if mean != 0.0 || a != -b {
                return mean_zero("a mean other than 0 or a != -b");
            }
            let (mean, std, a, b) = (mean * scale, std * scale, a * scale, b * scale);
            scaled(Init::TruncNormal { mean, std, a, b })
        }
        Init::Normal { .. } | Init::Uniform { .. } | Init::TruncNormal { .. } | Init::Zeros => {
            same()
        }
        Init::Ones | Init::Constant { .. } | Init::Eye if ninf == 2 => {
            let rule = format!(
                "{} on a parameter with 2 width dimensions ({s}): mup's sampler for (inf, inf) tensors needs mean 0",
                init.name()
            );
            Err(mup_error(path, rule))
        }
        Init::Ones | Init::Constant { .. } | Init::Eye => same(),
        Init::XavierUniform { gain, axes } | Init::XavierNormal { gain, axes } => {
            let uniform = matches!(init, Init::XavierUniform { .. });
            let fans = torch_fans(path, init, s, axes)?;
            let std = gain * (2.0 / (fans.fan_in + fans.fan_out) as f64).sqrt();
            let std = adjust_xavier(std, s);
            if uniform {
                let a = 3.0f64.sqrt() * std;
                scaled(Init::Uniform { a: -a, b: a })
            } else {
                scaled(Init::Normal { mean: 0.0, std })
            }
        }
        Init::KaimingUniform { a, mode, nonlinearity, axes }
        | Init::KaimingNormal { a, mode, nonlinearity, axes } => {
            let uniform = matches!(init, Init::KaimingUniform { .. });
            let fans = torch_fans(path, init, s, axes)?;
            if s.shape().contains(&0) {
                return same();
            }
            let fan = match mode {
                FanMode::FanIn => fans.fan_in as f64,
                FanMode::FanOut => fans.fan_out as f64,
                FanMode::FanAvg => {
                    let rule = format!("{} takes mode fan_in or fan_out, not fan_avg", init.name());
                    return Err(mup_error(path, rule));
                }
            };
            let std = calculate_gain(nonlinearity, Some(a)) / fan.sqrt();
            let std = adjust_kaiming(std, s, mode);
            if uniform {
                let bound = 3.0f64.sqrt() * std;
                scaled(Init::Uniform { a: -bound, b: bound })
            } else {
                scaled(Init::Normal { mean: 0.0, std })
            }
        }
        _ if ninf == 0 => same(),
        _ => {
            let rule = format!(
                "mup has no μP form of {} (a parameter with width dimensions, {s}); use normal, uniform, trunc_normal, xavier_*, kaiming_* or zeros",
                init.name()
            );
            Err(mup_error(path, rule))
        }
    }
}

/// `init` on a tensor of `shape`, its values times `f` (as a distribution): what
/// `set_base_shapes`' rescale makes of a parameter initialized by `init`. The fan-scaled
/// schemes become a concrete `normal`/`uniform` (PyTorch's std or bound, times `f`).
pub(super) fn times(path: &str, init: &Init, shape: &[usize], f: f64) -> Result<Init> {
    let out = match *init {
        Init::Normal { mean, std } => Init::Normal { mean: mean * f, std: std * f },
        Init::Uniform { a, b } => Init::Uniform { a: a * f, b: b * f },
        Init::TruncNormal { mean, std, a, b } => {
            Init::TruncNormal { mean: mean * f, std: std * f, a: a * f, b: b * f }
        }
        Init::Zeros => Init::Zeros,
        Init::Ones => Init::Constant { value: f },
        Init::Constant { value } => Init::Constant { value: value * f },
        Init::XavierUniform { gain, axes } | Init::XavierNormal { gain, axes } => {
            let fans = Fans::compute(init.name(), shape, axes).map_err(|e| e.at(path))?;
            let std = gain * (2.0 / (fans.fan_in + fans.fan_out) as f64).sqrt() * f;
            symmetric(matches!(init, Init::XavierUniform { .. }), std)
        }
        Init::KaimingUniform { a, mode, nonlinearity, axes }
        | Init::KaimingNormal { a, mode, nonlinearity, axes } => {
            let fans = Fans::compute(init.name(), shape, axes).map_err(|e| e.at(path))?;
            if mode == FanMode::FanAvg {
                let rule = format!("{} takes mode fan_in or fan_out, not fan_avg", init.name());
                return Err(mup_error(path, rule));
            }
            let std = calculate_gain(nonlinearity, Some(a)) / fans.select(mode).sqrt() * f;
            symmetric(matches!(init, Init::KaimingUniform { .. }), std)
        }
        _ => {
            let rule = format!(
                "μP rescales this parameter by {f}, and {} cannot be scaled as a distribution; give it a rule",
                init.name()
            );
            return Err(mup_error(path, rule));
        }
    };
    Ok(out)
}

/// A centred uniform or normal of this std.
fn symmetric(uniform: bool, std: f64) -> Init {
    if uniform {
        let bound = 3.0f64.sqrt() * std;
        Init::Uniform { a: -bound, b: bound }
    } else {
        Init::Normal { mean: 0.0, std }
    }
}

/// PyTorch's fans of the parameter (with a receptive field), for [`FanAxes::TORCH`] only:
/// mup's adjustments read dimensions 0 and 1 as fan-out and fan-in.
fn torch_fans(path: &str, init: &Init, s: &InfShape, axes: FanAxes) -> Result<Fans> {
    if axes != FanAxes::TORCH {
        let rule = format!(
            "{} with fan axes other than PyTorch's: mup reads dimension 0 as fan-out and 1 as fan-in",
            init.name()
        );
        return Err(mup_error(path, rule));
    }
    Fans::compute(init.name(), &s.shape(), axes).map_err(|e| e.at(path))
}

/// mup's `_inf_fan_adjust_xavier`.
fn adjust_xavier(mut scale: f64, s: &InfShape) -> f64 {
    let [fan_out, fan_in, ..] = s.dims() else { return scale };
    // `fan_out.base_dim or fan_out.dim`: a finite dimension (or a base of 0) counts its own size.
    let base = |d: &super::InfDim| d.base.filter(|&b| b != 0).unwrap_or(d.dim);
    scale *= ((fan_out.dim + fan_in.dim) as f64 / (base(fan_out) + base(fan_in)) as f64).sqrt();
    if s.ninf() == 2 {
        scale /= fan_in.width_mult().sqrt();
    }
    scale
}

/// mup's `_inf_fan_adjust_kaiming`.
fn adjust_kaiming(mut scale: f64, s: &InfShape, mode: FanMode) -> f64 {
    let [fan_out, fan_in, ..] = s.dims() else { return scale };
    match s.ninf() {
        1 if mode == FanMode::FanIn && fan_in.is_inf() => scale *= fan_in.width_mult().powf(0.5),
        1 if mode == FanMode::FanOut && fan_out.is_inf() => {
            scale *= fan_out.width_mult().powf(0.5);
        }
        2 if mode == FanMode::FanOut => {
            scale *= (fan_out.width_mult() / fan_in.width_mult()).sqrt();
        }
        _ => {}
    }
    scale
}
