//! Initialization schemes (filled in below).
mod check;
mod fan;
mod gain;
mod identity;
mod orthogonal;
mod sparse;
mod values;
pub use fan::{FanAxes, FanMode, Fans};
pub use gain::{Nonlinearity, calculate_gain};
pub use identity::{dirac, eye};
pub use orthogonal::{delta_orthogonal, orthogonal};
pub use sparse::sparse;
pub use values::{Values, values};
/// placeholder
#[derive(Clone, Debug, PartialEq)]
pub enum Init {}
