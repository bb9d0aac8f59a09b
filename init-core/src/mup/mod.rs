//! μP, the maximal update parametrization (Yang et al., microsoft/mup): base shapes, the
//! μP form of each init, the readout and bias rescaling of `set_base_shapes`, and the
//! optimizers' per-parameter multipliers as data. Documented on [`Mup`].

mod bsh;
mod complete;
mod infshapes;
mod lr;
mod rescale;
mod scale;
mod shape;

use std::collections::{BTreeMap, HashMap, HashSet};

pub use infshapes::InfShapes;
pub use lr::{LrRow, LrTable};
pub use shape::{BaseShapes, InfDim, InfShape};

use crate::error::{ErrorKind, InitError, Result};
use crate::module::traverse::parts;
use crate::module::{LayerKind, Module, join, tie};
use crate::rules::{Rule, Rules, winner};
use crate::schemes::Init;

fn mup_error(path: &str, rule: String) -> InitError {
    InitError::new(path, ErrorKind::Mup { rule })
}

/// μP for a model: its base shapes (a base model of small width, optionally a delta model,
/// or an explicit [`BaseShapes`]), its readout layers, and what μP makes of the inits, the
/// parameters and the optimizer, as microsoft/mup's `set_base_shapes`, `MuReadout`,
/// `mup.init.*` and `MuAdam`/`MuSGD` do.
///
/// - [`infshapes`](Mup::infshapes): every parameter's [`InfShape`] (which dimensions are
///   widths, and the width multiplier), with mup's check that no linear layer maps a width
///   to a finite dimension unless it is a readout.
/// - [`rules`](Mup::rules): runtime [`Rules`] holding the μP form of the
///   standard-parametrization inits you give (`mup.init.normal_` and co.), each a concrete
///   [`Init`] with the scaled std or bounds and an origin saying so.
/// - [`rescale`](Mup::rescale): `set_base_shapes`' `rescale_params` on a model initialized
///   with PyTorch's defaults (readout weight and bias times `width_mult ** 0.5`, every other
///   linear or convolution bias times `fanin_mult ** 0.5`), in `f32` as PyTorch multiplies.
/// - [`lr_table`](Mup::lr_table) and [`metadata`](Mup::metadata): the optimizers'
///   per-parameter learning-rate and weight-decay multipliers, and everything μP needs at
///   training time, as safetensors `__metadata__` that survives saving and loading.
///
/// With [`TorchGenerator`](crate::TorchGenerator), the PyTorch program
/// `torch.manual_seed(s); model = M(width); set_base_shapes(model, base, delta=delta)`, then
/// `mup.init.*` calls in `named_parameters` order, is `M::new(&mut g)?`,
/// [`rescale`](Mup::rescale), then [`Rules::apply_torch`] of [`rules`](Mup::rules) with
/// [`TorchLoop::Modules`](crate::TorchLoop::Modules): the same bits (tests/test_mup.rs).
///
/// The forward-pass parts of μP are not parameters, and are exported as metadata for the
/// training code to apply: a readout's input is multiplied by `output_mult / width_mult`
/// (`MuReadout.forward`), and attention scores are scaled by `1 / d_head` instead of
/// `1 / sqrt(d_head)` ([`attention`](Mup::attention)).
///
/// ```
/// use init_core::{Init, Linear, Module, Mup, Rules, Seed, Sequential};
///
/// let mut model = Sequential::new()
///     .push(Linear::<16, 128>::zeroed())
///     .push(Linear::<128, 128>::zeroed())
///     .push(Linear::<128, 10>::zeroed());
/// let base = Sequential::new()
///     .push(Linear::<16, 32>::zeroed())
///     .push(Linear::<32, 32>::zeroed())
///     .push(Linear::<32, 10>::zeroed());
/// let mup = Mup::new(&base).readout("2");
/// let shapes = mup.infshapes(&model)?;
/// assert_eq!(shapes.get("1.weight").unwrap().width_mult(), 4.0);
///
/// let sp = Rules::new().glob("*.weight", Init::Normal { mean: 0.0, std: 0.02 });
/// let rules = mup.rules(&model, &sp)?;
/// rules.init_weights(&mut model, &mut Seed::new(0))?;
/// let w = model.get_parameter("1.weight").unwrap();
/// assert_eq!(w.origin(), Some("normal(std = 0.01) by μP (width_mult 4): normal(std = 0.02) by rule \"*.weight\""));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mup {
    base: BaseShapes,
    readouts: Vec<String>,
    output_mult: f64,
    readout_zero_init: bool,
    zero: Vec<String>,
    d_head: Option<usize>,
}

impl Mup {
    /// μP with `base` (the same model at a small width) giving the base shapes: a dimension
    /// is a width wherever the model's size differs from the base's.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let mup = Mup::new(&Linear::<4, 8>::zeroed());
    /// let s = mup.infshapes(&Linear::<4, 8>::zeroed())?;
    /// assert_eq!(s.get("weight").unwrap().ninf(), 0);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn new(base: &dyn Module) -> Self {
        Mup::from_base_shapes(BaseShapes::of(base))
    }

    /// μP with base shapes given as data ([`BaseShapes::from_list`], or from another run).
    ///
    /// ```
    /// use init_core::{BaseShapes, Linear, Module, Mup};
    /// let base = BaseShapes::from_list(vec![("weight".into(), vec![Some(4), None]), ("bias".into(), vec![Some(4)])])?;
    /// let s = Mup::from_base_shapes(base).infshapes(&Linear::<3, 8>::zeroed())?;
    /// assert_eq!(s.get("weight").unwrap().width_mult(), 2.0);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn from_base_shapes(base: BaseShapes) -> Self {
        Mup {
            base,
            readouts: Vec::new(),
            output_mult: 1.0,
            readout_zero_init: false,
            zero: Vec::new(),
            d_head: None,
        }
    }

    /// Decide the widths with a delta model (mup's `delta=`): see [`BaseShapes::with_delta`].
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let mup = Mup::new(&Linear::<4, 8>::zeroed()).delta(&Linear::<4, 16>::zeroed())?;
    /// // A model of the base's own width still has width dimensions (multiplier 1).
    /// assert_eq!(mup.infshapes(&Linear::<4, 8>::zeroed())?.get("weight").unwrap().ninf(), 1);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn delta(mut self, delta: &dyn Module) -> Result<Self> {
        self.base = self.base.with_delta(delta)?;
        Ok(self)
    }

    /// Declare the module at `path` a readout (mup's `MuReadout`): its weight and bias are
    /// rescaled by `width_mult ** 0.5` ([`rescale`](Mup::rescale)), and its input is to be
    /// multiplied by `output_mult / width_mult` in the forward pass (metadata).
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup, Sequential};
    /// let net = Sequential::new().push(Linear::<4, 64>::zeroed()).push(Linear::<64, 2>::zeroed());
    /// let base = Sequential::new().push(Linear::<4, 16>::zeroed()).push(Linear::<16, 2>::zeroed());
    /// assert!(Mup::new(&base).infshapes(&net).is_err()); // "1" maps a width to 2 outputs
    /// assert!(Mup::new(&base).readout("1").infshapes(&net).is_ok());
    /// ```
    #[must_use]
    pub fn readout(mut self, path: impl Into<String>) -> Self {
        self.readouts.push(path.into());
        self
    }

    /// The readouts' `output_mult` (mup's `MuReadout(output_mult=...)`, default 1): in the
    /// metadata only, as a forward-pass factor.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let mup = Mup::new(&Linear::<16, 4>::zeroed()).readout("").output_mult(2.0);
    /// let meta = mup.metadata(&Linear::<64, 4>::zeroed())?;
    /// assert_eq!(meta["mup.readout."], "output_mult=2.0 width_mult=4.0 input_mult=0.5");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    #[must_use]
    pub fn output_mult(mut self, output_mult: f64) -> Self {
        self.output_mult = output_mult;
        self
    }

    /// Initialize the readouts' weights and biases to zero (mup's
    /// `MuReadout(readout_zero_init=True)`): [`rules`](Mup::rules) give them `zeros`, and
    /// [`rescale`](Mup::rescale) writes zeros. mup's `MuReadout` then draws nothing at
    /// construction, where a `Linear` built by `init_weights_torch` does: with
    /// [`TorchGenerator`](crate::TorchGenerator), layers drawn after the readout match mup's
    /// bits only for a model that zeroes a default-initialized readout (`p.zero_()`), not one
    /// built with `readout_zero_init=True`.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup, Rules};
    /// let mup = Mup::new(&Linear::<16, 4>::zeroed()).readout("").readout_zero_init(true);
    /// let rules = mup.rules(&Linear::<64, 4>::zeroed(), &Rules::new())?;
    /// assert_eq!(rules.as_slice().len(), 2);
    /// assert_eq!(rules.as_slice()[0].to_string(), "zeros by μP readout_zero_init");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    #[must_use]
    pub fn readout_zero_init(mut self, zero: bool) -> Self {
        self.readout_zero_init = zero;
        self
    }

    /// Initialize the parameter at `path` to zero whatever the other rules say: μP's
    /// recommended zero init of the attention's query projection (`"blocks.0.attn.q.weight"`).
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup, Rules};
    /// let mup = Mup::new(&Linear::<4, 4>::zeroed()).zero_init("weight");
    /// let rules = mup.rules(&Linear::<4, 4>::zeroed(), &Rules::new())?;
    /// assert_eq!(rules.as_slice()[0].to_string(), "zeros by μP zero_init");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    #[must_use]
    pub fn zero_init(mut self, path: impl Into<String>) -> Self {
        self.zero.push(path.into());
        self
    }

    /// Declare μP attention with heads of `d_head` dimensions: scores scaled by
    /// `1 / d_head` instead of `1 / sqrt(d_head)`. A forward-pass change: exported in the
    /// metadata (`mup.attention`), not applied by any layer of this crate.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let mup = Mup::new(&Linear::<4, 4>::zeroed()).attention(64);
    /// let meta = mup.metadata(&Linear::<4, 4>::zeroed())?;
    /// assert_eq!(meta["mup.attention"], "d_head=64 scale=0.015625 rule=1/d_head");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    #[must_use]
    pub fn attention(mut self, d_head: usize) -> Self {
        self.d_head = Some(d_head);
        self
    }

    /// The base shapes.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// assert_eq!(Mup::new(&Linear::<4, 4>::zeroed()).base_shapes().len(), 2);
    /// ```
    pub fn base_shapes(&self) -> &BaseShapes {
        &self.base
    }

    /// Every parameter of `model` (`named_parameters`) with its [`InfShape`]. Errors name the
    /// path: a parameter missing from the base shapes or extra in them, a rank that differs,
    /// a readout or zero-init path that is not in the model, and (mup's
    /// `assert_hidden_size_inf`) a `Linear` with a finite fan-out and a width fan-in that is
    /// not declared a [`readout`](Mup::readout).
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let err = Mup::new(&Linear::<16, 4>::zeroed()).infshapes(&Linear::<64, 4>::zeroed()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "(root): μP: a Linear with a finite fan-out and a width fan-in ([FinDim(4), InfDim(16, 64)]) \
    ///      must be a readout: declare it with Mup::readout(\"\"), or make its fan-out a width"
    /// );
    /// ```
    pub fn infshapes(&self, model: &dyn Module) -> Result<InfShapes> {
        let shapes = InfShapes::new(self.base.resolve(model)?);
        let modules = model.named_modules();
        let tied = tie::aliases(model);
        for r in &self.readouts {
            match modules.iter().find(|(p, _)| p == r) {
                Some((_, m)) if m.weight().is_some() => {}
                Some(_) => return Err(mup_error(r, "a readout must have a weight".into())),
                None => {
                    return Err(mup_error(
                        r,
                        "declared a readout, but the model has no module at this path".into(),
                    ));
                }
            }
        }
        for z in &self.zero {
            if shapes.get(z).is_none() {
                return Err(mup_error(
                    z,
                    "declared zero_init, but the model has no parameter at this path".into(),
                ));
            }
        }
        for (path, m) in &modules {
            if m.kind() != LayerKind::Linear || self.readouts.contains(path) {
                continue;
            }
            let Some(s) = shapes.get(&weight_path(&tied, path)) else { continue };
            if let [fan_out, fan_in] = s.dims()
                && !fan_out.is_inf()
                && fan_in.is_inf()
            {
                let rule = format!(
                    "a Linear with a finite fan-out and a width fan-in ({s}) must be a readout: declare it with Mup::readout({path:?}), or make its fan-out a width"
                );
                let shown = if path.is_empty() { "(root)" } else { path };
                return Err(mup_error(shown, rule));
            }
        }
        Ok(shapes)
    }

    /// The μP form of a standard-parametrization init: for each parameter of `model` that a
    /// rule of `sp` matches (the precedence of [`Rules`]), a [`Rule::module`] holding what
    /// `mup.init`'s function of the same name draws (a concrete `normal`/`uniform` for the
    /// fan-scaled schemes; see the table in the crate's μP section). The readouts' parameters
    /// (with [`readout_zero_init`](Mup::readout_zero_init)) and the
    /// [`zero_init`](Mup::zero_init) paths get `zeros`. Parameters nothing matches get no rule.
    ///
    /// An init μP has no form of (orthogonal, sparse, ...) on a parameter with a width
    /// dimension, or a mean other than 0 on one with two, is an error naming the parameter.
    ///
    /// ```
    /// use init_core::{FanMode, Init, Linear, Module, Mup, Rules, kaiming_normal};
    /// let mup = Mup::new(&Linear::<32, 32>::zeroed());
    /// let sp = Rules::new().module("", "weight", Init::from(kaiming_normal().mode(FanMode::FanOut)));
    /// let rules = mup.rules(&Linear::<128, 128>::zeroed(), &sp)?;
    /// assert_eq!(rules.as_slice()[0].init(), &Init::Normal { mean: 0.0, std: (2.0f64).sqrt() / 128f64.sqrt() });
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn rules(&self, model: &dyn Module, sp: &Rules) -> Result<Rules> {
        let shapes = self.infshapes(model)?;
        let readout_params: HashSet<String> =
            if self.readout_zero_init { self.readout_params(model) } else { HashSet::new() };
        let mut out = Rules::new();
        for (module_path, m) in model.named_modules() {
            for (name, _) in parts(m).params {
                let path = join(&module_path, &name);
                let Some(s) = shapes.get(&path) else { continue };
                if self.zero.contains(&path) || readout_params.contains(&path) {
                    let why =
                        if self.zero.contains(&path) { "zero_init" } else { "readout_zero_init" };
                    let rule = Rule::module(module_path.clone(), name, Init::Zeros);
                    out = out.rule(rule.with_origin(format!("μP {why}")));
                    continue;
                }
                let Some(sp_rule) = winner(sp.as_slice(), &module_path, m.kind(), &name) else {
                    continue;
                };
                let mu = scale::mu_init(&path, sp_rule.init(), s)?;
                let origin = if mu.changed {
                    format!("μP (width_mult {}): {sp_rule}", s.width_mult())
                } else {
                    format!("μP (unchanged, {} width dimension(s)): {sp_rule}", s.ninf())
                };
                out =
                    out.rule(Rule::module(module_path.clone(), name, mu.init).with_origin(origin));
            }
        }
        Ok(out)
    }

    /// Every parameter's optimizer multipliers ([`LrTable`]), from its infshape.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let mup = Mup::new(&Linear::<32, 32>::zeroed());
    /// let table = mup.lr_table(&Linear::<64, 64>::zeroed())?;
    /// assert_eq!(table.get("weight").unwrap().adam_lr, 0.5);
    /// assert_eq!(table.get("bias").unwrap().sgd_lr, 2.0);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn lr_table(&self, model: &dyn Module) -> Result<LrTable> {
        let rows = self.infshapes(model)?.into_rows().into_iter().map(|(p, s)| LrRow::new(p, s));
        LrTable::new(rows.collect::<Result<_>>()?)
    }

    /// Everything μP needs at training time, as safetensors `__metadata__` entries: the
    /// [`LrTable::to_metadata`] keys, plus `mup.readouts` (the readout paths, space-separated),
    /// one `mup.readout.<path>` per readout (`output_mult=<f> width_mult=<f> input_mult=<f>`:
    /// `MuReadout.forward` multiplies its input by `output_mult / width_mult`, which mup
    /// computes as `output_mult * x / width_mult`) and `mup.attention` (`d_head=<n>
    /// scale=<1/d_head> rule=1/d_head`) when declared. Save it with
    /// [`safetensors::save_with_metadata`](crate::safetensors::save_with_metadata).
    ///
    /// ```
    /// use init_core::{Linear, Module, ModuleExt, Mup, LrTable};
    /// use init_core::safetensors::{from_bytes, to_bytes_with_metadata};
    /// let model = Linear::<64, 64>::zeroed();
    /// let meta = Mup::new(&Linear::<16, 16>::zeroed()).metadata(&model)?;
    /// let loaded = from_bytes(&to_bytes_with_metadata(&model.state_dict(), &meta)?)?;
    /// let table = LrTable::from_metadata(&loaded.metadata)?;
    /// assert_eq!(table.get("weight").unwrap().adam_lr, 0.25);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn metadata(&self, model: &dyn Module) -> Result<BTreeMap<String, String>> {
        let shapes = self.infshapes(model)?;
        let tied = tie::aliases(model);
        let mut meta = self.lr_table(model)?.to_metadata();
        let readout = |path: &str| {
            let wm = shapes.get(&weight_path(&tied, path)).map_or(1.0, InfShape::width_mult);
            let input_mult = self.output_mult / wm;
            format!(
                "output_mult={:?} width_mult={wm:?} input_mult={input_mult:?}",
                self.output_mult
            )
        };
        if !self.readouts.is_empty() {
            meta.insert("mup.readouts".into(), self.readouts.join(" "));
        }
        for r in &self.readouts {
            meta.insert(format!("mup.readout.{r}"), readout(r));
        }
        if let Some(d) = self.d_head {
            let scale = 1.0 / d as f64;
            meta.insert(
                "mup.attention".into(),
                format!("d_head={d} scale={scale:?} rule=1/d_head"),
            );
        }
        Ok(meta)
    }

    /// The paths of the readouts' parameters.
    fn readout_params(&self, model: &dyn Module) -> HashSet<String> {
        let mut out = HashSet::new();
        for r in &self.readouts {
            if let Some(m) = model.get_submodule(r) {
                out.extend(parts(m).params.into_iter().map(|(n, _)| join(r, &n)));
            }
        }
        out
    }
}

/// The path of the weight of the module at `path`: its own, or the parameter it is tied to
/// (a readout sharing the embedding's weight, mup's `MuSharedReadout`).
fn weight_path(tied: &HashMap<String, String>, path: &str) -> String {
    let own = join(path, "weight");
    tied.get(&own).cloned().unwrap_or(own)
}

fn is_linear_or_conv(kind: LayerKind) -> bool {
    use LayerKind as K;
    matches!(
        kind,
        K::Linear
            | K::Conv1d
            | K::Conv2d
            | K::Conv3d
            | K::ConvTranspose1d
            | K::ConvTranspose2d
            | K::ConvTranspose3d
    )
}

#[cfg(test)]
mod tests;
