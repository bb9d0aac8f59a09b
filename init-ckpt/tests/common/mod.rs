//! Running the command and reading what it wrote, for the tests that write checkpoints.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use safetensors::{Dtype, SafeTensors};

/// `init-ckpt` with `args` and `env` (the launcher's variables cleared first).
pub fn init_ckpt(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_init-ckpt"));
    for v in LAUNCHER_VARS {
        c.env_remove(v);
    }
    c.args(args).envs(env.iter().copied()).output().unwrap()
}

/// Every variable `Rank::from_env` reads.
pub const LAUNCHER_VARS: [&str; 8] = [
    "RANK",
    "WORLD_SIZE",
    "SLURM_PROCID",
    "SLURM_NTASKS",
    "OMPI_COMM_WORLD_RANK",
    "OMPI_COMM_WORLD_SIZE",
    "PMI_RANK",
    "PMI_SIZE",
];

pub fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "init-ckpt failed: {err}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh directory under the target dir.
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The fixture's config.json written to `dir/config-in.json`; its path.
pub fn config_of(case: &str, dir: &Path) -> String {
    let path = dir.join("config-in.json");
    std::fs::write(&path, fixture(&format!("{case}.json"))["config"].to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

/// One tensor of a file: dtype, shape, raw little-endian bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Raw {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

/// Each file's keys in header order (file name -> keys) and every tensor by key.
pub fn read_files(dir: &Path) -> (BTreeMap<String, Vec<String>>, BTreeMap<String, Raw>) {
    let mut files = BTreeMap::new();
    let mut tensors = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".safetensors") {
            continue;
        }
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let mut keys = Vec::new();
        for (k, v) in st.iter() {
            keys.push(k.to_string());
            let raw = Raw { dtype: v.dtype(), shape: v.shape().to_vec(), data: v.data().to_vec() };
            tensors.insert(k.to_string(), raw);
        }
        files.insert(name, keys);
    }
    (files, tensors)
}

/// Every file of `dir`, name -> bytes.
pub fn dir_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

pub fn f32s(data: &[u8]) -> Vec<f32> {
    data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect()
}

pub fn u16s(data: &[u8]) -> Vec<u16> {
    data.chunks_exact(2).map(|c| u16::from_le_bytes(c.try_into().unwrap())).collect()
}

/// `torch.tensor(x).to(torch.bfloat16)`: round to nearest, ties to even (no NaN here).
pub fn bf16(x: f32) -> u16 {
    let b = x.to_bits();
    ((b + 0x7fff + ((b >> 16) & 1)) >> 16) as u16
}
