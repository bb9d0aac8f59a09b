//! The per-parameter learning-rate and weight-decay multipliers of mup's optimizers
//! (`MuAdam`, `MuAdamW`, `MuSGD`), as a table, and as safetensors metadata.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use super::mup_error;
use super::shape::{InfDim, InfShape};
use crate::error::Result;

const VERSION_KEY: &str = "mup.version";
const VERSION: &str = "1";
const PARAMS_KEY: &str = "mup.params";
const PARAM_PREFIX: &str = "mup.param.";

/// One parameter's μP facts and optimizer multipliers: mup's param groups for base learning
/// rate 1 and weight decay 1 (the multipliers), and [`adam`](LrRow::adam)/[`sgd`](LrRow::sgd)
/// for the exact values of other base values.
///
/// | parameter | Adam/AdamW lr | Adam wd | SGD lr | SGD wd |
/// |---|---|---|---|---|
/// | no width dimension | 1 | 1 | 1 | 1 |
/// | one (vector-like: biases, input and readout weights, embeddings) | 1 | 1 | `width_mult` | `1 / width_mult` |
/// | two (matrix-like: hidden weights) | `1 / width_mult` | `width_mult` | `1 / ratio` | `ratio` |
///
/// where `ratio` is [`InfShape::fanin_fanout_mult_ratio`].
///
/// ```
/// use init_core::{InfDim, InfShape, LrRow};
/// let hidden = InfShape::new(vec![InfDim { base: Some(32), dim: 128 }; 2]);
/// let row = LrRow::new("fc2.weight", hidden)?;
/// assert_eq!((row.adam_lr, row.adam_weight_decay), (0.25, 4.0));
/// assert_eq!(row.adam(0.003, 0.01), (0.003 / 4.0, 0.01 * 4.0));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LrRow {
    /// The parameter's path (`named_parameters`).
    pub path: String,
    /// Its infinite shape.
    pub infshape: InfShape,
    /// MuAdam's/MuAdamW's learning-rate multiplier.
    pub adam_lr: f64,
    /// MuAdam's/MuAdamW's weight-decay multiplier.
    pub adam_weight_decay: f64,
    /// MuSGD's learning-rate multiplier.
    pub sgd_lr: f64,
    /// MuSGD's weight-decay multiplier.
    pub sgd_weight_decay: f64,
}

impl LrRow {
    /// The row of a parameter with this infinite shape; more than 2 width dimensions is an
    /// error (mup's optimizers raise `NotImplementedError`).
    ///
    /// ```
    /// use init_core::{InfDim, InfShape, LrRow};
    /// let s = InfShape::new(vec![InfDim { base: Some(2), dim: 4 }; 3]);
    /// assert_eq!(
    ///     LrRow::new("w", s).unwrap_err().to_string(),
    ///     "w: μP: 3 width dimensions; mup's optimizers handle at most 2"
    /// );
    /// ```
    pub fn new(path: impl Into<String>, infshape: InfShape) -> Result<Self> {
        let path = path.into();
        if infshape.ninf() > 2 {
            let rule =
                format!("{} width dimensions; mup's optimizers handle at most 2", infshape.ninf());
            return Err(mup_error(&path, rule));
        }
        let mut row = LrRow {
            path,
            infshape,
            adam_lr: 1.0,
            adam_weight_decay: 1.0,
            sgd_lr: 1.0,
            sgd_weight_decay: 1.0,
        };
        (row.adam_lr, row.adam_weight_decay) = row.adam(1.0, 1.0);
        (row.sgd_lr, row.sgd_weight_decay) = row.sgd(1.0, 1.0);
        Ok(row)
    }

    /// The number of width dimensions.
    ///
    /// ```
    /// use init_core::{InfShape, LrRow};
    /// assert_eq!(LrRow::new("w", InfShape::new(vec![]))?.ninf(), 0);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn ninf(&self) -> usize {
        self.infshape.ninf()
    }

    /// The width multiplier ([`InfShape::width_mult`]).
    ///
    /// ```
    /// use init_core::{InfShape, LrRow};
    /// assert_eq!(LrRow::new("w", InfShape::new(vec![]))?.width_mult(), 1.0);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn width_mult(&self) -> f64 {
        self.infshape.width_mult()
    }

    /// MuAdam's (and MuAdamW's) learning rate and weight decay for this parameter, from the
    /// base ones, computed as mup does (`lr / width_mult`, `weight_decay * width_mult` for 2
    /// width dimensions), so bit for bit.
    ///
    /// ```
    /// use init_core::{InfShape, LrRow};
    /// assert_eq!(LrRow::new("b", InfShape::new(vec![]))?.adam(0.1, 0.0), (0.1, 0.0));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn adam(&self, lr: f64, weight_decay: f64) -> (f64, f64) {
        if self.ninf() == 2 {
            let w = self.width_mult();
            (lr / w, weight_decay * w)
        } else {
            (lr, weight_decay)
        }
    }

    /// MuSGD's learning rate and weight decay for this parameter, from the base ones, as mup
    /// computes them: 1 width dimension `lr * width_mult`, `weight_decay / width_mult`; 2,
    /// `lr / ratio`, `weight_decay * ratio`.
    ///
    /// ```
    /// use init_core::{InfDim, InfShape, LrRow};
    /// let bias = InfShape::new(vec![InfDim { base: Some(32), dim: 64 }]);
    /// assert_eq!(LrRow::new("b", bias)?.sgd(0.1, 0.5), (0.2, 0.25));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn sgd(&self, lr: f64, weight_decay: f64) -> (f64, f64) {
        match (self.ninf(), self.infshape.fanin_fanout_mult_ratio()) {
            (1, _) => {
                let w = self.width_mult();
                (lr * w, weight_decay / w)
            }
            (2, Some(r)) => (lr / r, weight_decay * r),
            _ => (lr, weight_decay),
        }
    }

    /// The metadata value: `key=value` fields separated by spaces (see
    /// [`LrTable::to_metadata`]).
    fn to_value(&self) -> String {
        let base: Vec<String> = self
            .infshape
            .dims()
            .iter()
            .map(|d| d.base.map_or_else(|| "-".to_string(), |b| b.to_string()))
            .collect();
        let shape: Vec<String> = self.infshape.dims().iter().map(|d| d.dim.to_string()).collect();
        format!(
            "base={} shape={} ninf={} width_mult={:?} adam_lr={:?} adam_weight_decay={:?} sgd_lr={:?} sgd_weight_decay={:?}",
            base.join(","),
            shape.join(","),
            self.ninf(),
            self.width_mult(),
            self.adam_lr,
            self.adam_weight_decay,
            self.sgd_lr,
            self.sgd_weight_decay,
        )
    }

    /// A row read back from its metadata value, checked against what its shape implies.
    fn from_value(key: &str, path: &str, value: &str) -> Result<Self> {
        let bad = |why: String| mup_error(key, format!("metadata value {value:?}: {why}"));
        let mut fields = BTreeMap::new();
        for field in value.split_whitespace() {
            let (k, v) =
                field.split_once('=').ok_or_else(|| bad(format!("`{field}` is not key=value")))?;
            if fields.insert(k, v).is_some() {
                return Err(bad(format!("`{k}` given twice")));
            }
        }
        let get = |k: &str| fields.get(k).copied().ok_or_else(|| bad(format!("no `{k}`")));
        let list = |k: &str| -> Result<Vec<&str>> {
            let v = get(k)?;
            Ok(if v.is_empty() { Vec::new() } else { v.split(',').collect() })
        };
        let int = |s: &str| s.parse::<usize>().map_err(|_| bad(format!("`{s}` is not a size")));
        let float = |k: &str| {
            let v = get(k)?;
            v.parse::<f64>().map_err(|_| bad(format!("`{k}={v}` is not a number")))
        };
        let (base, shape) = (list("base")?, list("shape")?);
        if base.len() != shape.len() {
            return Err(bad("base and shape have different lengths".into()));
        }
        let mut dims = Vec::with_capacity(shape.len());
        for (b, d) in base.iter().zip(&shape) {
            let base = if *b == "-" { None } else { Some(int(b)?) };
            if base == Some(0) {
                return Err(bad("a width dimension cannot have base size 0".into()));
            }
            dims.push(InfDim { base, dim: int(d)? });
        }
        let row = LrRow::new(path, InfShape::new(dims)).map_err(|e| e.at(key))?;
        let known = [
            "base",
            "shape",
            "ninf",
            "width_mult",
            "adam_lr",
            "adam_weight_decay",
            "sgd_lr",
            "sgd_weight_decay",
        ];
        if let Some(k) = fields.keys().find(|k| !known.contains(k)) {
            return Err(bad(format!("unknown field `{k}`")));
        }
        let stated = [
            ("ninf", get("ninf")?.parse::<f64>().unwrap_or(f64::NAN), row.ninf() as f64),
            ("width_mult", float("width_mult")?, row.width_mult()),
            ("adam_lr", float("adam_lr")?, row.adam_lr),
            ("adam_weight_decay", float("adam_weight_decay")?, row.adam_weight_decay),
            ("sgd_lr", float("sgd_lr")?, row.sgd_lr),
            ("sgd_weight_decay", float("sgd_weight_decay")?, row.sgd_weight_decay),
        ];
        for (k, got, want) in stated {
            if got.to_bits() != want.to_bits() {
                return Err(bad(format!("`{k}` is {got:?}, the shapes give {want:?}")));
            }
        }
        Ok(row)
    }
}

/// Every parameter's [`LrRow`], in `named_parameters` order: what mup's optimizers do to
/// each parameter, as data that a training loop in any framework can use, and that survives
/// a safetensors file ([`to_metadata`](LrTable::to_metadata)); mup's own attributes are
/// lost on saving.
///
/// ```
/// use init_core::{InfDim, InfShape, LrRow, LrTable};
/// let w = |b: Option<usize>, d| InfDim { base: b, dim: d };
/// let table = LrTable::new(vec![
///     LrRow::new("fc.weight", InfShape::new(vec![w(Some(32), 64), w(Some(32), 64)]))?,
///     LrRow::new("fc.bias", InfShape::new(vec![w(Some(32), 64)]))?,
/// ])?;
/// assert_eq!(table.to_string(), "\
/// parameter  infshape                          ninf  width_mult  adam_lr  adam_wd  sgd_lr  sgd_wd
/// fc.weight  [InfDim(32, 64), InfDim(32, 64)]  2     2           0.5      2        1       1
/// fc.bias    [InfDim(32, 64)]                  1     2           1        1        2       0.5
/// ");
/// assert_eq!(LrTable::from_metadata(&table.to_metadata())?, table);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LrTable {
    rows: Vec<LrRow>,
}

impl LrTable {
    /// A table of these rows; a path given twice is an error.
    ///
    /// ```
    /// use init_core::{InfShape, LrRow, LrTable};
    /// let r = LrRow::new("w", InfShape::new(vec![]))?;
    /// assert!(LrTable::new(vec![r.clone(), r]).is_err());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn new(rows: Vec<LrRow>) -> Result<Self> {
        let mut seen = HashSet::new();
        if let Some(r) = rows.iter().find(|r| !seen.insert(r.path.as_str())) {
            return Err(mup_error(&r.path, "listed twice in the learning-rate table".into()));
        }
        Ok(LrTable { rows })
    }

    /// The rows, in order.
    ///
    /// ```
    /// assert!(init_core::LrTable::default().rows().is_empty());
    /// ```
    pub fn rows(&self) -> &[LrRow] {
        &self.rows
    }

    /// The row of the parameter at `path`.
    ///
    /// ```
    /// assert!(init_core::LrTable::default().get("fc.weight").is_none());
    /// ```
    pub fn get(&self, path: &str) -> Option<&LrRow> {
        self.rows.iter().find(|r| r.path == path)
    }

    /// The table as safetensors `__metadata__` entries (strings to strings), to pass to
    /// [`safetensors::save_with_metadata`](crate::safetensors::save_with_metadata):
    ///
    /// - `mup.version`: `"1"`;
    /// - `mup.params`: the parameter paths in order, separated by spaces (paths hold no
    ///   spaces; one that does is refused by [`from_metadata`](LrTable::from_metadata));
    /// - `mup.param.<path>`, one per parameter: space-separated `key=value` fields `base`
    ///   (the base dimensions, comma-separated, `-` for a finite one), `shape`, `ninf`,
    ///   `width_mult`, `adam_lr`, `adam_weight_decay`, `sgd_lr`, `sgd_weight_decay` (numbers
    ///   in Rust's shortest round-trip form, which Python's `float()` reads exactly), e.g.
    ///   `base=32,- shape=128,16 ninf=1 width_mult=4.0 adam_lr=1.0 adam_weight_decay=1.0
    ///   sgd_lr=4.0 sgd_weight_decay=0.25`.
    ///
    /// ```
    /// use init_core::{InfDim, InfShape, LrRow, LrTable};
    /// let s = InfShape::new(vec![InfDim { base: Some(32), dim: 128 }, InfDim { base: None, dim: 16 }]);
    /// let meta = LrTable::new(vec![LrRow::new("fc1.weight", s)?])?.to_metadata();
    /// assert_eq!(meta["mup.params"], "fc1.weight");
    /// assert_eq!(
    ///     meta["mup.param.fc1.weight"],
    ///     "base=32,- shape=128,16 ninf=1 width_mult=4.0 adam_lr=1.0 adam_weight_decay=1.0 sgd_lr=4.0 sgd_weight_decay=0.25"
    /// );
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn to_metadata(&self) -> BTreeMap<String, String> {
        let mut meta = BTreeMap::new();
        meta.insert(VERSION_KEY.to_string(), VERSION.to_string());
        let paths: Vec<&str> = self.rows.iter().map(|r| r.path.as_str()).collect();
        meta.insert(PARAMS_KEY.to_string(), paths.join(" "));
        for r in &self.rows {
            meta.insert(format!("{PARAM_PREFIX}{}", r.path), r.to_value());
        }
        meta
    }

    /// The table read back from `__metadata__` ([`Loaded::metadata`](crate::safetensors::Loaded::metadata)):
    /// every key [`to_metadata`](LrTable::to_metadata) writes must be there and agree (the
    /// multipliers stated must be the ones the shapes give, to the bit); keys outside
    /// `mup.` are ignored, a `mup.param.` key for a path not in `mup.params` is an error.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use init_core::LrTable;
    /// let err = LrTable::from_metadata(&BTreeMap::new()).unwrap_err();
    /// assert_eq!(err.to_string(), "mup.version: μP: no μP metadata (the key is missing)");
    /// ```
    pub fn from_metadata(meta: &BTreeMap<String, String>) -> Result<Self> {
        let get = |key: &str| {
            meta.get(key).ok_or_else(|| {
                let rule = if key == VERSION_KEY {
                    "no μP metadata (the key is missing)".to_string()
                } else {
                    "missing from the μP metadata".to_string()
                };
                mup_error(key, rule)
            })
        };
        let version = get(VERSION_KEY)?;
        if version != VERSION {
            return Err(mup_error(
                VERSION_KEY,
                format!("version {version:?}, this build reads \"1\""),
            ));
        }
        let paths: Vec<&str> = get(PARAMS_KEY)?.split(' ').filter(|p| !p.is_empty()).collect();
        let mut rows = Vec::with_capacity(paths.len());
        for path in &paths {
            let key = format!("{PARAM_PREFIX}{path}");
            rows.push(LrRow::from_value(&key, path, get(&key)?)?);
        }
        let listed: HashSet<&str> = paths.iter().copied().collect();
        let extra =
            meta.keys().filter_map(|k| k.strip_prefix(PARAM_PREFIX)).find(|p| !listed.contains(p));
        if let Some(p) = extra {
            return Err(mup_error(
                &format!("{PARAM_PREFIX}{p}"),
                "not listed in mup.params".into(),
            ));
        }
        LrTable::new(rows).map_err(|e| e.at(PARAMS_KEY))
    }
}

/// A table with one line per parameter, columns aligned.
impl fmt::Display for LrTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = [
            "parameter",
            "infshape",
            "ninf",
            "width_mult",
            "adam_lr",
            "adam_wd",
            "sgd_lr",
            "sgd_wd",
        ];
        let mut lines = vec![head.map(str::to_string).to_vec()];
        for r in &self.rows {
            lines.push(vec![
                r.path.clone(),
                r.infshape.to_string(),
                r.ninf().to_string(),
                r.width_mult().to_string(),
                r.adam_lr.to_string(),
                r.adam_weight_decay.to_string(),
                r.sgd_lr.to_string(),
                r.sgd_weight_decay.to_string(),
            ]);
        }
        super::infshapes::write_table(f, &lines)
    }
}
