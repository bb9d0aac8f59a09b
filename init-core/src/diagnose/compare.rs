//! [`compare`]: several initializations of one network on one batch, side by side.

use std::fmt;

use ndarray::ArrayViewD;

use super::flags::num;
use super::lsuv::{LsuvConfig, lsuv};
use super::{Report, report};
use crate::error::Result;
use crate::model::ModuleExt;
use crate::module::{Forward, Module};
use crate::rng::{Generator, Seed};
use crate::rules::Rules;

/// A user's initialization of a whole network, for [`Candidate::custom`].
type InitFn = dyn Fn(&mut dyn Module, &mut dyn Generator) -> Result<()>;

/// How a [`Candidate`] initializes the network.
enum How {
    Default,
    Rules(Rules),
    Lsuv(LsuvConfig),
    Custom(Box<InitFn>),
}

/// One initialization to [`compare`]: a name (the legend's) and how it fills the network.
///
/// ```
/// use init_core::{Candidate, Init, LayerKind, LsuvConfig, Nonlinearity, Rules, kaiming_normal};
/// let kaiming = Rules::new().kind(LayerKind::Linear, "weight", kaiming_normal().nonlinearity(Nonlinearity::Relu).into());
/// let candidates = [
///     Candidate::pytorch_default(),
///     Candidate::rules("kaiming_normal(relu)", kaiming),
///     Candidate::lsuv(LsuvConfig::default()),
/// ];
/// assert_eq!(candidates[1].name(), "kaiming_normal(relu)");
/// ```
pub struct Candidate {
    name: String,
    how: How,
}

impl Candidate {
    /// Every layer's PyTorch default ([`ModuleExt::init_weights`], with the rules the
    /// modules declare), named `"PyTorch default"`.
    pub fn pytorch_default() -> Self {
        Candidate { name: "PyTorch default".into(), how: How::Default }
    }

    /// [`Rules::init_weights`]: these rules outermost, the modules' own rules and the
    /// layers' defaults for the rest.
    pub fn rules(name: impl Into<String>, rules: Rules) -> Self {
        Candidate { name: name.into(), how: How::Rules(rules) }
    }

    /// The PyTorch defaults, then [`lsuv`] on the comparison's batch, named `"LSUV"`.
    pub fn lsuv(config: LsuvConfig) -> Self {
        Candidate { name: "LSUV".into(), how: How::Lsuv(config) }
    }

    /// Any initialization of the whole tree, written by the caller.
    ///
    /// ```
    /// use init_core::{Candidate, ModuleExt};
    /// let c = Candidate::custom("twice", |net, rng| {
    ///     net.init_weights(rng)?;
    ///     net.init_weights(rng)
    /// });
    /// assert_eq!(c.name(), "twice");
    /// ```
    pub fn custom(
        name: impl Into<String>,
        init: impl Fn(&mut dyn Module, &mut dyn Generator) -> Result<()> + 'static,
    ) -> Self {
        Candidate { name: name.into(), how: How::Custom(Box::new(init)) }
    }

    /// The name, as in the legend and the table.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Candidate").field("name", &self.name).finish_non_exhaustive()
    }
}

/// One candidate's report in a [`Comparison`].
///
/// ```
/// use init_core::{Candidate, Linear, ReLU, Seed, Sequential, compare};
/// let mut net = Sequential::new().push(Linear::<8, 8>::zeroed()).push(ReLU).push(Linear::<8, 8>::zeroed());
/// let x = ndarray::ArrayD::from_elem(vec![4, 8], 1.0f32);
/// let cmp = compare(&mut net, &x, &Seed::new(0), &[Candidate::pytorch_default()])?;
/// let s = &cmp.series()[0];
/// assert_eq!(s.points().iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["0", "2"]);
/// assert_eq!(s.ratio(), Some(s.points()[1].1 / s.points()[0].1));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The candidate's name.
    pub name: String,
    /// Its report on the batch.
    pub report: Report,
}

impl Series {
    /// The std of each layer with weights, in forward order ([`Report::depth_std`]).
    pub fn points(&self) -> Vec<(String, f64)> {
        self.report.depth_std()
    }

    /// The last point's std over the first's: below 1 the signal shrinks with depth.
    /// `None` with fewer than two points.
    pub fn ratio(&self) -> Option<f64> {
        let p = self.points();
        (p.len() >= 2).then(|| p[p.len() - 1].1 / p[0].1)
    }
}

/// Several initializations of one network on one batch: per candidate a [`Report`], and
/// the std of each layer with weights against depth. [`Display`](fmt::Display) prints the
/// depth table (one column per candidate) and each candidate's flags; with the `plot`
/// feature, `svg` and `write_svg` draw it. Made by [`compare`] (see its example) or
/// [`from_reports`](Comparison::from_reports).
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    series: Vec<Series>,
}

impl Comparison {
    /// One series per candidate, in the order given.
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// The series of the candidate named `name`.
    pub fn get(&self, name: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.name == name)
    }

    /// A comparison of reports made elsewhere (each with its name).
    ///
    /// ```
    /// use init_core::{Comparison, Linear, Seed, Sequential, report};
    /// let x = ndarray::ArrayD::ones(vec![4, 8]);
    /// let a = Sequential::new().push(Linear::<8, 8>::new(&mut Seed::new(0))?);
    /// let b = Sequential::new().push(Linear::<8, 8>::new(&mut Seed::new(1))?);
    /// let c = Comparison::from_reports(vec![("seed 0".into(), report(&a, &x)?), ("seed 1".into(), report(&b, &x)?)]);
    /// assert_eq!(c.series().len(), 2);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn from_reports(reports: Vec<(String, Report)>) -> Self {
        Comparison {
            series: reports.into_iter().map(|(name, report)| Series { name, report }).collect(),
        }
    }
}

/// Initialize `net` with each candidate in turn (each from a clone of `seed`, so every
/// candidate sees the same random streams) and [`report`] it on `input`. The network is
/// left with the last candidate's values.
///
/// Errors: a candidate's own error (an LSUV layer that cannot reach its target, a rule that
/// sets nothing), prefixed by nothing but naming its layer; a forward pass's error.
///
/// ```
/// use init_core::{Candidate, LayerKind, Linear, Nonlinearity, ReLU, Rules, Seed, Sequential, compare, kaiming_normal};
/// use ndarray::ArrayD;
/// let mut net = Sequential::new();
/// for _ in 0..10 {
///     net = net.push(Linear::<64, 64>::zeroed()).push(ReLU);
/// }
/// let x = ArrayD::from_shape_fn(vec![256, 64], |i| ((i[0] * 64 + i[1]) as f32 * 0.61).sin() * 3.0);
/// let kaiming = Rules::new().kind(LayerKind::Linear, "weight", kaiming_normal().nonlinearity(Nonlinearity::Relu).into());
/// let cmp = compare(&mut net, &x, &Seed::new(0), &[Candidate::pytorch_default(), Candidate::rules("kaiming", kaiming)])?;
/// assert!(cmp.get("PyTorch default").unwrap().ratio().unwrap() < 0.1);
/// assert!(cmp.get("kaiming").unwrap().ratio().unwrap() > 0.5);
/// println!("{cmp}");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn compare<'x, M: Module + Forward + ?Sized>(
    net: &mut M,
    input: impl Into<ArrayViewD<'x, f32>>,
    seed: &Seed,
    candidates: &[Candidate],
) -> Result<Comparison> {
    let input = input.into();
    let mut series = Vec::with_capacity(candidates.len());
    for c in candidates {
        let mut rng = seed.clone();
        match &c.how {
            How::Default => net.as_module_mut().init_weights(&mut rng)?,
            How::Rules(rules) => rules.init_weights(net.as_module_mut(), &mut rng)?,
            How::Lsuv(config) => {
                net.as_module_mut().init_weights(&mut rng)?;
                lsuv(net, input.view(), config, &mut rng)?;
            }
            How::Custom(f) => f(net.as_module_mut(), &mut rng)?,
        }
        series.push(Series { name: c.name.clone(), report: report(net, input.view())? });
    }
    Ok(Comparison { series })
}

/// The depth table (layers of the first series as rows, one std column per candidate),
/// each candidate's last/first ratio, then its flags.
impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let points: Vec<Vec<(String, f64)>> = self.series.iter().map(Series::points).collect();
        let rows = points.iter().map(Vec::len).max().unwrap_or(0);
        let width = points.iter().flatten().map(|(n, _)| n.len()).max().unwrap_or(5).max(5);
        let cols: Vec<usize> = self.series.iter().map(|s| s.name.len().max(10)).collect();
        write!(f, "{:>5}  {:<width$}", "depth", "layer")?;
        for (s, w) in self.series.iter().zip(&cols) {
            write!(f, "  {:>w$}", s.name)?;
        }
        writeln!(f)?;
        for i in 0..rows {
            let layer = points.iter().find_map(|p| p.get(i)).map_or("", |(n, _)| n.as_str());
            write!(f, "{:>5}  {layer:<width$}", i + 1)?;
            for (p, w) in points.iter().zip(&cols) {
                let v = p.get(i).map_or("-".to_string(), |(_, s)| num(*s));
                write!(f, "  {v:>w$}")?;
            }
            writeln!(f)?;
        }
        write!(f, "{:>5}  {:<width$}", "", "last/first")?;
        for (s, w) in self.series.iter().zip(&cols) {
            let v = s.ratio().map_or("-".to_string(), num);
            write!(f, "  {v:>w$}")?;
        }
        writeln!(f)?;
        for s in &self.series {
            if s.report.flags().is_empty() {
                writeln!(f, "{}: no flags", s.name)?;
            }
            for flag in s.report.flags() {
                writeln!(f, "{}: {flag}", s.name)?;
            }
        }
        Ok(())
    }
}
