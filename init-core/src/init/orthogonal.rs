//! `orthogonal` and `delta_orthogonal`. PLACEHOLDER.
use crate::{Generator, Param, Result};
/// placeholder
pub fn orthogonal(_param: &mut Param, _path: &str, _gain: f64, _rng: &mut dyn Generator) -> Result<()> { Ok(()) }
/// placeholder
pub fn delta_orthogonal(_param: &mut Param, _path: &str, _gain: f64, _rng: &mut dyn Generator) -> Result<()> { Ok(()) }
