//! `bits_hash`, on its own so that a test that needs only the hash (test_mup.rs) includes
//! this file and not the real models.

/// The fixture's hash of float32 bits (`bits_hash` in scripts/torch_models.py): for element
/// `i` with bits `b`, splitmix64's finalizer of `b ^ (i * 0x9E3779B97F4A7C15)`, summed
/// (wrapping), xor the element count.
pub fn bits_hash(values: &[f32]) -> u64 {
    let mut h = 0u64;
    for (i, v) in values.iter().enumerate() {
        let mut z = u64::from(v.to_bits()) ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h = h.wrapping_add(z ^ (z >> 31));
    }
    h ^ values.len() as u64
}
