//! The checkpoint writer in one process: what the files hold (buffers, integer buffers,
//! whole-tensor schemes, a zeroed padding row), the single-file layout, reruns that skip
//! complete files and redo the others, and hostile options that leave nothing under a
//! final name.

use std::path::{Path, PathBuf};

use init::prelude::*;
use init::safetensors::load;
use std::time::Duration;

use init::{Checkpoint, FloatDtype, ModuleExt, Plan, Rank, Tensor};

#[derive(Module)]
struct Net {
    #[layer(padding_idx = 2)]
    emb: Embedding<50, 8>,
    bn: BatchNorm1d<8>,
    #[init(orthogonal(gain = 0.5))]
    orth: Linear<8, 8>,
    #[init(sparse(sparsity = 0.25))]
    sparse: Linear<8, 6>,
    ln: LayerNorm<6>,
    head: Linear<6, 50, false>,
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("init-ckpt-w-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| r.map(|e| e.unwrap().file_name().into_string().unwrap()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn one_file_below_the_limit_holds_the_state_dict() {
    let dir = scratch("single");
    let plan = Plan::of::<Net>().unwrap();
    let report = Checkpoint::new(&plan, 7).write(&dir).unwrap();
    assert_eq!(report.written, [dir.join("model.safetensors")]);
    assert_eq!(report.index, None);
    assert_eq!(names(&dir), ["model.safetensors"]);
    let loaded = load(dir.join("model.safetensors")).unwrap().state;
    let want = Net::new(&mut Seed::new(7)).unwrap().state_dict();
    assert_eq!(loaded, want); // f32 bit for bit, num_batches_tracked as I64
    assert!(matches!(loaded.get("bn.num_batches_tracked"), Some(Tensor::I64(_))));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_rerun_skips_complete_files_and_rewrites_the_others() {
    let dir = scratch("rerun");
    let plan = Plan::of::<Net>().unwrap();
    let ckpt = Checkpoint::new(&plan, 7).dtype(FloatDtype::BF16).max_shard_size(400);
    let first = ckpt.write(&dir).unwrap();
    let n = first.written.len();
    assert!(n >= 3, "{:?}", names(&dir));
    let bytes: Vec<Vec<u8>> = first.written.iter().map(|p| std::fs::read(p).unwrap()).collect();
    // One file cut short (as no writer of ours leaves one), one with a byte of its header
    // changed: both rewritten, the rest skipped.
    let cut = &first.written[0];
    std::fs::write(cut, &bytes[0][..bytes[0].len() - 1]).unwrap();
    let mut changed = bytes[1].clone();
    changed[20] ^= 1;
    std::fs::write(&first.written[1], changed).unwrap();
    let second = ckpt.write(&dir).unwrap();
    assert_eq!(second.written, first.written[..2]);
    assert_eq!(second.skipped, first.written[2..]);
    for (p, b) in first.written.iter().zip(&bytes) {
        assert!(std::fs::read(p).unwrap() == *b, "{}", p.display());
    }
    // Another seed: every file is another's, all rewritten.
    let other = Checkpoint::new(&plan, 8).dtype(FloatDtype::BF16).max_shard_size(400);
    assert_eq!(other.write(&dir).unwrap().written.len(), n);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn progress_counts_every_byte_of_the_rank() {
    let dir = scratch("progress");
    let plan = Plan::of::<Net>().unwrap();
    let ckpt = Checkpoint::new(&plan, 1).max_shard_size(500);
    let total: u64 = ckpt.my_shards().unwrap().iter().map(|(_, s)| s.data_bytes()).sum();
    let mut seen = Vec::new();
    ckpt.write_with_progress(&dir, &mut |b| seen.push(b)).unwrap();
    assert_eq!(seen.last(), Some(&total));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    // A rerun counts the skipped files whole.
    let mut again = Vec::new();
    ckpt.write_with_progress(&dir, &mut |b| again.push(b)).unwrap();
    assert_eq!(again.last(), Some(&total));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_shard_size_of_zero_is_an_error_and_writes_nothing() {
    let dir = scratch("zero");
    let plan = Plan::of::<Net>().unwrap();
    let err = Checkpoint::new(&plan, 0).max_shard_size(0).write(&dir).unwrap_err();
    assert_eq!(err.to_string(), "the max shard size must be at least 1 byte, got 0");
    assert!(!dir.exists());
}

#[test]
fn a_file_in_the_way_is_an_error_naming_it() {
    let dir = scratch("in-the-way");
    std::fs::create_dir_all(&dir).unwrap();
    let plan = Plan::of::<Net>().unwrap();
    // The output directory is a file.
    let file = dir.join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Checkpoint::new(&plan, 0).write(&file).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: cannot use the output directory: not a directory", file.display())
    );
    // A directory holds the file's name.
    let out = dir.join("out");
    std::fs::create_dir_all(out.join("model.safetensors")).unwrap();
    let err = Checkpoint::new(&plan, 0).write(&out).unwrap_err();
    let target = out.join("model.safetensors");
    assert_eq!(
        err.to_string(),
        format!("{}: is a directory, not a safetensors file", target.display())
    );
    assert_eq!(names(&out), ["model.safetensors"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A directory nobody can create files in, root included: `/proc/self`.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_directory_is_an_error_naming_it() {
    let plan = Plan::of::<Net>().unwrap();
    let err = Checkpoint::new(&plan, 0).write("/proc/self").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "/proc/self/model.safetensors: cannot create a temporary file /proc/self/.init-tmp."
        ),
        "{msg}"
    );
    assert_eq!(err.file(), Some(Path::new("/proc/self/model.safetensors")));
}

#[test]
fn rank_0_can_wait_for_the_other_ranks_before_the_index() {
    let dir = scratch("wait");
    let plan = Plan::of::<Net>().unwrap();
    let ckpt = |r: usize| {
        Checkpoint::new(&plan, 3)
            .max_shard_size(400)
            .rank(Rank::new(r, 2).unwrap())
            .wait_for_all(Duration::from_millis(300))
    };
    let err = ckpt(0).write(&dir).unwrap_err();
    let msg = err.to_string();
    let index = dir.join("model.safetensors.index.json");
    assert!(
        msg.starts_with(&format!(
            "{}: waited 300ms for the other ranks' shards; still missing or incomplete: model-00002-of-",
            index.display()
        )),
        "{msg}"
    );
    assert!(!index.exists());
    let theirs = ckpt(1).write(&dir).unwrap();
    assert_eq!(theirs.index, None);
    let mine = ckpt(0).write(&dir).unwrap();
    assert!(mine.written.is_empty() && !mine.skipped.is_empty());
    assert_eq!(mine.index, Some(index));
    std::fs::remove_dir_all(&dir).unwrap();
}
