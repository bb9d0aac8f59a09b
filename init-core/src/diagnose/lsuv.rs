//! Layer-sequential unit-variance initialization (Mishkin & Matas, "All you need is a good
//! init", ICLR 2016, Algorithm 1), deterministic.

use ndarray::ArrayViewD;

use super::resolve;
use crate::error::{ErrorKind, InitError, Result};
use crate::module::trace::{self, Keep};
use crate::module::traverse::param_mut_at;
use crate::module::{Forward, LayerKind, Module, join};
use crate::rng::Generator;
use crate::schemes::Init;

/// The layers LSUV scales: the paper's convolutional and fully connected layers.
const SCALED: &[LayerKind] = &[
    LayerKind::Linear,
    LayerKind::Bilinear,
    LayerKind::Conv1d,
    LayerKind::Conv2d,
    LayerKind::Conv3d,
    LayerKind::ConvTranspose1d,
    LayerKind::ConvTranspose2d,
    LayerKind::ConvTranspose3d,
    LayerKind::Conv1D,
];

/// The settings of [`lsuv`]; [`Default`] is the paper's: tolerance 0.1, at most 10
/// rescalings per layer, target variance 1, orthogonal start.
///
/// ```
/// use init_core::LsuvConfig;
/// let c = LsuvConfig::default().tol(0.01).max_iters(20);
/// assert_eq!((c.tol, c.max_iters, c.target_var, c.orthogonal), (0.01, 20, 1.0, true));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LsuvConfig {
    /// A layer is done when `|var - target_var| < tol`.
    pub tol: f64,
    /// Rescalings allowed per layer; a layer still outside the tolerance after them is an
    /// error.
    pub max_iters: usize,
    /// The output variance to reach.
    pub target_var: f64,
    /// Start from `orthogonal(gain = 1)` weights and zero biases (the paper's step 1); when
    /// false, the current values are rescaled as they are.
    pub orthogonal: bool,
}

impl Default for LsuvConfig {
    fn default() -> Self {
        LsuvConfig { tol: 0.1, max_iters: 10, target_var: 1.0, orthogonal: true }
    }
}

impl LsuvConfig {
    /// Set [`tol`](LsuvConfig::tol).
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Set [`max_iters`](LsuvConfig::max_iters).
    #[must_use]
    pub fn max_iters(mut self, max_iters: usize) -> Self {
        self.max_iters = max_iters;
        self
    }

    /// Set [`target_var`](LsuvConfig::target_var).
    #[must_use]
    pub fn target_var(mut self, target_var: f64) -> Self {
        self.target_var = target_var;
        self
    }

    /// Set [`orthogonal`](LsuvConfig::orthogonal).
    #[must_use]
    pub fn orthogonal(mut self, orthogonal: bool) -> Self {
        self.orthogonal = orthogonal;
        self
    }

    fn check(&self) -> Result<()> {
        let bad = |rule: String| Err(InitError::new("", ErrorKind::Lsuv { rule }));
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return bad(format!("tol must be finite and > 0, got {}", self.tol));
        }
        if !(self.target_var.is_finite() && self.target_var > 0.0) {
            return bad(format!("target_var must be finite and > 0, got {}", self.target_var));
        }
        Ok(())
    }
}

/// What [`lsuv`] did to one layer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LsuvLayer {
    /// The layer's path.
    pub path: String,
    /// Its kind.
    pub kind: LayerKind,
    /// How many times its weight was rescaled (0: it was within the tolerance at once).
    pub iterations: usize,
    /// Its output variance on the batch at the end (within `tol` of the target).
    pub variance: f64,
    /// The product of the factors its weight was multiplied by.
    pub scale: f64,
}

/// What [`lsuv`] did: every scaled layer, in forward order.
///
/// ```
/// use init_core::{Linear, LsuvConfig, Seed, Sequential, Tanh, lsuv};
/// let mut net = Sequential::new().push(Linear::<16, 16>::zeroed()).push(Tanh).push(Linear::<16, 4>::zeroed());
/// let x = ndarray::ArrayD::from_shape_fn(vec![32, 16], |i| ((i[0] * 16 + i[1]) as f32).cos() * 3.0);
/// let done = lsuv(&mut net, &x, &LsuvConfig::default(), &mut Seed::new(0))?;
/// let paths: Vec<&str> = done.layers.iter().map(|l| l.path.as_str()).collect();
/// assert_eq!(paths, ["0", "2"]);
/// assert!(done.layers.iter().all(|l| l.iterations <= 10 && (l.variance - 1.0).abs() < 0.1));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LsuvReport {
    /// One entry per layer, in forward order.
    pub layers: Vec<LsuvLayer>,
}

/// Layer-sequential unit-variance initialization (Mishkin & Matas, 2015): each
/// convolutional or fully connected layer (`Linear`, `Bilinear`, the convolutions and
/// transposed convolutions, HF's `Conv1D`), in the order the forward pass runs them, gets
/// its weight rescaled until its output variance on `input` is within `tol` of
/// `target_var`.
///
/// 1. With [`orthogonal`](LsuvConfig::orthogonal) (the default), every such layer's weight
///    is filled with `orthogonal(gain = 1)` from `rng` (keyed by its path) and its bias set
///    to zero, as the paper and its reference implementation (`ducha-aiki/LSUV-pytorch`) do.
///    Other parameters (norms, embeddings) keep their values.
/// 2. For each layer in forward order: run the real forward pass, take the variance of the
///    layer's output (its first call), and while `|var - target_var| >= tol` multiply the
///    weight by `sqrt(target_var / var)` and run again, at most `max_iters` times. Biases are
///    not touched: with the zero bias of step 1 a linear layer's output scales exactly with
///    its weight, so one rescaling is usually enough (more where a later nonlinearity or
///    norm is in the way of a layer called twice).
///
/// Deterministic: variances are computed in `f64` in a fixed order on the calling thread,
/// the rescaling is one `f32` multiplication per element, and the forward kernels and the
/// orthogonal fill give the same bits at any thread count; the same seed gives the same
/// weights, bit for bit, on 1 or 64 threads.
///
/// Each rescaled weight's origin becomes `lsuv(orthogonal, scale = ...)` and its intended
/// std the orthogonal one times the scale.
///
/// Errors (naming the layer's path): an output whose variance is 0 or not finite (every
/// unit dead, a constant input), which no rescaling can change; a layer still outside the
/// tolerance after `max_iters` rescalings, with the variance it reached; a forward pass's
/// own error. Layers before the failing one keep their new weights.
///
/// ```
/// use init_core::{Linear, LsuvConfig, ReLU, Seed, Sequential, lsuv, report};
/// use ndarray::ArrayD;
/// let mut rng = Seed::new(0);
/// let mut net = Sequential::new();
/// for _ in 0..6 {
///     net = net.push(Linear::<32, 32>::new(&mut rng)?).push(ReLU);
/// }
/// let x = ArrayD::from_shape_fn(vec![64, 32], |i| ((i[0] * 32 + i[1]) as f32 * 0.73).sin());
/// let done = lsuv(&mut net, &x, &LsuvConfig::default(), &mut rng)?;
/// assert_eq!(done.layers.len(), 6);
/// assert_eq!(done.layers[0].path, "0");
/// for layer in &done.layers {
///     assert!((layer.variance - 1.0).abs() < 0.1);
/// }
/// // Every pre-activation now has std close to 1.
/// let r = report(&net, &x)?;
/// assert!((r.row("10").unwrap().std - 1.0).abs() < 0.05);
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn lsuv<'x, M: Module + Forward + ?Sized>(
    net: &mut M,
    input: impl Into<ArrayViewD<'x, f32>>,
    config: &LsuvConfig,
    rng: &mut dyn Generator,
) -> Result<LsuvReport> {
    config.check()?;
    let input = input.into();
    let layers = scaled_layers(net, input.view())?;
    if config.orthogonal {
        for (path, _, _) in &layers {
            orthogonal_start(net.as_module_mut(), path, rng)?;
        }
    }
    let mut done = Vec::with_capacity(layers.len());
    // The pass that finds a layer within the tolerance also measures the next layer, whose
    // input it already sees final: one forward pass per rescaling, not two.
    let mut carried: Option<f64> = None;
    for (i, (path, kind, addr)) in layers.iter().enumerate() {
        let layer = Target { path, kind: *kind, addr: *addr };
        let next = layers.get(i + 1).map(|(_, k, a)| (*k, *a));
        let (result, next_var) =
            scale_layer(net, input.view(), config, &layer, next, carried.take())?;
        carried = next_var.filter(|v| v.is_finite());
        done.push(result);
    }
    Ok(LsuvReport { layers: done })
}

/// The layers to scale, in the order the forward pass first calls them: path, kind, address.
fn scaled_layers<M: Module + Forward + ?Sized>(
    net: &M,
    input: ArrayViewD<'_, f32>,
) -> Result<Vec<(String, LayerKind, usize)>> {
    let (result, calls) = trace::record(Keep::Nothing, || net.forward(input));
    result?;
    let names = resolve::resolve(net.as_module(), &calls);
    let mut layers: Vec<(String, LayerKind, usize)> = Vec::new();
    for (call, name) in calls.iter().zip(names) {
        let Some((module, path)) = name.module else { continue };
        let has_weight = module.weight().is_some();
        if SCALED.contains(&call.kind) && has_weight && !layers.iter().any(|(p, _, _)| *p == path) {
            layers.push((path, call.kind, call.addr));
        }
    }
    Ok(layers)
}

/// Step 1: `orthogonal(gain = 1)` on the weight, zeros on the bias.
fn orthogonal_start(net: &mut dyn Module, path: &str, rng: &mut dyn Generator) -> Result<()> {
    let weight = join(path, "weight");
    if let Some(w) = param_mut_at(net, &weight) {
        Init::Orthogonal { gain: 1.0 }.apply(w, rng)?;
    }
    if let Some(b) = param_mut_at(net, &join(path, "bias")) {
        Init::Zeros.apply(b, rng)?;
    }
    Ok(())
}

/// A layer to scale: its path, kind and address.
struct Target<'a> {
    path: &'a str,
    kind: LayerKind,
    addr: usize,
}

/// Step 2 for one layer; `first` is its variance measured by the previous layer's last pass
/// (its input was already final then). Returns the layer's result and, from the pass that
/// found it within the tolerance, the next layer's variance.
fn scale_layer<M: Module + Forward + ?Sized>(
    net: &mut M,
    input: ArrayViewD<'_, f32>,
    config: &LsuvConfig,
    layer: &Target<'_>,
    next: Option<(LayerKind, usize)>,
    mut first: Option<f64>,
) -> Result<(LsuvLayer, Option<f64>)> {
    let (path, kind) = (layer.path, layer.kind);
    let fail = |rule: String| Err(InitError::new(path, ErrorKind::Lsuv { rule }));
    let weight = join(path, "weight");
    let mut scale = 1.0f64;
    let mut iterations = 0;
    loop {
        let (var, next_var) = match first.take() {
            Some(v) => (v, None),
            None => output_variances(&*net, input.view(), (kind, layer.addr), next)?,
        };
        if !var.is_finite() {
            return fail(format!(
                "the output of {kind} has variance {var} on the batch after {iterations} rescalings; it cannot be scaled to {}",
                config.target_var
            ));
        }
        if var == 0.0 {
            return fail(format!(
                "the output of {kind} has variance 0 on the batch (every value equal: dead units or a constant input), which no rescaling of its weight can change"
            ));
        }
        if (var - config.target_var).abs() < config.tol {
            let result =
                LsuvLayer { path: path.to_string(), kind, iterations, variance: var, scale };
            return Ok((result, next_var));
        }
        if iterations == config.max_iters {
            return fail(format!(
                "the output variance of {kind} is {var} after {iterations} rescalings (max_iters), not within {} of {}",
                config.tol, config.target_var
            ));
        }
        let factor = (config.target_var / var).sqrt();
        let Some(w) = param_mut_at(net.as_module_mut(), &weight) else {
            return fail(format!("{kind} has no parameter `weight` to scale"));
        };
        let p = w.into_param();
        let intended = p.intended_std();
        let f = factor as f32;
        for v in p.as_slice_mut() {
            *v *= f;
        }
        scale *= f64::from(f);
        p.set_intended_std(intended.map(|s| s * f64::from(f)));
        let start = if config.orthogonal { "orthogonal, " } else { "" };
        p.set_origin(format!("lsuv({start}scale = {scale:.6})"));
        iterations += 1;
    }
}

/// The variance of the first output of `layer`, and of `next` if given, in one forward
/// pass (`NaN` when an output holds a non-finite value or is missing).
fn output_variances<M: Module + Forward + ?Sized>(
    net: &M,
    input: ArrayViewD<'_, f32>,
    layer: (LayerKind, usize),
    next: Option<(LayerKind, usize)>,
) -> Result<(f64, Option<f64>)> {
    let keep = Keep::Only(std::iter::once(layer).chain(next).collect());
    let (result, calls) = trace::record(keep, || net.forward(input));
    result?;
    let variance = |(kind, addr): (LayerKind, usize)| {
        let out = calls.iter().find(|c| c.kind == kind && c.addr == addr);
        let Some(out) = out.and_then(|c| c.output.as_ref()) else { return f64::NAN };
        let values = out.as_standard_layout();
        let (_, var, non_finite) = super::stats::mean_var(values.as_slice().unwrap_or(&[]));
        if non_finite > 0 { f64::NAN } else { var }
    };
    Ok((variance(layer), next.map(variance)))
}
