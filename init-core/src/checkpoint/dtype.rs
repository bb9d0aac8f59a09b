//! [`FloatDtype`]: the float type a checkpoint is written in, and the roundings from `f32`
//! that PyTorch's `tensor.to(torch.bfloat16)` / `.to(torch.float16)` do on the CPU.

use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorKind, InitError};

/// The element type of a checkpoint's float tensors (integer buffers such as
/// `num_batches_tracked` stay `I64`, as `model.to(dtype)` leaves them).
///
/// `BF16` and `F16` round each `f32` value to nearest, ties to even, exactly as PyTorch does
/// on the CPU (pinned against its output by `tests/fixtures/checkpoint/rounding.txt`):
/// overflow gives an infinity, subnormals are kept; a NaN becomes `0xFFFF` in `BF16`
/// (PyTorch's vectorized conversion) and a quiet NaN keeping the sign and the top payload bits
/// in `F16` (the x86 F16C and IEEE conversion).
///
/// ```
/// use init_core::FloatDtype;
/// let d: FloatDtype = "bf16".parse()?;
/// assert_eq!((d, d.size(), d.to_string()), (FloatDtype::BF16, 2, "BF16".to_string()));
/// assert_eq!(FloatDtype::BF16.to_bits(1.0 + 1.0 / 256.0), 0x3F80); // a tie, to even
/// assert_eq!(FloatDtype::F16.to_bits(65520.0), 0x7C00); // overflows to infinity
/// assert_eq!(FloatDtype::F32.to_bits(0.1), 0.1f32.to_bits());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FloatDtype {
    /// 32-bit float, the values as computed.
    #[default]
    F32,
    /// bfloat16.
    BF16,
    /// IEEE half precision.
    F16,
}

impl FloatDtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            FloatDtype::F32 => 4,
            FloatDtype::BF16 | FloatDtype::F16 => 2,
        }
    }

    /// The bits of `x` in this type, as the file holds them: `x.to_bits()` for `F32`, the 16
    /// bits of its rounding for `BF16` and `F16`.
    pub fn to_bits(self, x: f32) -> u32 {
        match self {
            FloatDtype::F32 => x.to_bits(),
            FloatDtype::BF16 => u32::from(bf16_bits(x)),
            FloatDtype::F16 => u32::from(f16_bits(x)),
        }
    }

    /// Write the little-endian bytes of `values` in this type into `out`, which holds
    /// exactly `values.len() * self.size()` bytes.
    pub(crate) fn encode_into(self, values: &[f32], out: &mut [u8]) {
        match self {
            FloatDtype::F32 => {
                for (o, v) in out.chunks_exact_mut(4).zip(values) {
                    o.copy_from_slice(&v.to_le_bytes());
                }
            }
            FloatDtype::BF16 => {
                for (o, &v) in out.chunks_exact_mut(2).zip(values) {
                    o.copy_from_slice(&bf16_bits(v).to_le_bytes());
                }
            }
            FloatDtype::F16 => {
                for (o, &v) in out.chunks_exact_mut(2).zip(values) {
                    o.copy_from_slice(&f16_bits(v).to_le_bytes());
                }
            }
        }
    }
}

/// As safetensors names it: `F32`, `BF16`, `F16`.
impl fmt::Display for FloatDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FloatDtype::F32 => "F32",
            FloatDtype::BF16 => "BF16",
            FloatDtype::F16 => "F16",
        })
    }
}

/// `f32`/`float32`, `bf16`/`bfloat16`, `f16`/`fp16`/`float16`/`half`, any case.
impl FromStr for FloatDtype {
    type Err = InitError;

    fn from_str(s: &str) -> Result<Self, InitError> {
        match s.to_ascii_lowercase().as_str() {
            "f32" | "fp32" | "float32" | "float" => Ok(FloatDtype::F32),
            "bf16" | "bfloat16" => Ok(FloatDtype::BF16),
            "f16" | "fp16" | "float16" | "half" => Ok(FloatDtype::F16),
            _ => Err(InitError::new(
                "",
                ErrorKind::Checkpoint {
                    rule: format!("unknown dtype {s:?}: expected f32, bf16 or f16"),
                },
            )),
        }
    }
}

/// PyTorch's bfloat16 rounding: nearest, ties to even; every NaN becomes `0xFFFF`.
fn bf16_bits(x: f32) -> u16 {
    if x.is_nan() {
        return 0xFFFF;
    }
    let u = x.to_bits();
    let bias = ((u >> 16) & 1) + 0x7FFF;
    // No overflow: the largest non-NaN input, 0xFF800000, plus 0x8000 fits in 32 bits.
    (u.wrapping_add(bias) >> 16) as u16
}

/// IEEE binary16 rounding: nearest, ties to even, overflow to infinity, subnormals kept; a
/// NaN stays a NaN, quiet, with its sign and the top 10 bits of its payload.
fn f16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let abs = b & 0x7FFF_FFFF;
    if abs > 0x7F80_0000 {
        return sign | 0x7E00 | ((abs >> 13) & 0x3FF) as u16;
    }
    if abs >= 0x477F_F000 {
        // 65520 and above (infinity included) round to infinity.
        return sign | 0x7C00;
    }
    if abs >= 0x3880_0000 {
        // Normal in f16 (2^-14 and above): rebias the exponent, round the 13 dropped bits.
        let v = ((abs >> 23) - 112) << 10 | ((abs >> 13) & 0x3FF);
        let rem = abs & 0x1FFF;
        let up = rem > 0x1000 || (rem == 0x1000 && v & 1 == 1);
        return sign | (v + u32::from(up)) as u16;
    }
    if abs <= 0x3300_0000 {
        // At most 2^-25, half the smallest subnormal: to zero (the tie goes to even, 0).
        return sign;
    }
    // Subnormal in f16: the value in units of 2^-24, rounded.
    let mant = (abs & 0x7F_FFFF) | 0x80_0000;
    let shift = 126 - (abs >> 23);
    let q = mant >> shift;
    let rem = mant & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    let up = rem > half || (rem == half && q & 1 == 1);
    sign | (q + u32::from(up)) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tests/fixtures/checkpoint/rounding.txt`, from PyTorch (scripts/torch_half_rounding.py).
    #[test]
    fn roundings_are_pytorchs() {
        let text = include_str!("../../../tests/fixtures/checkpoint/rounding.txt");
        let mut n = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let v: Vec<u32> =
                line.split(' ').map(|h| u32::from_str_radix(h, 16).expect("hex")).collect();
            let x = f32::from_bits(v[0]);
            assert_eq!(u32::from(bf16_bits(x)), v[1], "bf16 of {:08x}", v[0]);
            assert_eq!(u32::from(f16_bits(x)), v[2], "f16 of {:08x}", v[0]);
            n += 1;
        }
        assert_eq!(n, 496);
    }

    /// Every f16 value converts back to itself, and every midpoint between two neighbours
    /// goes to the even one: the whole f16 range, not only the fixture's samples.
    #[test]
    fn f16_round_trips_and_ties_go_to_even() {
        let to_f32 = |h: u16| -> f64 {
            let (e, m) = (i32::from((h >> 10) & 0x1F), f64::from(h & 0x3FF));
            let v =
                if e == 0 { m * 2f64.powi(-24) } else { (1.0 + m / 1024.0) * 2f64.powi(e - 15) };
            if h & 0x8000 != 0 { -v } else { v }
        };
        for h in 0u16..0x7C00 {
            let v = to_f32(h);
            assert_eq!(f16_bits(v as f32), h, "{h:04x}");
            let mid = (v + to_f32(h + 1)) / 2.0; // exact in f32 below 65520
            let even = if h & 1 == 0 { h } else { h + 1 };
            assert_eq!(f16_bits(mid as f32), even, "midpoint above {h:04x}");
        }
    }
}
