//! The init report and LSUV: what a network's initialization does to one batch, layer by
//! layer ([`report`], [`Report`], [`compare`]), and layer-sequential unit-variance init
//! ([`lsuv`]). Both run real forward passes, recorded by `module::trace`.

mod cli;
mod compare;
mod flags;
mod lsuv;
#[cfg(feature = "plot")]
mod plot;
mod resolve;
mod stats;
mod table;

pub use cli::{REPORT_USAGE, report_cli, report_cli_args};
pub use compare::{Candidate, Comparison, Series, compare};
pub use flags::{
    DEAD_UNITS, DEPTH_RATIO, Flag, FlagKind, GROUPED, MIN_NUMEL, PARAM_STD_OFF, RELU_ZEROS,
    SATURATED_FRACTION,
};
pub use lsuv::{LsuvConfig, LsuvLayer, LsuvReport, lsuv};
#[cfg(feature = "plot")]
pub use plot::LOG_SCALE_RATIO;

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::module::trace::{self, Keep};
use crate::module::traverse::parts;
use crate::module::{Forward, LayerKind, Module, join};

/// What a model's declared initialization intends for one parameter (for loaded values).
struct Declared {
    path: String,
    std: Option<f64>,
    rule: Option<String>,
}

/// A parameter of a reported layer: its measured std against the std its scheme intended.
///
/// ```
/// use init_core::{Linear, ModuleExt, Seed, report};
/// let mut fc = Linear::<256, 64>::zeroed();
/// fc.init_weights(&mut Seed::new(0))?;
/// let r = report(&fc, &ndarray::ArrayD::ones(vec![2, 256]))?;
/// let w = &r.rows()[0].params[0];
/// assert_eq!((w.name.as_str(), w.origin.as_deref()), ("weight", Some("default: Linear")));
/// // kaiming_uniform(a = √5): U(±1/16), std 1/16/√3.
/// assert!((w.intended.unwrap() - 1.0 / 16.0 / 3f64.sqrt()).abs() < 1e-12);
/// assert!((w.std / w.intended.unwrap() - 1.0).abs() < 0.05);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ParamRow {
    /// The full path (`"fc1.weight"`).
    pub name: String,
    /// The shape.
    pub shape: Vec<usize>,
    /// The number of elements.
    pub numel: usize,
    /// The measured (population) standard deviation of its values.
    pub std: f64,
    /// What its scheme intended ([`Param::intended_std`](crate::Param::intended_std)); `None`
    /// for values that no scheme set (loaded, copied, written by hand).
    pub intended: Option<f64>,
    /// Which rule set it ([`Param::origin`](crate::Param::origin)).
    pub origin: Option<String>,
}

/// One layer's output on the batch, in forward order.
///
/// ```
/// use init_core::{LayerKind, Linear, ReLU, Seed, Sequential, report};
/// let net = Sequential::new().push(Linear::<8, 8>::new(&mut Seed::new(0))?).push(ReLU);
/// let x = ndarray::ArrayD::from_shape_fn(vec![16, 8], |i| (i[0] as f32 - 7.5) * (i[1] as f32 + 1.0));
/// let r = report(&net, &x)?;
/// let relu = &r.rows()[1];
/// assert_eq!((relu.name.as_str(), relu.kind, relu.shape.as_slice()), ("1", LayerKind::ReLU, &[16, 8][..]));
/// assert!(relu.min == 0.0 && relu.zeros > 0.0 && relu.dead.is_some());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LayerRow {
    /// The layer's path in the module tree (`"layers.3.fc"`; `"(root)"` for the root), or
    /// `"<Kind> #<k> (call <n>)"` when the call could not be matched to a module of the tree
    /// (see [`report`]).
    pub name: String,
    /// The layer's kind.
    pub kind: LayerKind,
    /// Whether `name` is a path of the tree.
    pub resolved: bool,
    /// Whether the layer owns a parameter named `weight` (what the depth series and the
    /// vanishing/exploding flag follow: Linear, convolutions, ...).
    pub has_weight: bool,
    /// The output's shape.
    pub shape: Vec<usize>,
    /// The output's number of elements.
    pub numel: usize,
    /// Mean of the output.
    pub mean: f64,
    /// Population standard deviation of the output.
    pub std: f64,
    /// Fraction of exact zeros.
    pub zeros: f64,
    /// Smallest finite value.
    pub min: f64,
    /// Largest finite value.
    pub max: f64,
    /// How many values are NaN or infinite (left out of the other statistics).
    pub non_finite: usize,
    /// For `Tanh` and `Sigmoid`: the fraction of outputs saturated (|y| > 0.99 for tanh,
    /// y < 0.01 or y > 0.99 for sigmoid).
    pub saturated: Option<f64>,
    /// For `ReLU` (output of rank >= 2): the units (positions of one sample's output) that
    /// are zero for every sample of the batch, and the number of units.
    pub dead: Option<(usize, usize)>,
    /// The layer's own parameters (none when the name is not resolved).
    pub params: Vec<ParamRow>,
}

/// What one forward pass did, layer by layer: the init report.
///
/// Made by [`report`] (or [`report_with`]). [`Display`](std::fmt::Display) prints the table
/// and the flags; [`rows`](Report::rows) and [`flags`](Report::flags) give them to code.
///
/// ```
/// use init_core::{FlagKind, Linear, ReLU, Seed, Sequential, report};
/// use ndarray::ArrayD;
/// let mut rng = Seed::new(0);
/// let mut net = Sequential::new();
/// for _ in 0..8 {
///     net = net.push(Linear::<64, 64>::new(&mut rng)?).push(ReLU);
/// }
/// let x = ArrayD::from_shape_fn(vec![128, 64], |i| ((i[0] * 64 + i[1]) as f32 * 0.37).sin() * 3.0);
/// let r = report(&net, &x)?;
/// assert_eq!(r.rows().len(), 16);
/// assert_eq!(r.rows()[0].name, "0");
/// // PyTorch's default init loses about 2.4x of std per Linear + ReLU, down to what the
/// // biases add: more than 10x over the net, vanishing.
/// assert!(r.flags().iter().any(|f| f.kind == FlagKind::Vanishing));
/// println!("{r}");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    rows: Vec<LayerRow>,
    flags: Vec<Flag>,
}

impl Report {
    /// One row per layer call, in the order the calls finished (forward order).
    pub fn rows(&self) -> &[LayerRow] {
        &self.rows
    }

    /// The problems found, in plain words: per layer in forward order, then the depth trend.
    /// The thresholds are the constants of this module ([`DEPTH_RATIO`],
    /// [`SATURATED_FRACTION`], [`RELU_ZEROS`], [`PARAM_STD_OFF`]).
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    /// The row of the layer at `path`, its first call.
    ///
    /// ```
    /// # use init_core::{Linear, Seed, Sequential, report};
    /// # let net = Sequential::new().push(Linear::<4, 4>::new(&mut Seed::new(0))?);
    /// let r = report(&net, &ndarray::ArrayD::ones(vec![2, 4]))?;
    /// assert_eq!(r.row("0").unwrap().shape, [2, 4]);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn row(&self, path: &str) -> Option<&LayerRow> {
        self.rows.iter().find(|r| r.name == path)
    }

    /// The std of the outputs of the layers with weights, in forward order: the depth
    /// series that [`Comparison`] plots (every row when no layer has a weight).
    ///
    /// ```
    /// # use init_core::{Linear, ReLU, Seed, Sequential, report};
    /// # let net = Sequential::new().push(Linear::<4, 4>::new(&mut Seed::new(0))?).push(ReLU);
    /// let r = report(&net, &ndarray::ArrayD::ones(vec![2, 4]))?;
    /// assert_eq!(r.depth_std().len(), 1); // the Linear, not the ReLU
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn depth_std(&self) -> Vec<(String, f64)> {
        let weighted = self.rows.iter().any(|r| r.has_weight);
        self.rows
            .iter()
            .filter(|r| r.has_weight || !weighted)
            .map(|r| (r.name.clone(), r.std))
            .collect()
    }

    /// The report with every parameter that has no intended std (loaded values) given the
    /// one `declared` lists for its path, its origin followed by `"; declared: <rule>"`;
    /// flags recomputed.
    fn with_declared(mut self, declared: &[Declared]) -> Self {
        for p in self.rows.iter_mut().flat_map(|r| r.params.iter_mut()) {
            let Some(d) = declared.iter().find(|d| d.path == p.name) else {
                continue;
            };
            if p.intended.is_none() {
                p.intended = d.std;
                let rule = d.rule.as_deref().unwrap_or("-");
                p.origin =
                    Some(format!("{}; declared: {rule}", p.origin.as_deref().unwrap_or("-")));
            }
        }
        Report::from_rows(self.rows)
    }

    fn from_rows(rows: Vec<LayerRow>) -> Self {
        let flags = flags::flags(&rows);
        Report { rows, flags }
    }
}

/// Run one forward pass of `net` on `input` and report every layer's output, in forward
/// order: mean, std, fraction of zeros, min and max, saturation (tanh, sigmoid), dead units
/// (ReLU), and each of the layer's parameters' std against the std its scheme intended; plus
/// [`Flag`]s for the classic failures. Statistics are computed in `f64` in a fixed order,
/// so a report is the same at any thread count.
///
/// Each row is named by the layer's path, found by matching the layer that ran (its kind and
/// address) against the tree: layers that own parameters always resolve; zero-sized ones
/// (`ReLU`, `Tanh`, ...) resolve when the forward calls the layers of the tree in their
/// declaration order (as `Sequential` and `#[module(sequential)]` do); a layer that is not a
/// part of the tree (a temporary `ReLU.forward(x)`) is named `"ReLU #3 (call 6)"`. Containers
/// (`Sequential`, derived structs) have no row of their own. Only calls made on the calling
/// thread are seen.
///
/// Errors: the forward pass's own error (a wrong input shape, named by layer).
///
/// ```
/// use init_core::{Linear, Seed, Sequential, Tanh, report};
/// let net = Sequential::new().push(Linear::<16, 16>::new(&mut Seed::new(0))?).push(Tanh);
/// let x = ndarray::ArrayD::from_elem(vec![8, 16], 0.5f32);
/// let r = report(&net, x.view())?;
/// let names: Vec<&str> = r.rows().iter().map(|r| r.name.as_str()).collect();
/// assert_eq!(names, ["0", "1"]);
/// assert_eq!(r.rows()[0].params[0].name, "0.weight");
/// assert!(report(&net, ndarray::ArrayD::zeros(vec![8, 3]).view()).is_err());
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn report<'x, M: Module + Forward + ?Sized>(
    net: &M,
    input: impl Into<ArrayViewD<'x, f32>>,
) -> Result<Report> {
    let input = input.into();
    report_with(net.as_module(), || net.forward(input))
}

/// [`report`] over any forward pass: `run` is called once with recording on, and every layer
/// of `net` it runs is reported. For networks whose forward is not [`Forward`] (token
/// indices into an `Embedding`, two inputs, a recurrent state).
///
/// ```
/// use init_core::{Embedding, Forward, Linear, Module, Seed, report_with};
/// let mut rng = Seed::new(0);
/// let (emb, fc) = (Embedding::<10, 8>::new(&mut rng)?, Linear::<8, 8>::new(&mut rng)?);
/// let ids = ndarray::ArrayD::from_shape_fn(vec![4, 5], |i| (i[0] + i[1]) as i64);
/// let r = report_with(&emb, || fc.forward(emb.lookup(ids.view())?.view()))?;
/// // The Linear is not a part of `emb`'s tree: it is named by its call.
/// let names: Vec<&str> = r.rows().iter().map(|r| r.name.as_str()).collect();
/// assert_eq!(names, ["(root)", "Linear #1 (call 2)"]);
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn report_with(net: &dyn Module, run: impl FnOnce() -> Result<ArrayD<f32>>) -> Result<Report> {
    let (result, calls) = trace::record(Keep::All, run);
    result?;
    let names = resolve::resolve(net, &calls);
    let rows = calls
        .into_iter()
        .zip(names)
        .map(|(call, name)| {
            let output = call.output.unwrap_or_default();
            let s = stats::of(call.kind, &output);
            let (params, has_weight) = match &name.module {
                Some((m, path)) => own_params(*m, path),
                None => (Vec::new(), false),
            };
            LayerRow {
                name: name.name,
                kind: call.kind,
                resolved: name.module.is_some(),
                has_weight,
                shape: output.shape().to_vec(),
                numel: output.len(),
                mean: s.mean,
                std: s.std,
                zeros: s.zeros,
                min: s.min,
                max: s.max,
                non_finite: s.non_finite,
                saturated: s.saturated,
                dead: s.dead,
                params,
            }
        })
        .collect();
    Ok(Report::from_rows(rows))
}

/// A module's own parameters as rows, and whether one is named `weight`.
fn own_params(m: &dyn Module, path: &str) -> (Vec<ParamRow>, bool) {
    let own = parts(m).params;
    let has_weight = own.iter().any(|(n, _)| n == "weight");
    let rows = own
        .into_iter()
        .map(|(n, p)| ParamRow {
            name: join(path, &n),
            shape: p.shape().to_vec(),
            numel: p.numel(),
            std: stats::mean_var(p.as_slice()).1.sqrt(),
            intended: p.intended_std(),
            origin: p.origin().map(str::to_string),
        })
        .collect();
    (rows, has_weight)
}
