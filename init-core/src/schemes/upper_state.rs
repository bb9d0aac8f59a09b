//! Clearing the upper halves of the vector registers after faer's kernels.
//!
//! faer's x86 matrix kernels (hand-written assembly in `private-gemm-x86`) return without a
//! `vzeroupper`, so every thread that ran one is left with the upper halves of YMM/ZMM 0-15
//! in use (`XGETBV(1)` bits 2 and 6). While that state is dirty, Intel cores make legacy-SSE
//! code slow: a baseline-compiled `TorchGenerator` normal fill of 4M values took 0.17 s
//! before an `orthogonal` of 256x256 and 7.2 s after it on the same thread (issue 5, item 6).
//! So after each QR the state is cleared on the calling thread and on every thread of the
//! current rayon pool, where faer ran its tasks.

/// `vzeroupper` on the calling thread and on every thread of the current rayon pool, on
/// x86-64 CPUs with AVX; nothing elsewhere.
pub(super) fn clear() {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx") {
        rayon::broadcast(|_| zero_upper());
        zero_upper();
    }
}

/// `vzeroupper` on this thread. Only called when the CPU has AVX.
#[cfg(target_arch = "x86_64")]
fn zero_upper() {
    // SAFETY: `clear` checked that the CPU has AVX.
    unsafe { core::arch::x86_64::_mm256_zeroupper() }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::zero_upper;
    use crate::schemes::orthogonal::fill_orthogonal;
    use crate::{Param, TorchGenerator};

    /// `XINUSE` bits of the upper halves of YMM 0-15 (bit 2) and ZMM 0-15 (bit 6).
    const UPPER: u64 = (1 << 2) | (1 << 6);

    /// `XGETBV(1)`: which register state components are in use, if the CPU can tell.
    fn xinuse() -> Option<u64> {
        // CPUID leaf 0xd exists on every CPU with XSAVE, checked first.
        let xg1 = std::is_x86_feature_detected!("xsave")
            && core::arch::x86_64::__cpuid_count(0xd, 1).eax & (1 << 2) != 0;
        // SAFETY: XSAVE and XGETBV with ECX = 1 are supported (checked above).
        xg1.then(|| unsafe { core::arch::x86_64::_xgetbv(1) })
    }

    #[test]
    fn orthogonal_leaves_no_dirty_upper_state() {
        if !std::is_x86_feature_detected!("avx") {
            return;
        }
        // A pool of our own, so that no other test dirties its threads meanwhile.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a 2-thread pool");
        let clean = pool.install(|| {
            zero_upper();
            xinuse()
        });
        let Some(clean) = clean.filter(|x| x & UPPER == 0) else {
            eprintln!("skipped: this CPU does not report the upper state as clean");
            return;
        };
        pool.install(|| {
            let mut w = Param::zeros(&[256, 256]);
            fill_orthogonal(&mut w, "w", 1.0, &mut TorchGenerator::new(0))
                .expect("valid arguments");
            let mut states = pool.broadcast(|_| xinuse());
            states.push(xinuse());
            for x in states {
                assert_eq!(x.map(|x| x & UPPER), Some(0), "XINUSE {x:x?} (clean: {clean:#x})");
            }
        });
    }
}
