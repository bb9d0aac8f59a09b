//! The restricted unpickler behind `pytorch_from_bytes`, reached directly: the input is the
//! `data.pkl` of an archive built here (CRC and sizes right, a `byteorder` entry, storages
//! `0` and `1` of 64 bytes each), so mutations get past the zip checks that stop almost every
//! random change to a whole file. Never a panic, abort or hang; what loads keeps within the
//! budget.
#![no_main]

use init_core::{Tensor, pytorch_from_bytes};
use libfuzzer_sys::fuzz_target;

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// A stored zip archive of `entries`.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in entries {
        let (crc, len, local) = (crc32(data), data.len() as u32, out.len() as u32);
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [crc, len, len] {
            out.extend(v.to_le_bytes());
        }
        out.extend((name.len() as u16).to_le_bytes());
        out.extend([0, 0]);
        out.extend(name.as_bytes());
        out.extend(*data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [crc, len, len] {
            central.extend(v.to_le_bytes());
        }
        central.extend((name.len() as u16).to_le_bytes());
        central.extend([0; 12]);
        central.extend(local.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let start = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(start.to_le_bytes());
    out.extend([0, 0]);
    out
}

fuzz_target!(|pickle: &[u8]| {
    let storage: Vec<u8> = (0..64u8).collect();
    let file = zip(&[
        ("a/data.pkl", pickle),
        ("a/byteorder", b"little"),
        ("a/data/0", &storage),
        ("a/data/1", &storage),
    ]);
    let Ok(loaded) = pytorch_from_bytes(&file, None) else { return };
    let bytes: u64 = loaded
        .state
        .iter()
        .map(|(_, t)| match t {
            Tensor::F32(a) => 4 * a.len() as u64,
            Tensor::I64(a) => 8 * a.len() as u64,
        })
        .sum();
    assert!(bytes <= 4 * file.len() as u64 + (64 << 20));
});
