//! Which machine code runs `TorchGenerator`'s float kernels, chosen at run time.
//!
//! The kernels are written once, with [`f32::mul_add`]/[`f64::mul_add`] for every fused
//! multiply-add. In the portable build each `mul_add` is a call into the `fmaf`/`fma` of
//! `compiler_builtins` (software, or a run-time dispatch to the instruction). In the
//! [`Isa::Fma`] build the same source is compiled with the `fma` target feature (which
//! implies AVX): every `mul_add` is one `vfmadd` instruction, the Box–Muller loop is
//! vectorized, and the whole kernel is VEX-encoded, so it does not pay the AVX-SSE transition
//! penalty that legacy-SSE code pays on Intel cores while the upper halves of the vector
//! registers are dirty (as faer's kernels leave them).
//!
//! Both builds give the same bits: a fused multiply-add rounds once whether the hardware or
//! the software computes it, and every other operation is the same IEEE-754 operation in
//! both builds (Rust never contracts `a * b + c` on its own).

/// A build of the float kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Isa {
    /// Baseline code for any CPU.
    Portable,
    /// x86-64 with FMA3 (Intel Haswell and later, AMD Piledriver and later). Adding AVX2
    /// measured no faster (normal 4M: 12.9-15.3 ms with it, 13.1-13.9 ms without).
    #[cfg(target_arch = "x86_64")]
    Fma,
}

impl Isa {
    /// The fastest build this CPU runs (detected once, cached by std).
    #[inline]
    pub(super) fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("fma") {
            return Isa::Fma;
        }
        Isa::Portable
    }

    /// Every build this CPU runs, portable first.
    #[cfg(test)]
    pub(super) fn available() -> Vec<Isa> {
        let mut all = vec![Isa::Portable];
        if Isa::detect() != Isa::Portable {
            all.push(Isa::detect());
        }
        all
    }
}
