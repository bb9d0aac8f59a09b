//! The checkpoint writer under launchers: the files written by N = 1, 2, 3 and 4 processes
//! (this test executable run again with torchrun's, Slurm's, Open MPI's or MPICH's
//! variables set) are the same bytes, and each tensor in them is the state dict of
//! `GPT2LMHeadModel::new(&mut Seed::new(s))` bit for bit in f32, or its rounding in bf16 and
//! f16. The tied `lm_head.weight` is left out, as Hugging Face's `save_pretrained` does.

mod models;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use init::prelude::*;
use init::safetensors::load;
use init::{Checkpoint, FloatDtype, ModuleExt, Plan, Rank, Source, Tensor};
use models::gpt2::small::GPT2LMHeadModel;

const SEED: u64 = 11;
/// Small enough for several shards of the 2-layer GPT-2 (`wte` alone is 256,000 bytes in
/// f32, larger than the limit: its own shard).
const MAX_SHARD: u64 = 60_000;
const CHILD_DIR: &str = "INIT_CKPT_CHILD_DIR";
const CHILD_DTYPE: &str = "INIT_CKPT_CHILD_DTYPE";

/// Each world size under another launcher's variables.
const LAUNCHERS: [(usize, &str, &str); 4] = [
    (1, "RANK", "WORLD_SIZE"),
    (2, "RANK", "WORLD_SIZE"),
    (3, "SLURM_PROCID", "SLURM_NTASKS"),
    (4, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
];

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("init-ckpt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Write with `world` processes at once, each one this executable's `rank_writer_child`.
fn write_with_processes(dir: &Path, dtype: &str, world: usize, rank_var: &str, world_var: &str) {
    let exe = std::env::current_exe().unwrap();
    // All at once, as a launcher starts them; rank 0 waits for the others' files.
    let children: Vec<_> = (0..world)
        .map(|r| {
            Command::new(&exe)
                .args(["--exact", "rank_writer_child", "--nocapture", "--test-threads=1"])
                .env(CHILD_DIR, dir)
                .env(CHILD_DTYPE, dtype)
                .env(rank_var, r.to_string())
                .env(world_var, world.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let children: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for (r, out) in children.iter().enumerate() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("rank writer done"),
            "rank {r} of {world}: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// One rank: what `init-ckpt` does under a launcher. Runs only when the parent test set
/// the directory.
#[test]
fn rank_writer_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else { return };
    let dtype: FloatDtype = std::env::var(CHILD_DTYPE).unwrap().parse().unwrap();
    let plan = Plan::of::<GPT2LMHeadModel>().unwrap();
    let rank = Rank::from_env().unwrap();
    let ckpt = Checkpoint::new(&plan, SEED)
        .dtype(dtype)
        .max_shard_size(MAX_SHARD)
        .rank(rank)
        .wait_for_all(Duration::from_secs(120));
    let report = ckpt.write(&dir).unwrap();
    assert_eq!(report.index.is_some(), rank.rank() == 0);
    println!("rank writer done: {rank}");
}

/// Every file of `dir` by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// The index's weight map, every shard loaded, against the model's state dict.
fn check_against_model(dir: &Path, dtype: FloatDtype) {
    let model = GPT2LMHeadModel::new(&mut Seed::new(SEED)).unwrap();
    let want = model.state_dict();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("model.safetensors.index.json")).unwrap())
            .unwrap();
    let map = index["weight_map"].as_object().unwrap();
    let mut seen = 0;
    let shard_names: std::collections::BTreeSet<&str> =
        map.values().map(|v| v.as_str().unwrap()).collect();
    let mut total = 0u64;
    for name in shard_names {
        for (key, t) in load(dir.join(name)).unwrap().state {
            assert_eq!(map[&key].as_str(), Some(name), "{key} in the index");
            let (Tensor::F32(got), Some(Tensor::F32(w))) = (&t, want.get(&key)) else {
                panic!("{key}: {t:?}")
            };
            assert_eq!(got.shape(), w.shape(), "{key}");
            // The file's bits: what the loader widened to f32 goes back exactly.
            for (g, w) in got.iter().zip(w.iter()) {
                assert_eq!(dtype.to_bits(*g), dtype.to_bits(*w), "{key}: {w} in {dtype}");
            }
            total += (got.len() * dtype.size()) as u64;
            seen += 1;
        }
    }
    // Every key but the tied lm_head.weight.
    assert_eq!(seen, want.len() - 1);
    assert!(!map.contains_key("lm_head.weight"));
    assert_eq!(index["metadata"]["total_size"].as_u64(), Some(total));
}

fn union_is_the_same_for_1_to_4_processes(dtype: &str) {
    let d: FloatDtype = dtype.parse().unwrap();
    let mut first: Option<BTreeMap<String, Vec<u8>>> = None;
    for (world, rank_var, world_var) in LAUNCHERS {
        let dir = scratch(&format!("{dtype}-{world}"));
        write_with_processes(&dir, dtype, world, rank_var, world_var);
        let got = files(&dir);
        assert!(got.len() > 3, "{world}: {:?}", got.keys());
        match &first {
            None => {
                check_against_model(&dir, d);
                first = Some(got);
            }
            Some(f) => {
                let names: Vec<&String> = got.keys().collect();
                assert_eq!(names, f.keys().collect::<Vec<_>>(), "{world} processes");
                for (name, bytes) in f {
                    assert!(got[name] == *bytes, "{name} differs with {world} processes");
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn f32_files_are_the_same_for_1_to_4_processes_and_equal_the_model() {
    union_is_the_same_for_1_to_4_processes("f32");
}

#[test]
fn bf16_files_are_the_same_for_1_to_4_processes_and_round_the_model() {
    union_is_the_same_for_1_to_4_processes("bf16");
}

#[test]
fn f16_files_are_the_same_for_1_to_4_processes_and_round_the_model() {
    union_is_the_same_for_1_to_4_processes("f16");
}

#[test]
fn the_plan_leaves_the_tie_to_the_index() {
    let plan = Plan::of::<GPT2LMHeadModel>().unwrap();
    let tied = plan.get("lm_head.weight").unwrap();
    assert_eq!(tied.source(), &Source::Tied { target: "transformer.wte.weight".into() });
}
