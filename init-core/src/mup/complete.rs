//! The whole μP init of a model as runtime rules: what `set_base_shapes` and `mup.init` make
//! of the model's own inits (its declared rules, its layers' defaults, a runtime set), for
//! any generator.

use std::collections::HashMap;

use super::scale::{mu_init, times};
use super::{Mup, mup_error, weight_path};
use crate::error::Result;
use crate::module::{LayerKind, Module, join, tie};
use crate::rules::{Rule, Rules, resolve};
use crate::schemes::{FanAxes, FanMode, Fans, Init, Nonlinearity};

impl Mup {
    /// The rules that turn the standard-parametrization init of `model` into its μP init:
    /// what [`apply`](Rules::apply) after [`init_weights`](crate::ModuleExt::init_weights)
    /// (or after `sp.init_weights`) should write. For each parameter, the rule that fills it
    /// there (the precedence of [`Rules`]: the model's declared rules, then `sp`, then the
    /// layer's default) decides:
    ///
    /// - a rule (declared or in `sp`): its `mup.init` form, as [`rules`](Mup::rules) gives;
    /// - the layer's PyTorch default (or a layer-default rule): the default times
    ///   `set_base_shapes`' rescale factor ([`rescale`](Mup::rescale)) as a distribution
    ///   (Linear/convolution biases `uniform(±sqrt(fanin_mult / fan_in))`, a readout's
    ///   weight and bias times `sqrt(width_mult)`); a layer whose default is not known here
    ///   (other than Linear, the convolutions, Embedding) is an error naming the parameter;
    /// - [`zero_init`](Mup::zero_init) and [`readout_zero_init`](Mup::readout_zero_init):
    ///   `zeros`.
    ///
    /// Only parameters whose init μP changes get a rule. The values have mup's
    /// distributions; for mup's bits with [`TorchGenerator`](crate::TorchGenerator), use
    /// [`rescale`](Mup::rescale) and [`rules`](Mup::rules) instead.
    ///
    /// ```
    /// use init_core::{Init, Linear, Module, ModuleExt, Mup, Rules, Seed, Sequential};
    /// let base = Sequential::new().push(Linear::<8, 32>::zeroed()).push(Linear::<32, 32>::zeroed()).push(Linear::<32, 4>::zeroed());
    /// let mut model = Sequential::new().push(Linear::<8, 128>::zeroed()).push(Linear::<128, 128>::zeroed()).push(Linear::<128, 4>::zeroed());
    /// let mup = Mup::new(&base).readout("2");
    /// let sp = Rules::new().module("1", "weight", Init::Normal { mean: 0.0, std: 0.02 });
    /// let rng = &mut Seed::new(0);
    /// sp.init_weights(&mut model, rng)?;
    /// let rules = mup.init_rules(&model, &sp)?;
    /// let touched = rules.apply(&mut model, rng)?;
    /// // "0.*" keep their SP init: fan-in 8 is finite, nothing to rescale.
    /// assert_eq!(touched, ["1.weight", "1.bias", "2.weight", "2.bias"]);
    /// assert_eq!(rules.as_slice()[0].init(), &Init::Normal { mean: 0.0, std: 0.01 });
    /// let b = 1.0 / 128f64.sqrt() * 2.0; // default bound, times sqrt(fanin_mult)
    /// assert_eq!(rules.as_slice()[1].init(), &Init::Uniform { a: -b, b });
    /// assert_eq!(rules.as_slice()[1].to_string(), format!("uniform(a = {}, b = {b}) by μP set_base_shapes (times 2): default: Linear", -b));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn init_rules(&self, model: &dyn Module, sp: &Rules) -> Result<Rules> {
        let shapes = self.infshapes(model)?;
        let factors: HashMap<String, f64> = self.rescale_plan(model, &shapes).into_iter().collect();
        let readout_params =
            if self.readout_zero_init { self.readout_params(model) } else { Default::default() };
        let tied = tie::aliases(model);
        let mut out = Rules::new();
        for r in resolve(model, sp.as_slice()) {
            let path = join(&r.module, &r.name);
            let Some(s) = shapes.get(&path) else { continue };
            let rule = |init: Init, origin: String| {
                Rule::module(r.module.clone(), r.name.clone(), init).with_origin(origin)
            };
            if self.zero.contains(&path) || readout_params.contains(&path) {
                let why = if self.zero.contains(&path) { "zero_init" } else { "readout_zero_init" };
                out = out.rule(rule(Init::Zeros, format!("μP {why}")));
                continue;
            }
            match (&r.rule, r.fallback) {
                (Some(sp_rule), false) => {
                    let mu = mu_init(&path, sp_rule.init(), s)?;
                    if mu.changed {
                        let origin = format!("μP (width_mult {}): {sp_rule}", s.width_mult());
                        out = out.rule(rule(mu.init, origin));
                    }
                }
                (layer_rule, _) => {
                    let Some(&f) = factors.get(&path).filter(|&&f| f != 1.0) else { continue };
                    let (init, was) = match layer_rule {
                        Some(l) => (l.init().clone(), l.to_string()),
                        None => {
                            let weight =
                                shapes.get(&weight_path(&tied, &r.module)).map(|w| w.shape());
                            let init = layer_default(&path, r.kind, &r.name, weight.as_deref())?;
                            (init, format!("default: {}", r.kind))
                        }
                    };
                    let scaled = times(&path, &init, &s.shape(), f)?;
                    out = out.rule(rule(scaled, format!("μP set_base_shapes (times {f}): {was}")));
                }
            }
        }
        Ok(out)
    }
}

/// PyTorch's default init of parameter `name` of a layer of `kind`, for the layers whose
/// parameters `set_base_shapes` rescales: Linear and the convolutions (`reset_parameters`:
/// weight `kaiming_uniform(a = sqrt(5))`, bias `uniform(±1/sqrt(fan_in))`), Embedding (a tied
/// readout's weight: `normal(0, 1)`).
fn layer_default(
    path: &str,
    kind: LayerKind,
    name: &str,
    weight: Option<&[usize]>,
) -> Result<Init> {
    let linear_like = super::is_linear_or_conv(kind);
    match (name, weight) {
        ("weight", _) if linear_like => Ok(Init::KaimingUniform {
            a: 5f64.sqrt(),
            mode: FanMode::FanIn,
            nonlinearity: Nonlinearity::LeakyRelu,
            axes: FanAxes::TORCH,
        }),
        ("bias", Some(w)) if linear_like => {
            let fans = Fans::compute("bias", w, FanAxes::TORCH).map_err(|e| e.at(path))?;
            let bound = if fans.fan_in > 0 { 1.0 / (fans.fan_in as f64).sqrt() } else { 0.0 };
            Ok(Init::Uniform { a: -bound, b: bound })
        }
        ("weight", _) if kind == LayerKind::Embedding => Ok(Init::Normal { mean: 0.0, std: 1.0 }),
        _ => {
            let rule = format!(
                "μP rescales this parameter, and the PyTorch default of a {kind}'s {name} is not known here; give it a rule"
            );
            Err(mup_error(path, rule))
        }
    }
}
