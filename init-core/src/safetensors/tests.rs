//! Unit tests that need the module's internals: the failing-writer hook of `save`, the
//! prefix checks on lengths no test file can have, and the float conversions.

use std::path::PathBuf;

use ndarray::ArrayD;

use super::convert::{bf16_to_f32, f16_to_f32};
use super::temp_names::host;
use super::write::{Hooks, save_with};
use super::{from_bytes, load, save, to_bytes};
use crate::state::{StateDict, Tensor};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("init-st-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn sd(scale: f32) -> StateDict {
    let mut sd = StateDict::new();
    let w = ArrayD::from_shape_fn(vec![64, 33], |i| scale * (i[0] * 33 + i[1]) as f32);
    sd.insert("fc.weight", Tensor::from(w)).unwrap();
    sd.insert("bn.num_batches_tracked", Tensor::from(ArrayD::from_elem(vec![], 7i64))).unwrap();
    sd.insert("fc.bias", Tensor::from(ArrayD::from_elem(vec![64], scale))).unwrap();
    sd
}

/// On both paths (the unnamed `O_TMPFILE` file and the named fallback).
#[test]
fn a_write_that_fails_part_way_leaves_the_old_file_and_no_temporary_file() {
    let dir = scratch("fail");
    let path = dir.join("model.safetensors");
    save(&sd(1.0), &path).unwrap();
    let old = std::fs::read(&path).unwrap();
    let total = to_bytes(&sd(2.0)).unwrap().len() as u64;
    for named_only in [false, true] {
        let hooks = |fail_after| Hooks { fail_after: Some(fail_after), named_only, ..Hooks::NONE };
        for fail_after in [0, 1, 7, 8, 100, total / 2, total - 1] {
            let err = save_with(&sd(2.0), &path, &hooks(fail_after)).unwrap_err().to_string();
            if named_only || cfg!(not(target_os = "linux")) {
                let prefix = format!(
                    "{}: cannot write the temporary file {}",
                    path.display(),
                    dir.join(format!(".init-tmp.{}.{}.", host(), std::process::id())).display()
                );
                assert!(err.starts_with(&prefix), "{err}");
                assert!(err.ends_with(": injected failure"), "{err}");
            } else {
                let msg = format!(
                    "{}: cannot write the unnamed temporary file in {}: injected failure",
                    path.display(),
                    dir.display()
                );
                assert_eq!(err, msg);
            }
            assert_eq!(std::fs::read(&path).unwrap(), old, "after a failure at byte {fail_after}");
            assert_eq!(load(&path).unwrap().state, sd(1.0));
            assert_eq!(files_in(&dir), ["model.safetensors"]);
        }
        // A limit the file does not reach: the save goes through.
        save_with(&sd(2.0), &path, &hooks(total)).unwrap();
        assert_eq!(load(&path).unwrap().state, sd(2.0));
        assert_eq!(files_in(&dir), ["model.safetensors"]);
        save(&sd(1.0), &path).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lengths_no_test_file_can_have() {
    use super::read::prefix_checks;
    let prefix = |n: u64| n.to_le_bytes();
    let msg = |n: u64, len: u64| prefix_checks(&prefix(n), len).unwrap_err().to_string();
    assert_eq!(
        msg(100_000_008, 200_000_000),
        "header length 100000008 is over the 100000000-byte limit of the safetensors format"
    );
    assert_eq!(prefix_checks(&prefix(100_000_000), 100_000_008).unwrap(), 100_000_000);
    assert_eq!(
        msg(u64::MAX - 7, u64::MAX),
        "header length 18446744073709551608 is near 2^64 (at least 2^63): no file can hold it"
    );
    assert_eq!(
        msg((1 << 63) - 1, u64::MAX),
        "header length 9223372036854775807 is over the 100000000-byte limit of the safetensors format"
    );
}

#[test]
fn f16_conversion_is_exact_for_all_65536_values() {
    for h in 0..=u16::MAX {
        let got = f16_to_f32(h);
        let sign = if h & 0x8000 != 0 { -1.0f64 } else { 1.0 };
        let (exp, man) = (i32::from((h >> 10) & 0x1f), f64::from(h & 0x3ff));
        let want = match exp {
            0 => sign * man * 2f64.powi(-24),
            31 if man == 0.0 => sign * f64::INFINITY,
            31 => {
                assert!(got.is_nan(), "{h:#06x}");
                // The payload moves to the top of the f32 mantissa; the sign stays.
                assert_eq!(
                    got.to_bits(),
                    (u32::from(h & 0x8000) << 16) | 0x7f80_0000 | (u32::from(h & 0x3ff) << 13)
                );
                continue;
            }
            _ => sign * (1.0 + man / 1024.0) * 2f64.powi(exp - 15),
        };
        assert_eq!(got.to_bits(), (want as f32).to_bits(), "{h:#06x}");
    }
}

#[test]
fn bf16_conversion_is_the_top_half_of_an_f32() {
    assert_eq!(bf16_to_f32(0x3f80), 1.0);
    assert_eq!(bf16_to_f32(0xc040), -3.0);
    assert_eq!(bf16_to_f32(0x7f80), f32::INFINITY);
    assert_eq!(bf16_to_f32(0xffc1).to_bits(), 0xffc1_0000);
    assert_eq!(bf16_to_f32(0x8000).to_bits(), 0x8000_0000);
}

#[test]
fn a_key_written_twice_inside_an_entry_is_reported() {
    let header = r#"{"w":{"dtype":"F32","dtype":"I64","shape":[],"data_offsets":[0,4]}}"#;
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header.as_bytes());
    file.extend([0; 4]);
    assert_eq!(
        from_bytes(&file).unwrap_err().to_string(),
        "invalid header: tensor `w`: field `dtype` appears twice"
    );
}
