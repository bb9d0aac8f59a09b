//! [`Summary`]: a module's parameters as a table, with the rule that set each one.

use std::fmt;

use super::{Module, traverse};

/// One row of a [`Summary`].
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Dotted path (`"conv1.weight"`).
    pub path: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Number of elements.
    pub numel: usize,
    /// Whether it is trained.
    pub requires_grad: bool,
    /// Which rule set the values ([`Param::origin`](crate::Param::origin)), or `"-"`.
    pub origin: String,
}

/// The parameters of a module tree as a table: path, shape, element count, whether it is
/// trained, and which rule initialized it. Its `Display` prints the table with every origin
/// whole; a precision (`{:.40}`) cuts origins longer than that many characters with `...`,
/// to keep rows short.
///
/// ```
/// use init_core::{Linear, ModuleExt, Seed, Sequential, Summary};
/// let mut mlp = Sequential::new().push(Linear::<4, 2>::zeroed());
/// mlp.init_weights(&mut Seed::new(0))?;
/// let table = Summary::of(&mlp).to_string();
/// assert_eq!(
///     table,
///     "path      shape   params  grad  init\n\
///      0.weight  [2, 4]       8  yes   default: Linear\n\
///      0.bias    [2]          2  yes   default: Linear\n\
///      total                 10\n"
/// );
/// assert!(format!("{:.10}", Summary::of(&mlp)).contains("  default..."));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The rows, in `named_parameters` order.
    pub rows: Vec<SummaryRow>,
}

impl Summary {
    /// The summary of `module`'s tree.
    pub fn of(module: &dyn Module) -> Summary {
        let rows = traverse::named_params(module)
            .into_iter()
            .map(|(path, p)| SummaryRow {
                path,
                shape: p.shape().to_vec(),
                numel: p.numel(),
                requires_grad: p.requires_grad(),
                origin: p.origin().unwrap_or("-").to_string(),
            })
            .collect();
        Summary { rows }
    }

    /// Total number of parameter elements.
    pub fn total(&self) -> usize {
        self.rows.iter().map(|r| r.numel).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shapes: Vec<String> = self.rows.iter().map(|r| format!("{:?}", r.shape)).collect();
        let path_w = self.rows.iter().map(|r| r.path.len()).chain([5]).max().unwrap_or(5);
        let shape_w = shapes.iter().map(String::len).chain([5]).max().unwrap_or(5);
        let total = self.total().to_string();
        let num_w = self
            .rows
            .iter()
            .map(|r| r.numel.to_string().len())
            .chain([6, total.len()])
            .max()
            .unwrap_or(6);
        writeln!(f, "{:path_w$}  {:shape_w$}  {:>num_w$}  grad  init", "path", "shape", "params")?;
        for (row, shape) in self.rows.iter().zip(&shapes) {
            let grad = if row.requires_grad { "yes" } else { "no" };
            let origin = cut(&row.origin, f.precision());
            writeln!(
                f,
                "{:path_w$}  {shape:shape_w$}  {:>num_w$}  {grad:4}  {origin}",
                row.path, row.numel
            )?;
        }
        writeln!(f, "{:path_w$}  {:shape_w$}  {total:>num_w$}", "total", "")
    }
}

/// `text`, or its first `width - 3` characters and `...` when it is longer than `width`.
fn cut(text: &str, width: Option<usize>) -> String {
    let Some(width) = width.filter(|&w| text.chars().count() > w) else {
        return text.to_string();
    };
    let mut s: String = text.chars().take(width.saturating_sub(3)).collect();
    s.push_str("...");
    s
}
