//! Initialization schemes (filled in below).
mod fan;
mod gain;
pub use fan::{FanAxes, FanMode, Fans};
pub use gain::{Nonlinearity, calculate_gain};
/// placeholder
#[derive(Clone, Debug, PartialEq)]
pub enum Init {}
