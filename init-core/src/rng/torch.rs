//! [`TorchGenerator`]: PyTorch's CPU generator. PLACEHOLDER: replaced by the torch generator work.

use super::{Dist, Generator};

/// PyTorch's CPU generator (placeholder).
#[derive(Clone, Debug)]
pub struct TorchGenerator;

impl Generator for TorchGenerator {
    fn fill(&mut self, _path: &str, _dist: Dist, _out: &mut [f32]) {}
    fn fill_bits(&mut self, _path: &str, _offset: u64, _out: &mut [u32]) {}
}
