//! Unit tests that need the module's internals: the failing-writer hook of `save`, the
//! prefix checks on lengths no test file can have, and the float conversions.

use std::path::PathBuf;

use ndarray::ArrayD;

use super::convert::{bf16_to_f32, f16_to_f32};
use super::temp_names::host;
use super::write::{Hooks, save_with};
use super::{from_bytes, load, save, to_bytes};
use crate::state::{StateDict, Tensor};

pub(super) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("init-st-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(super) fn files_in(dir: &std::path::Path) -> Vec<String> {
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

// ------------------------------------------------- a header of a million entries (issue [5])

/// A file of `n` F32 tensors of shape `[1]` named `t000000`, `t000001`, ... (as the
/// `many_tensors` example writes it): 74.4 MB for a million, almost all of it header.
fn many_tensors(n: usize) -> Vec<u8> {
    use std::fmt::Write;
    let mut header = String::from(r#"{"__metadata__":{"format":"pt"}"#);
    for i in 0..n {
        let (start, end) = (4 * i, 4 * i + 4);
        let entry =
            format!(r#","t{i:06}":{{"dtype":"F32","shape":[1],"data_offsets":[{start},{end}]}}"#);
        header.write_str(&entry).unwrap();
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header.as_bytes());
    file.extend((0..n).flat_map(|i| (i as f32).to_le_bytes()));
    file
}

/// This process's peak resident memory in bytes (`VmHWM`) and CPU seconds (user + system),
/// as Linux accounts them.
#[cfg(target_os = "linux")]
fn usage() -> (u64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).unwrap();
    let kib: u64 = hwm.trim().trim_end_matches("kB").trim().parse().unwrap();
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The fields after the command name: utime and stime are the 12th and 13th, in clock
    // ticks of 1/100 s (USER_HZ on Linux).
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    (kib * 1024, ticks as f64 / 100.0)
}

/// Run by the test below in a child process (this test binary again, with `INIT_ST_MANY` set
/// to the file, so that no other test shares the memory counted): prints what checking the
/// header took (the file read, parsed and every rule checked) and then what the whole load took.
#[cfg(target_os = "linux")]
#[test]
fn child_measure_many_tensors() {
    let Ok(path) = std::env::var("INIT_ST_MANY") else { return };
    let (rss0, cpu0) = usage();
    {
        let bytes = std::fs::read(&path).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let text = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
        let header = super::read::checked(text, (bytes.len() - 8 - n) as u64).unwrap();
        assert_eq!(header.entries.len(), 1_000_000);
    }
    let (rss1, cpu1) = usage();
    assert_eq!(load(&path).unwrap().state.len(), 1_000_000);
    let (rss2, cpu2) = usage();
    println!("\nMEASURED {} {} {} {}", rss1 - rss0, cpu1 - cpu0, rss2 - rss0, cpu2 - cpu1);
}

/// Issue [5]: a 74.4 MB file whose header lists a million one-element tensors. Checking the
/// header takes at most 3x the file plus 16 MiB of memory (2.1x measured; the old parser, a
/// `serde_json::Value` tree then a scan, took 18x), and so does the whole load, the state
/// dict it returns included (2.9x measured in release; 17x before, with the `safetensors`
/// crate's second parse and a key copied three times).
/// CPU time (not wall time: the machine is shared) gets a generous bound, in the test profile
/// (0.32 s and 1.5 s measured); `benches/safetensors_header.rs` measures the speed.
#[cfg(target_os = "linux")]
#[test]
fn a_million_entry_header_is_checked_within_3x_the_file_and_loaded_within_bounds() {
    const N: u64 = 1_000_000;
    const MIB: u64 = 1 << 20;
    let dir = scratch("many");
    let path = dir.join("many.safetensors");
    let size = {
        let file = many_tensors(N as usize);
        std::fs::write(&path, &file).unwrap();
        file.len() as u64
    };
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["safetensors::tests::child_measure_many_tensors", "--exact", "--test-threads=1"]);
    let out = cmd.arg("--nocapture").env("INIT_ST_MANY", &path).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let line = stdout.split_once("MEASURED ").and_then(|(_, rest)| rest.lines().next());
    let line = line.expect("the child's line");
    let m: Vec<f64> = line.split(' ').map(|v| v.parse().unwrap()).collect();
    let (check_rss, check_cpu, load_rss, load_cpu) = (m[0] as u64, m[1], m[2] as u64, m[3]);
    let shown = format!(
        "file {size} B; checking the header: {check_rss} B, {check_cpu} s; the whole load: {load_rss} B, {load_cpu} s"
    );
    println!("{shown}");
    assert!(check_rss <= 3 * size + 16 * MIB, "{shown}");
    // The whole load too, state dict included (its keys in one allocation, a compact index,
    // the header's entries freed as the tensors are built).
    assert!(load_rss <= 3 * size + 16 * MIB, "{shown}");
    assert!(check_cpu <= 5.0, "{shown}");
    assert!(load_cpu <= 10.0, "{shown}");
}

fn with_header(header: &str) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend(header.as_bytes());
    bytes
}

#[test]
fn metadata_round_trips_and_keeps_format_first() {
    use super::{save_with_metadata, to_bytes_with_metadata};
    use std::collections::BTreeMap;
    let meta = BTreeMap::from([
        ("mup.param.fc.weight".to_string(), "base=32,- shape=64,16".to_string()),
        ("quote\"and\\slash".to_string(), "line\nbreak, μ, \u{1}".to_string()),
        ("format".to_string(), "pt".to_string()),
        (String::new(), String::new()),
    ]);
    let bytes = to_bytes_with_metadata(&sd(1.0), &meta).unwrap();
    let header = r#"{"__metadata__":{"format":"pt","":"","mup.param.fc.weight":"base=32,- shape=64,16","quote\"and\\slash":"line\nbreak, μ, \u0001"},"#;
    assert_eq!(&bytes[8..8 + header.len()], header.as_bytes());
    let loaded = from_bytes(&bytes).unwrap();
    assert_eq!(loaded.metadata, meta);
    assert_eq!(loaded.state, sd(1.0));
    // Without extra entries, the bytes of `to_bytes`.
    assert_eq!(
        to_bytes_with_metadata(&sd(1.0), &BTreeMap::new()).unwrap(),
        to_bytes(&sd(1.0)).unwrap()
    );
    // The same through a file.
    let dir = scratch("metadata");
    save_with_metadata(&sd(2.0), &meta, dir.join("m.safetensors")).unwrap();
    assert_eq!(load(dir.join("m.safetensors")).unwrap().metadata, meta);
    let bad = BTreeMap::from([("format".to_string(), "tf".to_string())]);
    let err = save_with_metadata(&sd(2.0), &bad, dir.join("m.safetensors")).unwrap_err();
    assert!(err.to_string().ends_with("m.safetensors: `__metadata__` entry `format`: this crate writes PyTorch's layout, so `format` must be \"pt\", got \"tf\""), "{err}");
    assert_eq!(load(dir.join("m.safetensors")).unwrap().metadata, meta, "the old file stays");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn metadata_is_read_strictly() {
    let err = |h: &str| from_bytes(&with_header(h)).unwrap_err().to_string();
    // No metadata, or null: empty.
    assert!(from_bytes(&with_header("{}")).unwrap().metadata.is_empty());
    assert!(from_bytes(&with_header(r#"{"__metadata__":null}"#)).unwrap().metadata.is_empty());
    // A key written twice inside `__metadata__`, which a JSON map would merge.
    assert_eq!(
        err(r#"{"__metadata__":{"a":"1","b":"2","a":"3"}}"#),
        "invalid header: `__metadata__` holds the key `a` more than once"
    );
    assert_eq!(
        err(r#"{"__metadata__":{"a":"1","a":2}}"#),
        "invalid header: `__metadata__` must map strings to strings, got {\"a\":\"1\",\"a\":2}"
    );
    assert_eq!(
        err(r#"{"__metadata__":{"a":["x"]}}"#),
        "invalid header: `__metadata__` must map strings to strings, got {\"a\":[\"x\"]}"
    );
    assert_eq!(
        err(r#"{"__metadata__":{"a":"1"},"__metadata__":{"a":"1"}}"#),
        "tensor `__metadata__` appears more than once in the header"
    );
}

#[test]
fn large_metadata_within_the_header_limit_loads() {
    use super::to_bytes_with_metadata;
    use std::collections::BTreeMap;
    // 8 MiB of metadata in 4096 entries: read back whole.
    let meta: BTreeMap<String, String> =
        (0..4096).map(|i| (format!("mup.param.layer{i}.weight"), "x".repeat(2048))).collect();
    let bytes = to_bytes_with_metadata(&sd(1.0), &meta).unwrap();
    assert!(bytes.len() > 8 << 20);
    let mut loaded = from_bytes(&bytes).unwrap().metadata;
    assert_eq!(loaded.remove("format").as_deref(), Some("pt"));
    assert!(loaded == meta, "the metadata read back differs");
}
