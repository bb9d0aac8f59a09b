//! What an elementwise scheme resolves to for one shape: a distribution or a constant.
//!
//! Resolving first and filling second lets [`Init::apply`](super::Init::apply) and
//! [`Init::fill_slice`](super::Init::fill_slice) share one code path.

use rayon::prelude::*;

use crate::param::Param;
use crate::rng::{Dist, Generator};

/// An elementwise fill, resolved for one parameter shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Plan {
    /// Independent draws from a distribution.
    Draw(Dist),
    /// Every element equal to this value.
    Const(f32),
}

impl Plan {
    /// Write the plan into a whole parameter; an empty one is left alone and nothing is drawn.
    pub(crate) fn run(self, param: &mut Param, path: &str, rng: &mut dyn Generator) {
        if param.numel() == 0 {
            return;
        }
        match self {
            Plan::Draw(dist) => rng.fill(path, dist, param.as_slice_mut()),
            Plan::Const(v) => fill_const(param.as_slice_mut(), v),
        }
    }
}

/// Below this many elements a constant fill stays on the calling thread.
pub(super) const PARALLEL_FILL: usize = 1 << 20;

/// Fill `out` with `v`, in parallel for large buffers (the result does not depend on it).
///
/// Zeros go to `memset` in one contiguous part per thread: for parts that large, the C
/// library's `memset` writes with non-temporal stores, measured 4x faster than the 256 KiB
/// chunks other constants use (0.4 ms against 1.6 ms for 64 MiB on two threads; for any
/// other value non-temporal stores were slower, 2.4 ms). `+0.0` only: `-0.0` has a sign bit.
pub(crate) fn fill_const(out: &mut [f32], v: f32) {
    if out.len() < PARALLEL_FILL {
        out.fill(v);
    } else if v.to_bits() == 0 {
        let part = out.len().div_ceil(rayon::current_num_threads()).next_multiple_of(1 << 10);
        out.par_chunks_mut(part).for_each(|chunk| chunk.fill(0.0));
    } else {
        out.par_chunks_mut(1 << 16).for_each(|chunk| chunk.fill(v));
    }
}
