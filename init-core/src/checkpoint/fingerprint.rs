//! The fingerprint a checkpoint's shard headers carry: a hash of everything that decides the
//! bytes of the files (format version, seed, dtype, shard size, and every entry's key, shape
//! and source), so a rerun can tell its own complete files from anything else.

use super::dtype::FloatDtype;
use super::entry::Source;
use super::plan::Plan;
use crate::state::Tensor;

/// Bumped when the bytes a plan writes change for the same inputs.
const FORMAT: &str = "init-checkpoint/1";

/// 16 hex digits: FNV-1a 64 over a canonical description, then murmur3's `fmix64`.
pub(super) fn fingerprint(
    plan: &Plan,
    seed: u64,
    dtype: FloatDtype,
    max_shard_size: u64,
) -> String {
    let mut h = Fnv::new();
    h.text(FORMAT);
    h.text(&format!("seed={seed} dtype={dtype} max_shard_size={max_shard_size}"));
    for e in plan.entries() {
        h.text(e.key());
        h.text(&format!("{:?}", e.shape()));
        match e.source() {
            // `Init`'s Debug prints every argument, floats in their shortest exact form.
            Source::Init { init, zero_rows } => h.text(&format!("init {init:?} {zero_rows:?}")),
            Source::Tied { target } => h.text(&format!("tied {target}")),
            Source::Tensor(Tensor::F32(a)) => {
                h.text("f32");
                a.iter().for_each(|v| h.bytes(&v.to_bits().to_le_bytes()));
            }
            Source::Tensor(Tensor::I64(a)) => {
                h.text("i64");
                a.iter().for_each(|v| h.bytes(&v.to_le_bytes()));
            }
        }
    }
    format!("{:016x}", fmix64(h.0))
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xCBF2_9CE4_8422_2325)
    }

    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x0100_0000_01B3);
        }
    }

    /// A length-prefixed string, so that no two sequences of strings hash the same bytes.
    fn text(&mut self, s: &str) {
        self.bytes(&(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
    }
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    k ^= k >> 33;
    k = k.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    k ^ (k >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::Init;

    #[test]
    fn every_input_changes_the_fingerprint() {
        let mut a = Plan::new();
        a.push("w", &[2, 3], Init::Normal { mean: 0.0, std: 0.02 }).unwrap();
        let base = fingerprint(&a, 0, FloatDtype::BF16, 100);
        assert_eq!(base.len(), 16);
        assert_eq!(base, fingerprint(&a.clone(), 0, FloatDtype::BF16, 100));
        assert_ne!(base, fingerprint(&a, 1, FloatDtype::BF16, 100));
        assert_ne!(base, fingerprint(&a, 0, FloatDtype::F16, 100));
        assert_ne!(base, fingerprint(&a, 0, FloatDtype::BF16, 101));
        let mut b = Plan::new();
        b.push("w", &[2, 3], Init::Normal { mean: 0.0, std: 0.021 }).unwrap();
        assert_ne!(base, fingerprint(&b, 0, FloatDtype::BF16, 100));
        let mut c = a.clone();
        c.zero_row("w", 1).unwrap();
        assert_ne!(base, fingerprint(&c, 0, FloatDtype::BF16, 100));
    }
}
