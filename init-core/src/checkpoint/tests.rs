//! The writer when the disk fills up: an error naming the file, and nothing under a final
//! name but what was there before, whole.

use super::*;
use crate::schemes::Init;

fn plan() -> Plan {
    let mut plan = Plan::new();
    for i in 0..3 {
        plan.push(format!("layer.{i}.weight"), &[64, 64], Init::Normal { mean: 0.0, std: 0.02 })
            .unwrap();
    }
    plan
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn a_full_disk_is_an_error_and_leaves_no_partial_file() {
    let dir = std::env::temp_dir().join(format!("init-ckpt-enospc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let plan = plan();
    let ckpt = Checkpoint::new(&plan, 0).max_shard_size(16384);
    let err = ckpt.clone().fail_after(5000).write(&dir).unwrap_err();
    let first = dir.join("model-00001-of-00003.safetensors");
    assert_eq!(err.file(), Some(first.as_path()));
    let msg = err.to_string();
    assert!(msg.contains(": cannot write the ") && msg.contains("temporary file"), "{msg}");
    assert!(msg.ends_with("no storage space"), "{msg}");
    assert!(names(&dir).is_empty(), "{:?}", names(&dir));
    // Over a complete checkpoint of another seed: its files stay, whole.
    let old = Checkpoint::new(&plan, 1).max_shard_size(16384);
    old.write(&dir).unwrap();
    let before: Vec<Vec<u8>> =
        names(&dir).iter().map(|n| std::fs::read(dir.join(n)).unwrap()).collect();
    ckpt.clone().fail_after(10000).write(&dir).unwrap_err();
    let after: Vec<Vec<u8>> =
        names(&dir).iter().map(|n| std::fs::read(dir.join(n)).unwrap()).collect();
    assert_eq!(names(&dir).len(), 4);
    assert!(before == after);
    std::fs::remove_dir_all(&dir).unwrap();
}
