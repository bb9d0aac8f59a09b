//! `sparse`. PLACEHOLDER.
use crate::{Generator, Param, Result};
/// placeholder
pub fn sparse(_param: &mut Param, _path: &str, _sparsity: f64, _std: f64, _rng: &mut dyn Generator) -> Result<()> { Ok(()) }
