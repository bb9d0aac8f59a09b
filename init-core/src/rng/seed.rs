//! [`Seed`], the default counter-based generator. PLACEHOLDER: replaced by the generator work.

use super::{Dist, Generator};

/// The default generator (placeholder implementation).
#[derive(Clone, Debug)]
pub struct Seed {
    seed: u64,
}

/// A sequential stream (placeholder).
#[derive(Clone, Debug)]
pub struct SeedStream;

impl Seed {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Seed { seed }
    }

    fn key(&self, path: &str) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64 ^ self.seed;
        for b in path.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        h
    }
}

fn word(key: u64, i: u64, domain: u32) -> u32 {
    super::philox4x32_10([i as u32, (i >> 32) as u32, domain, 0], [key as u32, (key >> 32) as u32])[0]
}

impl Generator for Seed {
    fn fill(&mut self, path: &str, dist: Dist, out: &mut [f32]) {
        let key = self.key(path);
        for (i, o) in out.iter_mut().enumerate() {
            let u = |j: u64| (f64::from(word(key, 2 * i as u64 + j, 0)) + 0.5) / 4294967296.0;
            *o = match dist {
                Dist::Uniform { low, high } => (low + (high - low) * u(0)) as f32,
                Dist::Normal { mean, std } => {
                    let z = (-2.0 * u(0).ln()).sqrt() * (std::f64::consts::TAU * u(1)).cos();
                    (mean + std * z) as f32
                }
                Dist::TruncNormal { mean, std, a, b } => {
                    let z = (-2.0 * u(0).ln()).sqrt() * (std::f64::consts::TAU * u(1)).cos();
                    (mean + std * z).clamp(a, b) as f32
                }
            };
        }
    }

    fn fill_bits(&mut self, path: &str, offset: u64, out: &mut [u32]) {
        let key = self.key(path);
        for (i, o) in out.iter_mut().enumerate() {
            *o = word(key, offset + i as u64, 1);
        }
    }
}
