//! Little-endian bytes to values: `f32` and `i64` as they are, `F16`, `BF16` and `F64` to `f32`.
//!
//! Each takes the tensor's bytes (whose length was checked against dtype and shape); a
//! trailing partial element, which the checks rule out, would be ignored, never read past.

/// `f32`s, bit for bit (NaN payloads and `-0.0` kept).
pub(crate) fn f32s(data: &[u8]) -> Vec<f32> {
    data.as_chunks::<4>().0.iter().map(|b| f32::from_le_bytes(*b)).collect()
}

/// `i64`s.
pub(crate) fn i64s(data: &[u8]) -> Vec<i64> {
    data.as_chunks::<8>().0.iter().map(|b| i64::from_le_bytes(*b)).collect()
}

/// IEEE half precision to `f32`: exact (every `f16` is an `f32`), NaN payloads kept.
pub(crate) fn f16s(data: &[u8]) -> Vec<f32> {
    data.as_chunks::<2>().0.iter().map(|b| f16_to_f32(u16::from_le_bytes(*b))).collect()
}

/// bfloat16 to `f32`: exact (a bfloat16 is the top half of an `f32`).
pub(crate) fn bf16s(data: &[u8]) -> Vec<f32> {
    data.as_chunks::<2>().0.iter().map(|b| bf16_to_f32(u16::from_le_bytes(*b))).collect()
}

/// `f64` to `f32`, rounded to nearest (ties to even); beyond `f32::MAX` gives an infinity.
pub(crate) fn f64s(data: &[u8]) -> Vec<f32> {
    data.as_chunks::<8>().0.iter().map(|b| f64::from_le_bytes(*b) as f32).collect()
}

pub(crate) fn bf16_to_f32(h: u16) -> f32 {
    f32::from_bits(u32::from(h) << 16)
}

pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match exp {
        // Zero and subnormals: man * 2^-24, exact in f32.
        0 => (man as f32 * f32::from_bits(0x3380_0000)).to_bits(),
        // Infinities and NaNs (payload moved to the top of the f32 mantissa).
        0x1f => 0x7f80_0000 | (man << 13),
        // Normal: rebias the exponent from 15 to 127.
        _ => ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(sign | bits)
}

/// PyTorch `bool`s (one byte each) to `i64`: `0` stays `0`, any other byte is `1`.
pub(crate) fn bools(data: &[u8]) -> Vec<i64> {
    data.iter().map(|&b| i64::from(b != 0)).collect()
}
