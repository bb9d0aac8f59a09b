//! Random generators behind one trait: [`Seed`] (counter-based, the default) and
//! [`TorchGenerator`] (PyTorch's CPU generator, bit for bit).
//!
//! Every random init scheme reduces to [`Generator::fill`] with a [`Dist`], plus raw words from
//! [`Generator::fill_bits`] for permutations. The `path` argument is the parameter's full
//! dotted path (`"conv1.weight"`): a counter-based generator keys its stream on it, a
//! sequential one ignores it and draws in call order.

mod bits;
mod philox;
mod seed;
mod torch;

pub use bits::Bits;
pub use philox::{Philox4x32, philox4x32_10};
pub use seed::{Seed, SeedStream};
pub use torch::TorchGenerator;

/// A distribution that a [`Generator`] can fill a buffer from. Arguments are validated by
/// the init schemes before a generator sees them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Uniform on `[low, high)`; `low == high` gives all `low`.
    Uniform {
        /// Lower bound (inclusive).
        low: f64,
        /// Upper bound (exclusive).
        high: f64,
    },
    /// Normal with mean `mean` and standard deviation `std >= 0`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// Normal `N(mean, std²)` conditioned on `[a, b]` (absolute bounds, as PyTorch's
    /// `trunc_normal_`), `a < b`, `std > 0`.
    TruncNormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal.
        std: f64,
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
    },
}

/// A source of random values for initialization.
///
/// Object-safe, so schemes and module trees take `&mut dyn Generator`.
///
/// ```
/// use init_core::{Dist, Generator, Seed};
/// let mut g = Seed::new(7);
/// let mut w = vec![0.0f32; 6];
/// g.fill("fc.weight", Dist::Uniform { low: -1.0, high: 1.0 }, &mut w);
/// assert!(w.iter().all(|&x| (-1.0..1.0).contains(&x)));
/// ```
pub trait Generator {
    /// Fill `out`, the elements of the parameter at `path` in row-major order, with
    /// independent draws from `dist`.
    fn fill(&mut self, path: &str, dist: Dist, out: &mut [f32]);

    /// Fill `out` with uniformly distributed 32-bit words for the parameter at `path`, on a
    /// stream distinct from the one [`fill`](Generator::fill) uses. A counter-based generator
    /// returns the words at positions `offset..offset + out.len()` of that stream; a
    /// sequential one ignores `offset` and returns its next words.
    fn fill_bits(&mut self, path: &str, offset: u64, out: &mut [u32]);
}

impl<G: Generator + ?Sized> Generator for &mut G {
    fn fill(&mut self, path: &str, dist: Dist, out: &mut [f32]) {
        (**self).fill(path, dist, out);
    }
    fn fill_bits(&mut self, path: &str, offset: u64, out: &mut [u32]) {
        (**self).fill_bits(path, offset, out);
    }
}
