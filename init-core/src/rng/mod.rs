//! The random generators; documented on `Generator`.

mod bits;
mod dist;
mod philox;
mod seed;
mod torch;

pub use bits::Bits;
pub use dist::Dist;
pub(crate) use dist::{TRUNC_2SIGMA_STD_LIMIT, UNIFORM_BOUND_LIMIT, overflow};
pub use seed::{Seed, SeedStream};
pub use torch::{TorchGenerator, TruncNormalAlgorithm};

/// A source of random values for initialization.
///
/// Object-safe, so schemes and module trees take `&mut dyn Generator`.
///
/// ```
/// use init_core::{Dist, Generator, Seed};
/// let mut g = Seed::new(7);
/// let mut w = vec![0.0f32; 6];
/// g.fill("fc.weight", Dist::uniform(-1.0, 1.0)?, &mut w);
/// assert!(w.iter().all(|&x| (-1.0..1.0).contains(&x)));
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// # Generators
///
/// Random generators behind one trait: [`Seed`] (counter-based, the default) and
/// [`TorchGenerator`] (PyTorch's CPU generator, bit for bit).
///
/// Every random init scheme reduces to [`Generator::fill`] with a [`Dist`], plus raw words from
/// [`Generator::fill_bits`] for permutations. The `path` argument is the parameter's full
/// dotted path (`"conv1.weight"`): a counter-based generator keys its stream on it, a
/// sequential one ignores it and draws in call order.
pub trait Generator {
    /// Fill `out`, the elements of the parameter at `path` in row-major order, with
    /// independent draws from `dist`. `dist` was checked when it was made (see [`Dist`]), so
    /// an implementation need not check it again.
    fn fill(&mut self, path: &str, dist: Dist, out: &mut [f32]);

    /// Fill `out` with uniformly distributed 32-bit words for the parameter at `path`, on a
    /// stream distinct from the one [`fill`](Generator::fill) uses. A counter-based generator
    /// returns the words at positions `offset..offset + out.len()` of that stream; a
    /// sequential one ignores `offset` and returns its next words.
    fn fill_bits(&mut self, path: &str, offset: u64, out: &mut [u32]);

    /// Whether values depend on the order of the calls rather than on the paths: `true` for
    /// [`TorchGenerator`], whose stream is one sequence of draws, `false` (the provided
    /// answer) for a counter-based generator such as [`Seed`], whose values for a path are
    /// the same whatever was drawn before. [`TorchLoop`](crate::TorchLoop) uses it: extra
    /// draws change nothing for a generator that is not sequential, so it gets one fill per
    /// parameter.
    ///
    /// ```
    /// use init_core::{Generator, Seed, TorchGenerator};
    /// assert!(TorchGenerator::new(0).is_sequential());
    /// assert!(!Seed::new(0).is_sequential());
    /// ```
    fn is_sequential(&self) -> bool {
        false
    }
}

impl<G: Generator + ?Sized> Generator for &mut G {
    fn fill(&mut self, path: &str, dist: Dist, out: &mut [f32]) {
        (**self).fill(path, dist, out);
    }
    fn fill_bits(&mut self, path: &str, offset: u64, out: &mut [u32]) {
        (**self).fill_bits(path, offset, out);
    }
    fn is_sequential(&self) -> bool {
        (**self).is_sequential()
    }
}
