//! [`TorchGenerator`]: PyTorch's CPU generator (`torch.manual_seed` + `at::mt19937`), bit for
//! bit with torch 2.15 float32 tensors on x86-64 CPUs with AVX2 (or AVX-512).
//!
//! # What is bit-exact
//!
//! Checked against the golden vectors of torch 2.15 (see `tests/test_torch_generator.rs`):
//!
//! * the raw word stream (`torch.manual_seed(s)`, `torch.randperm` words) and the **draw order**:
//!   every [`Generator::fill`] consumes exactly the words PyTorch's kernel would, so sequences of
//!   calls (module construction order, `nn.Linear` weight then bias, …) stay in sync;
//! * [`Dist::Uniform`]: `Tensor.uniform_` with the FMA of AVX2 builds;
//! * [`Dist::Normal`], both paths of `Tensor.normal_`: fewer than 16 elements (double
//!   Box–Muller with the cached second value kept across calls) and 16 or more (`normal_fill`
//!   with a bit-exact scalar emulation of `avx_mathfun.h`, including the 16-element tail re-draw);
//! * [`Dist::TruncNormal`] when `Φ((b−mean)/std) − Φ((a−mean)/std) > 0.3` (the usual case, e.g.
//!   `std = 0.02, a = −2, b = 2`): `normal_` plus whole-tensor redraws, as `trunc_normal_` ≥ 2.12.
//!
//! # What is not
//!
//! * The small-tensor normal path (< 16 elements) uses `f64::ln_1p`, `sin` and `cos`, i.e. the
//!   platform libm: it matches PyTorch on Linux/glibc; another libm may rarely differ in the last
//!   bit of the double, which almost never changes the float32 result.
//! * The narrow-window branch of `trunc_normal_` (mass of `[a, b]` ≤ 0.3) follows PyTorch's
//!   algorithm and draw order but accepts via `f32::ln`, not torch's vectorised `log_`: a rare
//!   boundary flip changes the outcome. It is a correct truncated-normal sampler either way.
//! * Anything PyTorch computes with LAPACK/MKL, such as `orthogonal_`'s QR.
//! * [`TruncNormalAlgorithm::InverseCdf`] (`trunc_normal_` of releases ≤ 2.11 and timm's) draws
//!   the same uniforms and runs the same ops, but PyTorch's float `erfinv_` is MKL's `vsErfInv`
//!   (`ATen/cpu/vml.h`), under one ulp and not correctly rounded, while this one is correctly
//!   rounded: over all 2²⁴ outputs of `uniform_(−1, 1)` (timm's `std = .02`), 4912 (0.029 %)
//!   differ from torch 2.15's in the last bit, none from torch's float64 `erfinv` rounded
//!   to float32. MKL is closed and picks its code by CPU, so its last bits cannot be followed.
//! * PyTorch builds running the DEFAULT CPU capability (no AVX2, or `ATEN_CPU_CAPABILITY=default`)
//!   and non-x86 builds: their uniform (no FMA) and normal (libm instead of `avx_mathfun`)
//!   kernels give different bits.
//!
//! ```
//! use init_core::{Dist, Generator, TorchGenerator};
//! let mut g = TorchGenerator::new(0); // torch.manual_seed(0)
//! let mut w = [0.0f32; 2];
//! g.fill("ignored", Dist::uniform(0.0, 1.0)?, &mut w); // torch.empty(2).uniform_()
//! assert_eq!(w.map(f32::to_bits), [0x3efe_1558, 0x3f44_aa2f]);
//! # Ok::<(), init_core::InitError>(())
//! ```

use core::convert::Infallible;
use core::fmt;

use super::{Dist, Generator};

mod avx_mathfun;
mod isa;
mod mt19937;
mod normal;
mod trunc;

use mt19937::Mt19937;
pub use trunc::TruncNormalAlgorithm;

/// The seed of a fresh `torch.Generator()` (`default_rng_seed_val`).
const DEFAULT_SEED: u64 = 67_280_421_310_721;

/// PyTorch's CPU generator: MT19937 seeded like `torch.manual_seed`, with PyTorch's float32
/// `uniform_`/`normal_`/`trunc_normal_` kernels. Sequential: [`Generator::fill`] ignores the
/// parameter path and draws in call order, exactly as PyTorch does.
///
/// ```
/// use init_core::{Dist, Generator, TorchGenerator};
/// // torch.manual_seed(42); torch.randn(2)
/// let mut g = TorchGenerator::new(42);
/// let mut x = [0.0f32; 2];
/// g.fill("x", Dist::STANDARD_NORMAL, &mut x);
/// assert_eq!(x.map(f32::to_bits), [0x3eac_62ae, 0x3e03_e69d]);
/// ```
#[derive(Clone)]
pub struct TorchGenerator {
    mt: Mt19937,
    seed: u64,
    next_double_normal: Option<f64>,
    trunc: TruncNormalAlgorithm,
}

impl TorchGenerator {
    /// The generator after `torch.manual_seed(seed)` (only the low 32 bits select the stream;
    /// a negative Python seed `s` corresponds to `s as u64`).
    ///
    /// ```
    /// use init_core::TorchGenerator;
    /// let mut g = TorchGenerator::new(5489);
    /// assert_eq!(g.random(), 3_499_211_612); // std::mt19937's first output
    /// ```
    pub fn new(seed: u64) -> Self {
        TorchGenerator {
            mt: Mt19937::new(seed),
            seed,
            next_double_normal: None,
            trunc: TruncNormalAlgorithm::Rejection,
        }
    }

    /// The same generator reproducing `algorithm`'s `trunc_normal_` (PyTorch ≥ 2.12's by
    /// default; [`TruncNormalAlgorithm::InverseCdf`] for timm and PyTorch ≤ 2.11).
    ///
    /// ```
    /// use init_core::{TorchGenerator, TruncNormalAlgorithm};
    /// let g = TorchGenerator::new(0).with_trunc_normal(TruncNormalAlgorithm::InverseCdf);
    /// assert_eq!(g.trunc_normal(), TruncNormalAlgorithm::InverseCdf);
    /// ```
    pub fn with_trunc_normal(mut self, algorithm: TruncNormalAlgorithm) -> Self {
        self.trunc = algorithm;
        self
    }

    /// Which `trunc_normal_` this generator reproduces.
    ///
    /// ```
    /// use init_core::{TorchGenerator, TruncNormalAlgorithm};
    /// assert_eq!(TorchGenerator::new(0).trunc_normal(), TruncNormalAlgorithm::Rejection);
    /// ```
    pub fn trunc_normal(&self) -> TruncNormalAlgorithm {
        self.trunc
    }

    /// Re-seed, as `torch.manual_seed(seed)`; also clears the cached normal (and keeps the
    /// `trunc_normal_` algorithm).
    ///
    /// ```
    /// use init_core::TorchGenerator;
    /// let mut g = TorchGenerator::new(1);
    /// let first = g.random();
    /// g.manual_seed(1);
    /// assert_eq!(g.random(), first);
    /// ```
    pub fn manual_seed(&mut self, seed: u64) {
        *self = TorchGenerator::new(seed).with_trunc_normal(self.trunc);
    }

    /// The full 64-bit seed, as `torch.initial_seed()`.
    ///
    /// ```
    /// use init_core::TorchGenerator;
    /// assert_eq!(TorchGenerator::new((1 << 32) + 5).initial_seed(), 4_294_967_301);
    /// ```
    pub fn initial_seed(&self) -> u64 {
        self.seed
    }

    /// One 32-bit engine output (`CPUGeneratorImpl::random`).
    ///
    /// ```
    /// use init_core::TorchGenerator;
    /// assert_eq!(TorchGenerator::new(0).random(), 2_357_136_044);
    /// ```
    #[inline]
    pub fn random(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// Two outputs, the first as the high word (`CPUGeneratorImpl::random64`).
    ///
    /// ```
    /// use init_core::TorchGenerator;
    /// let mut a = TorchGenerator::new(3);
    /// let mut b = a.clone();
    /// let (hi, lo) = (u64::from(b.random()), u64::from(b.random()));
    /// assert_eq!(a.random64(), hi << 32 | lo);
    /// ```
    #[inline]
    pub fn random64(&mut self) -> u64 {
        let hi = u64::from(self.random());
        (hi << 32) | u64::from(self.random())
    }
}

impl Default for TorchGenerator {
    /// A fresh `torch.Generator()`, whose seed is `67280421310721`.
    ///
    /// ```
    /// use init_core::TorchGenerator;
    /// assert_eq!(TorchGenerator::default().initial_seed(), 67_280_421_310_721);
    /// ```
    fn default() -> Self {
        TorchGenerator::new(DEFAULT_SEED)
    }
}

impl fmt::Debug for TorchGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TorchGenerator")
            .field("initial_seed", &self.seed)
            .field("next_double_normal", &self.next_double_normal)
            .field("trunc_normal", &self.trunc)
            .finish_non_exhaustive()
    }
}

impl Generator for TorchGenerator {
    /// Draw `out` as PyTorch's float32 kernel on a contiguous tensor of `out.len()` elements;
    /// `path` is ignored.
    fn fill(&mut self, _path: &str, dist: Dist, out: &mut [f32]) {
        match dist {
            Dist::Uniform { low, high } => self.uniform_f32(low, high, out),
            Dist::Normal { mean, std } => self.normal_f32(mean, std, out),
            Dist::TruncNormal { mean, std, a, b } => self.trunc_normal_f32(mean, std, a, b, out),
        }
    }

    /// The next `out.len()` words of [`random`](TorchGenerator::random), as `torch.randperm`
    /// consumes them; `path` and `offset` are ignored.
    fn fill_bits(&mut self, _path: &str, _offset: u64, out: &mut [u32]) {
        self.mt.fill_u32(out);
    }

    /// `true`: every value depends on the draws made before it.
    fn is_sequential(&self) -> bool {
        true
    }
}

/// `rand` interface ([`rand_core::Rng`] through this impl): `next_u32` is
/// [`random`](TorchGenerator::random), `next_u64` is [`random64`](TorchGenerator::random64),
/// bytes come from little-endian words.
///
/// ```
/// use init_core::TorchGenerator;
/// use rand_core::Rng;
/// let mut g = TorchGenerator::new(0);
/// assert_eq!(g.next_u32(), TorchGenerator::new(0).random());
/// ```
impl rand_core::TryRng for TorchGenerator {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.random())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.random64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let w = self.random().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}
