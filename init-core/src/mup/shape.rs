//! Base shapes and infinite shapes: which dimensions of each parameter are widths, and by
//! how much the model is wider than its base (microsoft/mup's `infshape.py` and `shape.py`).

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::mup_error;
use crate::error::Result;
use crate::module::Module;

/// One dimension of a parameter under μP: finite (`base` is `None`), or a width dimension
/// whose size in the base model is `base`. mup's `InfDim`.
///
/// ```
/// use init_core::InfDim;
/// let d = InfDim { base: Some(32), dim: 128 };
/// assert!(d.is_inf());
/// assert_eq!(d.width_mult(), 4.0);
/// assert_eq!(InfDim { base: None, dim: 16 }.width_mult(), 1.0);
/// assert_eq!(d.to_string(), "InfDim(32, 128)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InfDim {
    /// The base size of a width dimension; `None` for a finite one.
    pub base: Option<usize>,
    /// The size in the model.
    pub dim: usize,
}

impl InfDim {
    /// Whether this is a width ("infinite") dimension.
    ///
    /// ```
    /// assert!(!init_core::InfDim { base: None, dim: 10 }.is_inf());
    /// ```
    pub fn is_inf(&self) -> bool {
        self.base.is_some()
    }

    /// `dim / base` for a width dimension (Python's `int / int`, correctly rounded), `1`
    /// for a finite one.
    ///
    /// ```
    /// assert_eq!(init_core::InfDim { base: Some(3), dim: 1 }.width_mult(), 1.0 / 3.0);
    /// ```
    pub fn width_mult(&self) -> f64 {
        match self.base {
            Some(base) => self.dim as f64 / base as f64,
            None => 1.0,
        }
    }
}

/// `InfDim(base, dim)` for a width dimension, `FinDim(dim)` for a finite one (mup's `str`).
impl fmt::Display for InfDim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.base {
            Some(base) => write!(f, "InfDim({base}, {})", self.dim),
            None => write!(f, "FinDim({})", self.dim),
        }
    }
}

/// A parameter's dimensions under μP: mup's `InfShape`.
///
/// ```
/// use init_core::{InfDim, InfShape};
/// // A readout's weight: 10 classes (finite) by a width of 128 (base 32).
/// let s = InfShape::new(vec![InfDim { base: None, dim: 10 }, InfDim { base: Some(32), dim: 128 }]);
/// assert_eq!((s.ninf(), s.width_mult()), (1, 4.0));
/// assert_eq!(s.main(), Some(InfDim { base: Some(32), dim: 128 }));
/// assert_eq!(s.to_string(), "[FinDim(10), InfDim(32, 128)]");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InfShape {
    dims: Vec<InfDim>,
}

impl InfShape {
    /// The shape of these dimensions.
    pub fn new(dims: Vec<InfDim>) -> Self {
        InfShape { dims }
    }

    /// The dimensions, in order.
    ///
    /// ```
    /// use init_core::{InfDim, InfShape};
    /// assert_eq!(InfShape::new(vec![]).dims(), &[] as &[InfDim]);
    /// ```
    pub fn dims(&self) -> &[InfDim] {
        &self.dims
    }

    /// The number of width dimensions.
    ///
    /// ```
    /// use init_core::{InfDim, InfShape};
    /// let hidden = InfShape::new(vec![InfDim { base: Some(32), dim: 64 }; 2]);
    /// assert_eq!(hidden.ninf(), 2);
    /// ```
    pub fn ninf(&self) -> usize {
        self.dims.iter().filter(|d| d.is_inf()).count()
    }

    /// The last width dimension (for a `[fan_out, fan_in]` weight with both, fan-in).
    ///
    /// ```
    /// use init_core::{InfDim, InfShape};
    /// assert_eq!(InfShape::new(vec![InfDim { base: None, dim: 3 }]).main(), None);
    /// ```
    pub fn main(&self) -> Option<InfDim> {
        self.dims.iter().rev().find(|d| d.is_inf()).copied()
    }

    /// The width multiplier of [`main`](InfShape::main), `1` when there is none.
    ///
    /// ```
    /// use init_core::{InfDim, InfShape};
    /// let s = InfShape::new(vec![InfDim { base: Some(32), dim: 256 }, InfDim { base: Some(64), dim: 256 }]);
    /// assert_eq!(s.width_mult(), 4.0);
    /// ```
    pub fn width_mult(&self) -> f64 {
        self.main().map_or(1.0, |d| d.width_mult())
    }

    /// fan-in's width multiplier over fan-out's (dimension 1 over dimension 0); `None` for
    /// fewer than 2 dimensions. MuSGD divides a matrix's learning rate by it.
    ///
    /// ```
    /// use init_core::{InfDim, InfShape};
    /// let s = InfShape::new(vec![InfDim { base: Some(32), dim: 64 }, InfDim { base: Some(32), dim: 128 }]);
    /// assert_eq!(s.fanin_fanout_mult_ratio(), Some(2.0));
    /// ```
    pub fn fanin_fanout_mult_ratio(&self) -> Option<f64> {
        match self.dims.as_slice() {
            [fan_out, fan_in, ..] => Some(fan_in.width_mult() / fan_out.width_mult()),
            _ => None,
        }
    }

    /// The base dimensions: `Some(base)` for a width, `None` for a finite one (a `.bsh`
    /// file's `null`).
    ///
    /// ```
    /// use init_core::{InfDim, InfShape};
    /// let s = InfShape::new(vec![InfDim { base: Some(32), dim: 64 }, InfDim { base: None, dim: 16 }]);
    /// assert_eq!(s.base_shape(), [Some(32), None]);
    /// ```
    pub fn base_shape(&self) -> Vec<Option<usize>> {
        self.dims.iter().map(|d| d.base).collect()
    }

    /// The model's dimensions.
    ///
    /// ```
    /// use init_core::{InfDim, InfShape};
    /// let s = InfShape::new(vec![InfDim { base: Some(32), dim: 64 }, InfDim { base: None, dim: 16 }]);
    /// assert_eq!(s.shape(), [64, 16]);
    /// ```
    pub fn shape(&self) -> Vec<usize> {
        self.dims.iter().map(|d| d.dim).collect()
    }
}

impl fmt::Display for InfShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.dims.iter().map(InfDim::to_string).collect();
        write!(f, "[{}]", dims.join(", "))
    }
}

/// One base dimension, as known before the model is seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BaseDim {
    /// A base model's size alone: a width exactly where the model's size differs.
    Plain(usize),
    /// A width dimension with this base size (base and delta differ).
    Width(usize),
    /// A finite dimension (base and delta agree).
    Finite,
}

/// The base shapes of every parameter: from a base model (a width wherever the model's size
/// differs), from a base and a delta model (a width wherever they differ, whatever the
/// model), or listed explicitly (mup's `.bsh` files: `null` for a finite dimension).
///
/// ```
/// use init_core::{BaseShapes, Linear, Module};
/// let base = Linear::<16, 32>::zeroed();
/// let delta = Linear::<16, 64>::zeroed();
/// let shapes = BaseShapes::of(&base).with_delta(&delta)?;
/// assert_eq!(shapes.to_list(), [
///     ("weight".to_string(), vec![Some(32), None]),
///     ("bias".to_string(), vec![Some(32)]),
/// ]);
/// // The same, listed:
/// assert_eq!(BaseShapes::from_list(shapes.to_list())?, shapes);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseShapes {
    params: Vec<(String, Vec<BaseDim>)>,
}

impl BaseShapes {
    /// The shapes of `base`'s parameters (`named_parameters`): a dimension is a width in a
    /// model where its size differs (mup's `set_base_shapes(model, base)` without `delta`).
    ///
    /// ```
    /// use init_core::{BaseShapes, Linear, Module};
    /// let shapes = BaseShapes::of(&Linear::<4, 8>::zeroed());
    /// assert_eq!(shapes.len(), 2);
    /// ```
    pub fn of(base: &dyn Module) -> Self {
        let params = base
            .named_parameters()
            .into_iter()
            .map(|(path, p)| (path, p.shape().iter().map(|&d| BaseDim::Plain(d)).collect()))
            .collect();
        BaseShapes { params }
    }

    /// Decide the widths with a delta model: a dimension is a width exactly where `base` and
    /// `delta` differ, with `base`'s size as its base (mup's `delta=`). The delta must have the
    /// same parameters with the same ranks; dimensions already decided stay as they are.
    ///
    /// ```
    /// use init_core::{BaseShapes, Linear, Module};
    /// let err = BaseShapes::of(&Linear::<4, 8>::zeroed())
    ///     .with_delta(&Linear::<4, 8, false>::zeroed())
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "bias: μP: the base shapes hold this parameter, the delta model does not (extra: bias)");
    /// ```
    pub fn with_delta(self, delta: &dyn Module) -> Result<Self> {
        let shapes = shapes_of(delta);
        let params = zip(&self.params, &shapes, "the delta model")?
            .into_iter()
            .map(|(path, dims)| {
                let dims = dims.into_iter().map(|d| match d.base {
                    Some(b) => BaseDim::Width(b),
                    None => BaseDim::Finite,
                });
                (path, dims.collect())
            })
            .collect();
        Ok(BaseShapes { params })
    }

    /// Base shapes listed per parameter path: `Some(base)` for a width dimension, `None`
    /// for a finite one. A path listed twice is an error.
    ///
    /// ```
    /// use init_core::BaseShapes;
    /// let err = BaseShapes::from_list(vec![("w".into(), vec![None]), ("w".into(), vec![Some(2)])]);
    /// assert_eq!(err.unwrap_err().to_string(), "w: μP: listed twice in the base shapes");
    /// ```
    pub fn from_list(list: Vec<(String, Vec<Option<usize>>)>) -> Result<Self> {
        let mut seen = HashSet::new();
        let mut params = Vec::with_capacity(list.len());
        for (path, dims) in list {
            if !seen.insert(path.clone()) {
                return Err(mup_error(&path, "listed twice in the base shapes".into()));
            }
            if dims.contains(&Some(0)) {
                return Err(mup_error(&path, "a width dimension cannot have base size 0".into()));
            }
            let dims = dims.into_iter().map(|d| d.map_or(BaseDim::Finite, BaseDim::Width));
            params.push((path, dims.collect()));
        }
        Ok(BaseShapes { params })
    }

    /// Decided base shapes (`None` finite, `Some(base)` a width), paths known to be unique.
    pub(super) fn decided(list: Vec<(String, Vec<Option<usize>>)>) -> Self {
        let dim = |d: Option<usize>| d.map_or(BaseDim::Finite, BaseDim::Width);
        let params = list.into_iter().map(|(p, dims)| (p, dims.into_iter().map(dim).collect()));
        BaseShapes { params: params.collect() }
    }

    /// Every parameter's base dimensions, in order: `Some(base)` for a width or a base size
    /// still to be compared with a model, `None` for a finite dimension.
    ///
    /// ```
    /// use init_core::{BaseShapes, Linear, Module};
    /// let list = BaseShapes::of(&Linear::<4, 8>::zeroed()).to_list();
    /// assert_eq!(list[0], ("weight".to_string(), vec![Some(8), Some(4)]));
    /// ```
    pub fn to_list(&self) -> Vec<(String, Vec<Option<usize>>)> {
        let base = |d: &BaseDim| match *d {
            BaseDim::Plain(b) | BaseDim::Width(b) => Some(b),
            BaseDim::Finite => None,
        };
        self.params.iter().map(|(p, dims)| (p.clone(), dims.iter().map(base).collect())).collect()
    }

    /// Whether every dimension is decided (a width or finite), as in a `.bsh` file: not
    /// when made by [`of`](BaseShapes::of) without a delta.
    pub(super) fn is_decided(&self) -> bool {
        self.params.iter().all(|(_, dims)| !dims.iter().any(|d| matches!(d, BaseDim::Plain(_))))
    }

    /// The number of parameters.
    ///
    /// ```
    /// assert!(init_core::BaseShapes::from_list(vec![])?.is_empty());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Whether there are no parameters.
    ///
    /// ```
    /// assert_eq!(init_core::BaseShapes::from_list(vec![])?.len(), 0);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Every parameter of `model` with its [`InfShape`]: mup's `zip_infshape` of these base
    /// shapes and the model's. The parameters must be the same (each missing or extra path is
    /// an error naming it) and have the same ranks.
    pub(crate) fn resolve(&self, model: &dyn Module) -> Result<Vec<(String, InfShape)>> {
        let shapes = shapes_of(model);
        let zipped = zip(&self.params, &shapes, "the model")?;
        Ok(zipped.into_iter().map(|(path, dims)| (path, InfShape::new(dims))).collect())
    }
}

fn shapes_of(m: &dyn Module) -> Vec<(String, Vec<usize>)> {
    m.named_parameters().into_iter().map(|(path, p)| (path, p.shape().to_vec())).collect()
}

/// `base` against `shapes` (in `shapes`' order), as mup's `_zip_infshape_dict`, with the
/// checks it leaves out (ranks).
fn zip(
    base: &[(String, Vec<BaseDim>)],
    shapes: &[(String, Vec<usize>)],
    other: &str,
) -> Result<Vec<(String, Vec<InfDim>)>> {
    let in_base: HashSet<&str> = base.iter().map(|(p, _)| p.as_str()).collect();
    let in_other: HashSet<&str> = shapes.iter().map(|(p, _)| p.as_str()).collect();
    let missing: Vec<&str> =
        shapes.iter().map(|(p, _)| p.as_str()).filter(|p| !in_base.contains(p)).collect();
    if let Some(first) = missing.first() {
        let rule = format!("no base shape for this parameter (missing: {})", missing.join(", "));
        return Err(mup_error(first, rule));
    }
    let extra: Vec<&str> =
        base.iter().map(|(p, _)| p.as_str()).filter(|p| !in_other.contains(p)).collect();
    if let Some(first) = extra.first() {
        let rule = format!(
            "the base shapes hold this parameter, {other} does not (extra: {})",
            extra.join(", ")
        );
        return Err(mup_error(first, rule));
    }
    let by_path: HashMap<&str, &Vec<BaseDim>> = base.iter().map(|(p, d)| (p.as_str(), d)).collect();
    let mut out = Vec::with_capacity(shapes.len());
    for (path, shape) in shapes {
        let Some(dims) = by_path.get(path.as_str()) else { continue };
        if dims.len() != shape.len() {
            let rule = format!(
                "the base shape has {} dimensions, {other}'s shape {shape:?} has {}",
                dims.len(),
                shape.len()
            );
            return Err(mup_error(path, rule));
        }
        if dims.iter().zip(shape).any(|(b, &d)| matches!(*b, BaseDim::Plain(0) if d != 0)) {
            let rule = format!("a width dimension of base size 0 (base shape {:?})", dims);
            return Err(mup_error(path, rule));
        }
        let zipped = dims.iter().zip(shape).map(|(b, &dim)| match *b {
            BaseDim::Plain(b) if b == dim => InfDim { base: None, dim },
            BaseDim::Plain(b) | BaseDim::Width(b) => InfDim { base: Some(b), dim },
            BaseDim::Finite => InfDim { base: None, dim },
        });
        out.push((path.clone(), zipped.collect()));
    }
    Ok(out)
}
