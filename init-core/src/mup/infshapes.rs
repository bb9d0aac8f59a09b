//! [`InfShapes`], every parameter's infshape, and the aligned tables the μP types print.

use std::collections::HashMap;
use std::fmt;

use super::{BaseShapes, InfShape};

/// Every parameter of a model with its [`InfShape`], in `named_parameters` order
/// ([`Mup::infshapes`](super::Mup::infshapes)); prints as a table.
///
/// ```
/// use init_core::{Linear, Module, Mup};
/// let s = Mup::new(&Linear::<32, 32>::zeroed()).infshapes(&Linear::<64, 64>::zeroed())?;
/// assert_eq!(s.to_string(), "\
/// parameter  base      shape     ninf  width_mult
/// weight     [32, 32]  [64, 64]  2     2
/// bias       [32]      [64]      1     2
/// ");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct InfShapes {
    rows: Vec<(String, InfShape)>,
    index: HashMap<String, usize>,
}

impl InfShapes {
    /// The table of these rows (paths unique: they come from one model).
    pub(super) fn new(rows: Vec<(String, InfShape)>) -> Self {
        let index = rows.iter().enumerate().map(|(i, (p, _))| (p.clone(), i)).collect();
        InfShapes { rows, index }
    }

    /// The rows, moved out.
    pub(super) fn into_rows(self) -> Vec<(String, InfShape)> {
        self.rows
    }

    /// The infshape of the parameter at `path`.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let s = Mup::new(&Linear::<2, 2>::zeroed()).infshapes(&Linear::<2, 2>::zeroed())?;
    /// assert!(s.get("nothing").is_none());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn get(&self, path: &str) -> Option<&InfShape> {
        self.index.get(path).and_then(|&i| self.rows.get(i)).map(|(_, s)| s)
    }

    /// Every parameter's path and infshape, in order.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let s = Mup::new(&Linear::<2, 2>::zeroed()).infshapes(&Linear::<2, 2>::zeroed())?;
    /// assert_eq!(s.iter().map(|(p, _)| p).collect::<Vec<_>>(), ["weight", "bias"]);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &InfShape)> {
        self.rows.iter().map(|(p, s)| (p.as_str(), s))
    }

    /// The base shapes these infshapes were made from, as a [`BaseShapes`] that decides the
    /// widths by itself (a `.bsh` file's content).
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup};
    /// let s = Mup::new(&Linear::<2, 2>::zeroed()).infshapes(&Linear::<2, 4>::zeroed())?;
    /// assert_eq!(s.base_shapes().to_list()[0], ("weight".to_string(), vec![Some(2), None]));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn base_shapes(&self) -> BaseShapes {
        BaseShapes::decided(self.rows.iter().map(|(p, s)| (p.clone(), s.base_shape())).collect())
    }
}

impl fmt::Display for InfShapes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines =
            vec![["parameter", "base", "shape", "ninf", "width_mult"].map(str::to_string).to_vec()];
        for (p, s) in &self.rows {
            let base: Vec<String> = s
                .base_shape()
                .iter()
                .map(|b| b.map_or_else(|| "-".into(), |b| b.to_string()))
                .collect();
            lines.push(vec![
                p.clone(),
                format!("[{}]", base.join(", ")),
                format!("{:?}", s.shape()),
                s.ninf().to_string(),
                s.width_mult().to_string(),
            ]);
        }
        write_table(f, &lines)
    }
}

/// Lines of cells, each column padded to its widest cell (two spaces between columns, no
/// trailing spaces), one line per row.
pub(super) fn write_table(f: &mut fmt::Formatter<'_>, lines: &[Vec<String>]) -> fmt::Result {
    let cols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            lines.iter().filter_map(|l| l.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)
        })
        .collect();
    for line in lines {
        let mut out = String::new();
        for (c, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < line.len() {
                let pad = widths.get(c).copied().unwrap_or(0) - cell.chars().count() + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        writeln!(f, "{out}")?;
    }
    Ok(())
}
