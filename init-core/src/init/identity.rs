//! `eye` and `dirac`. PLACEHOLDER.
use crate::{Param, Result};
/// placeholder
pub fn eye(_param: &mut Param, _path: &str) -> Result<()> { Ok(()) }
/// placeholder
pub fn dirac(_param: &mut Param, _path: &str, _groups: usize) -> Result<()> { Ok(()) }
