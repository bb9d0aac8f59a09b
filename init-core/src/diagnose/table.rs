//! The report as a terminal table.

use std::fmt;

use super::flags::num;
use super::{LayerRow, Report};

/// The table: one line per layer (its parameters indented under it), then the flags.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.rows.iter().map(|r| r.name.len()).max().unwrap_or(5).max(5);
        let kinds = self.rows.iter().map(|r| r.kind.to_string().len()).max().unwrap_or(4).max(4);
        writeln!(
            f,
            "{:>3}  {:<width$}  {:<kinds$}  {:<14}  {:>10}  {:>10}  {:>6}  {:>10}  {:>10}  notes",
            "#", "layer", "kind", "output", "mean", "std", "zeros", "min", "max"
        )?;
        for (i, row) in self.rows.iter().enumerate() {
            writeln!(
                f,
                "{:>3}  {:<width$}  {:<kinds$}  {:<14}  {:>10}  {:>10}  {:>5.1}%  {:>10}  {:>10}  {}",
                i + 1,
                row.name,
                row.kind.to_string(),
                format!("{:?}", row.shape),
                num(row.mean),
                num(row.std),
                row.zeros * 100.0,
                num(row.min),
                num(row.max),
                notes(row)
            )?;
            for p in &row.params {
                let intended = p.intended.map_or("-".to_string(), num);
                let origin = p.origin.as_deref().unwrap_or("-");
                writeln!(
                    f,
                    "{:>3}    {}: std {} (intended {intended}) {origin}",
                    "",
                    p.name,
                    num(p.std)
                )?;
            }
        }
        if self.flags.is_empty() {
            writeln!(f, "no flags")
        } else {
            writeln!(f, "flags:")?;
            for flag in &self.flags {
                writeln!(f, "  {flag}")?;
            }
            Ok(())
        }
    }
}

/// Saturation, dead units and non-finite values, briefly.
fn notes(row: &LayerRow) -> String {
    let mut notes = Vec::new();
    if let Some(s) = row.saturated {
        notes.push(format!("{:.1}% saturated", s * 100.0));
    }
    if let Some((d, units)) = row.dead.filter(|(d, _)| *d > 0) {
        notes.push(format!("{d}/{units} units dead"));
    }
    if row.non_finite > 0 {
        notes.push(format!("{} non-finite", row.non_finite));
    }
    notes.join(", ")
}
