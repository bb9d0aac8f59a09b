//! [`ModuleExt`]: what is done to a whole model (initialize it, copy its state in and out,
//! save and load it), for every [`Module`] and for `dyn Module`.
//!
//! These are the algorithms over a module tree. They sit above everything they use (the
//! module tree, the rule engine, state dicts, safetensors files) and nothing in the crate
//! imports this module, so no layer below can reach back up. They walk the tree through
//! [`Module::visit`] and [`Module::visit_mut`] only: a module that overrides a provided
//! traversal (`named_parameters`, say) changes none of them.

use std::path::Path;

use ndarray::ArrayViewD;

use crate::error::Result;
use crate::module::{Module, tie};
use crate::pytorch;
use crate::rng::Generator;
use crate::rules::{Fallback, TorchLoop, run, run_torch};
use crate::safetensors::{self, Conversion};
use crate::state::load::{self, Mode};
use crate::state::{LoadReport, StateDict};

/// Initialization, state dicts and files for every module tree: `model.init_weights(rng)`,
/// `model.state_dict()`, `model.save_safetensors(path)`.
///
/// Implemented once, for every `M: Module + ?Sized` (so for `dyn Module` and, through
/// `Deref`, `Box<dyn Module>`), and for nothing else: no module can override these methods,
/// so loading always sees the keys that `state_dict` writes. Bring it into scope with
/// `use init::prelude::*` or `use init::ModuleExt`.
///
/// ```
/// use init_core::{Linear, Module, ModuleExt, ReLU, Seed, Sequential};
/// let mut model: Box<dyn Module> =
///     Box::new(Sequential::new().push(Linear::<4, 8>::zeroed()).push(ReLU));
/// model.init_weights(&mut Seed::new(0))?;
/// let sd = model.state_dict();
/// assert_eq!(sd.keys().collect::<Vec<_>>(), ["0.weight", "0.bias"]);
/// assert_eq!(model.get_parameter("0.bias").unwrap().origin(), Some("default: Linear"));
/// # Ok::<(), init_core::InitError>(())
/// ```
pub trait ModuleExt: Module {
    /// Initialize every parameter of the tree exactly once: by the nearest matching rule
    /// (see [`Rules`](crate::Rules)), else by its layer's PyTorch default. A subtree that no
    /// rule touches goes through [`reset_parameters`](Module::reset_parameters), so a model
    /// without rules gets exactly PyTorch's values and draw order. Returns nothing; every
    /// parameter's [`origin`](crate::Param::origin) says which rule set it.
    ///
    /// ```
    /// use init_core::{Linear, Module, ModuleExt, Seed};
    /// let mut fc = Linear::<3, 2>::zeroed();
    /// fc.init_weights(&mut Seed::new(0))?;
    /// assert_eq!(fc, Linear::<3, 2>::new(&mut Seed::new(0))?);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn init_weights(&mut self, rng: &mut dyn Generator) -> Result<()>;

    /// Initialize the tree as the PyTorch program a port comes from did, draw for draw:
    /// construct the model (every layer's default init, in construction order, including
    /// the parameters a rule will overwrite), then loop over the modules in `order`
    /// (`for m in model.modules()` or `model.apply(fn)`) applying the rules the modules
    /// declare. At each module every rule that matches one of its own parameters is applied,
    /// the one [`init_weights`](ModuleExt::init_weights) would choose last, so the values
    /// left are the ones `init_weights` gives with a counter-based generator; with
    /// [`TorchGenerator`](crate::TorchGenerator) they are the PyTorch program's, bit for bit.
    /// A generator that is not [sequential](Generator::is_sequential), such as
    /// [`Seed`](crate::Seed), gets [`init_weights`](ModuleExt::init_weights) itself: the
    /// same values with one fill per parameter.
    ///
    /// ```
    /// use init_core::{Linear, Module, ModuleExt, Seed, TorchGenerator, TorchLoop};
    /// // No rules: the construction alone, as `Linear::new`.
    /// let mut fc = Linear::<3, 2>::zeroed();
    /// fc.init_weights_torch(&mut TorchGenerator::new(0), TorchLoop::Apply)?;
    /// assert_eq!(fc, Linear::<3, 2>::new(&mut TorchGenerator::new(0))?);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn init_weights_torch(&mut self, rng: &mut dyn Generator, order: TorchLoop) -> Result<()>;

    /// Every parameter and persistent buffer of the tree, copied, under PyTorch's keys and in
    /// its order: modules in pre-order, each module's own parameters (registration order),
    /// then its own buffers ([`Buffer::non_persistent`](crate::Buffer::non_persistent) ones
    /// are left out, as PyTorch's `persistent=False`). Parameters and `f32` buffers are [`Tensor::F32`](crate::Tensor::F32);
    /// `num_batches_tracked` is [`Tensor::I64`](crate::Tensor::I64).
    ///
    /// ```
    /// use init_core::{BatchNorm1d, Linear, ModuleExt, ReLU, Sequential, Tensor};
    /// let mlp = Sequential::new().push(Linear::<4, 8>::zeroed()).push(BatchNorm1d::<8>::new()).push(ReLU);
    /// let sd = mlp.state_dict();
    /// assert_eq!(
    ///     sd.keys().collect::<Vec<_>>(),
    ///     ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"]
    /// );
    /// assert!(matches!(sd.get("1.num_batches_tracked"), Some(Tensor::I64(_))));
    /// ```
    fn state_dict(&self) -> StateDict;

    /// Copy every value of `sd` into the tree, strictly: each key of the model must be in
    /// `sd` with the same shape and element type, and `sd` must hold no other key.
    ///
    /// Atomic: everything is checked before the first value is written. On any problem the
    /// model is unchanged and the one error ([`ErrorKind::LoadStateDict`](crate::ErrorKind::LoadStateDict))
    /// lists every missing, unexpected and mismatched key, mismatches with both shapes, in
    /// PyTorch's words. (PyTorch copies as it goes and can leave a model half loaded.)
    /// Values are copied; `requires_grad` is kept; each parameter's
    /// [`origin`](crate::Param::origin) becomes `"loaded by load_state_dict"`.
    ///
    /// ```
    /// use init_core::{Linear, ModuleExt, Seed};
    /// let trained = Linear::<3, 2>::new(&mut Seed::new(0))?;
    /// let mut fc = Linear::<3, 2>::zeroed();
    /// fc.load_state_dict(&trained.state_dict())?;
    /// assert_eq!(fc, trained);
    ///
    /// let wrong = Linear::<4, 2>::zeroed().state_dict();
    /// let err = fc.load_state_dict(&wrong).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "Error(s) in loading state_dict for Linear (nothing was loaded):\n\t\
    ///      size mismatch for weight: copying a param with shape [2, 4] from checkpoint, the shape in current model is [2, 3]."
    /// );
    /// assert_eq!(fc, trained);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn load_state_dict(&mut self, sd: &StateDict) -> Result<LoadReport>;

    /// Copy the values of `sd` whose key, shape and element type match the model, and
    /// report the rest (missing, unexpected and mismatched keys) instead of failing.
    /// Unlike PyTorch's `strict=False`, a size mismatch is skipped and reported, not raised.
    ///
    /// Atomic like [`load_state_dict`](ModuleExt::load_state_dict): an error (a model that
    /// holds two entries under one key) comes before anything is written.
    ///
    /// ```
    /// use init_core::{Linear, Module, ModuleExt, Seed};
    /// let trained = Linear::<3, 2>::new(&mut Seed::new(0))?;
    /// // Same weight, a head without bias: the bias is reported, the weight loaded.
    /// let mut fc = Linear::<3, 2, false>::zeroed();
    /// let report = fc.load_state_dict_partial(&trained.state_dict())?;
    /// assert_eq!(report.loaded, ["weight"]);
    /// assert_eq!(report.unexpected, ["bias"]);
    /// assert_eq!(fc.weight().unwrap(), trained.weight().unwrap());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn load_state_dict_partial(&mut self, sd: &StateDict) -> Result<LoadReport>;

    /// Copy `value` into the parameter at a dotted path (`"conv1.weight"`): the forum
    /// thread's "Method 2", with the shape checked. A value of another shape is refused with
    /// both shapes and the parameter is unchanged; a path that names no parameter is an
    /// error that says what is there instead. `requires_grad` is kept; the parameter's
    /// [`origin`](crate::Param::origin) becomes `"set by set_parameter"`.
    ///
    /// ```
    /// use init_core::{Conv2d, Module, ModuleExt, Sequential};
    /// use ndarray::ArrayD;
    /// let mut net = Sequential::new().push(Conv2d::<1, 3, 3>::zeroed());
    /// net.set_parameter("0.weight", ArrayD::from_elem(vec![3, 1, 3, 3], 0.5).view())?;
    /// assert!(net.get_parameter("0.weight").unwrap().as_slice().iter().all(|&w| w == 0.5));
    ///
    /// let err = net.set_parameter("0.weight", ArrayD::zeros(vec![1, 1, 3, 3]).view()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "0.weight: shape mismatch: the parameter has shape [3, 1, 3, 3], the source has shape [1, 1, 3, 3]"
    /// );
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn set_parameter(&mut self, path: &str, value: ArrayViewD<'_, f32>) -> Result<()>;

    /// Make the two paths of every tied parameter ([`Tie`](crate::Tie)) one storage again,
    /// with the target's values, `requires_grad` and origin (Hugging Face's `tie_weights`).
    /// Every operation on the model ends with it; call it after writing to a tied
    /// parameter through a handle or a field directly, before a forward pass reads the
    /// other path. A target that is not a parameter of the model, or has another shape,
    /// is an error naming both paths.
    fn tie_weights(&mut self) -> Result<()>;

    /// Save the [`state_dict`](ModuleExt::state_dict) as a safetensors file, atomically (a
    /// temporary file in the same directory, synced, then renamed over `path`), readable by
    /// PyTorch's `safetensors.torch.load_file`, candle and burn. A tied parameter is saved
    /// once, under its target's key, as Hugging Face's `save_pretrained` does (safetensors
    /// refuses two keys on one storage); loading accepts such a file.
    ///
    /// ```
    /// use init_core::{Linear, ModuleExt, Seed};
    /// let path = std::env::temp_dir().join(format!("init-doc-{}.safetensors", std::process::id()));
    /// let fc = Linear::<3, 2>::new(&mut Seed::new(0))?;
    /// fc.save_safetensors(&path)?;
    /// let mut copy = Linear::<3, 2>::zeroed();
    /// let (report, conversions) = copy.load_safetensors(&path)?;
    /// assert!(report.is_clean() && conversions.is_empty());
    /// assert_eq!(copy, fc);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn save_safetensors(&self, path: impl AsRef<Path>) -> Result<()>;

    /// Load a safetensors file strictly and atomically (see
    /// [`load_state_dict`](ModuleExt::load_state_dict)): every key must fit, else nothing
    /// changes. Returns the load report and the tensors converted to `f32` from `F16`,
    /// `BF16` or `F64`.
    ///
    /// ```
    /// use init_core::{Linear, Module, ModuleExt, Seed};
    /// let path = std::env::temp_dir().join(format!("init-doc-dyn-{}.safetensors", std::process::id()));
    /// Linear::<3, 2>::new(&mut Seed::new(0))?.save_safetensors(&path)?;
    /// let mut model: Box<dyn Module> = Box::new(Linear::<3, 2>::zeroed());
    /// model.load_safetensors(&path)?;
    /// assert_eq!(model.weight().unwrap().origin(), Some("loaded by load_state_dict"));
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn load_safetensors(&mut self, path: impl AsRef<Path>)
    -> Result<(LoadReport, Vec<Conversion>)>;

    /// Load a PyTorch file (`torch.save(model.state_dict(), path)`) strictly and atomically,
    /// as [`load_safetensors`](ModuleExt::load_safetensors) does: the file is read whole and
    /// checked ([`load_pytorch`](crate::load_pytorch): a restricted unpickler that runs
    /// nothing), then every key is checked against the model before any value is written.
    /// Returns the load report and the tensors converted on load.
    ///
    /// ```
    /// use init_core::{Linear, ModuleExt};
    /// let mut fc = Linear::<3, 2>::zeroed();
    /// let err = fc.load_pytorch("no/such/model.pth").unwrap_err();
    /// assert_eq!(err.to_string(), "no/such/model.pth: no such file");
    /// ```
    fn load_pytorch(&mut self, path: impl AsRef<Path>) -> Result<(LoadReport, Vec<Conversion>)>;

    /// [`load_pytorch`](ModuleExt::load_pytorch) from the entry `key` of the pickled dict
    /// (`torch.save({"model": model.state_dict(), "epoch": 3}, path)`).
    ///
    /// ```
    /// use init_core::{Linear, ModuleExt};
    /// let mut fc = Linear::<3, 2>::zeroed();
    /// let err = fc.load_pytorch_key("no/such/checkpoint.pt", "model").unwrap_err();
    /// assert_eq!(err.to_string(), "no/such/checkpoint.pt: no such file");
    /// ```
    fn load_pytorch_key(
        &mut self,
        path: impl AsRef<Path>,
        key: &str,
    ) -> Result<(LoadReport, Vec<Conversion>)>;
}

impl<M: Module + ?Sized> ModuleExt for M {
    fn init_weights(&mut self, rng: &mut dyn Generator) -> Result<()> {
        run(self.as_module_mut(), &[], Fallback::Default, rng).map(|_| ())
    }

    fn init_weights_torch(&mut self, rng: &mut dyn Generator, order: TorchLoop) -> Result<()> {
        run_torch(self.as_module_mut(), &[], Fallback::Default, order, rng).map(|_| ())
    }

    fn state_dict(&self) -> StateDict {
        load::state_dict(self.as_module())
    }

    fn load_state_dict(&mut self, sd: &StateDict) -> Result<LoadReport> {
        load::load(self.as_module_mut(), sd, Mode::Strict)
    }

    fn load_state_dict_partial(&mut self, sd: &StateDict) -> Result<LoadReport> {
        load::load(self.as_module_mut(), sd, Mode::Partial)
    }

    fn set_parameter(&mut self, path: &str, value: ArrayViewD<'_, f32>) -> Result<()> {
        load::set_parameter(self.as_module_mut(), path, value)
    }

    fn tie_weights(&mut self) -> Result<()> {
        tie::settle(self.as_module_mut(), &|_| false)
    }

    fn save_safetensors(&self, path: impl AsRef<Path>) -> Result<()> {
        safetensors::save(&load::state_dict_to_save(self.as_module()), path)
    }

    fn load_safetensors(
        &mut self,
        path: impl AsRef<Path>,
    ) -> Result<(LoadReport, Vec<Conversion>)> {
        let loaded = safetensors::load(path)?;
        let report = load::load(self.as_module_mut(), &loaded.state, Mode::Strict)?;
        Ok((report, loaded.conversions))
    }

    fn load_pytorch(&mut self, path: impl AsRef<Path>) -> Result<(LoadReport, Vec<Conversion>)> {
        let loaded = pytorch::load_pytorch(path)?;
        let report = load::load(self.as_module_mut(), &loaded.state, Mode::Strict)?;
        Ok((report, loaded.conversions))
    }

    fn load_pytorch_key(
        &mut self,
        path: impl AsRef<Path>,
        key: &str,
    ) -> Result<(LoadReport, Vec<Conversion>)> {
        let loaded = pytorch::load_pytorch_key(path, key)?;
        let report = load::load(self.as_module_mut(), &loaded.state, Mode::Strict)?;
        Ok((report, loaded.conversions))
    }
}
