//! Which build of [`Seed`](super::Seed)'s fill kernels runs: AVX-512, AVX2 or portable,
//! detected at run time, or forced with the `INIT_KERNEL` environment variable. Every build
//! gives the same bits (tested), so the choice is only about speed.

use std::sync::OnceLock;

/// The environment variable that forces a build (`portable`, `avx2`, `avx512`; `auto`, empty
/// or anything else: the fastest the CPU runs).
pub(super) const ENV: &str = "INIT_KERNEL";

/// A build of the fill kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Isa {
    /// Baseline code for any CPU.
    Portable,
    /// x86-64 with AVX2 (and POPCNT, as every AVX2 CPU has): Philox 16 blocks at a time on
    /// 256-bit vectors.
    Avx2,
    /// x86-64 with AVX-512 F, DQ, BW and VL (and POPCNT): Philox 32 blocks at a time on
    /// 512-bit vectors,
    /// the transforms compiled for 512-bit vectors.
    Avx512,
}

impl Isa {
    /// Every build, slowest first.
    pub(crate) const ALL: [Isa; 3] = [Isa::Portable, Isa::Avx2, Isa::Avx512];

    /// The name `INIT_KERNEL` takes and [`Seed::kernel_name`](super::Seed::kernel_name) returns.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Whether this CPU runs this build (detected once, cached by std).
    #[inline]
    pub(crate) fn supported(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512dq")
                    && std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512vl")
                    && std::is_x86_feature_detected!("popcnt")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The build to use when `requested` is asked for: itself if the CPU runs it, else the
    /// fastest supported one below it. `None` asks for the default, [`Isa::DEFAULT_BEST`]
    /// capped by the CPU.
    fn resolve(requested: Option<Isa>) -> Isa {
        let want = requested.unwrap_or(Isa::DEFAULT_BEST);
        Isa::ALL.into_iter().rev().find(|i| *i <= want && i.supported()).unwrap_or(Isa::Portable)
    }

    /// The most capable build chosen when nothing is forced.
    const DEFAULT_BEST: Isa = Isa::Avx512;

    /// The build named `s` (case and surrounding spaces ignored), if any.
    fn from_name(s: &str) -> Option<Isa> {
        let s = s.trim();
        Isa::ALL.into_iter().find(|i| i.name().eq_ignore_ascii_case(s))
    }

    /// The build every fill uses: `INIT_KERNEL` if set to a build this CPU runs, else the
    /// best one the CPU runs (a forced build the CPU lacks falls back the same way, never to
    /// a build it cannot run). Read once per process.
    #[inline]
    pub(crate) fn selected() -> Isa {
        static CHOICE: OnceLock<Isa> = OnceLock::new();
        *CHOICE.get_or_init(|| {
            let forced = std::env::var(ENV).ok().and_then(|v| Isa::from_name(&v));
            Isa::resolve(forced)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_forcing_never_exceeds_the_cpu() {
        for isa in Isa::ALL {
            assert_eq!(Isa::from_name(isa.name()), Some(isa));
            assert_eq!(Isa::from_name(&format!(" {} ", isa.name().to_uppercase())), Some(isa));
            let got = Isa::resolve(Some(isa));
            assert!(got <= isa && got.supported(), "{isa:?} -> {got:?}");
            if isa.supported() {
                assert_eq!(got, isa);
            }
        }
        assert_eq!(Isa::from_name("sse9"), None);
        assert!(Isa::resolve(None).supported());
        assert!(Isa::selected().supported());
    }
}
