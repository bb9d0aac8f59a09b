//! A run killed mid-way (SIGKILL: nothing of the process runs after it) leaves only complete
//! shards under their final names; a rerun skips them, writes the rest, and ends with the
//! bytes of an uninterrupted run.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// 5.3M parameters in f32 (21 MB) in 1 MB shards: 18 files, each synced before its rename,
/// so the kill, sent within a millisecond of the first file's appearance, lands long before
/// the last.
const CONFIG: &str = r#"{"model_type": "llama", "vocab_size": 4096, "hidden_size": 256,
  "intermediate_size": 688, "num_hidden_layers": 4, "num_attention_heads": 8}"#;

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_only_complete_shards() {
    let d = scratch("kill");
    let config = d.join("config-in.json");
    std::fs::write(&config, CONFIG).unwrap();
    let config = config.to_str().unwrap();
    let (killed, whole) = (d.join("killed"), d.join("whole"));
    let args = |out: &std::path::Path| -> Vec<String> {
        [
            "--config",
            config,
            "--out",
            out.to_str().unwrap(),
            "--max-shard-size",
            "1MB",
            "--seed",
            "5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let whole_out =
        ok(&init_ckpt(&args(&whole).iter().map(String::as_str).collect::<Vec<_>>(), &[]));
    let total = whole_out
        .split(", ")
        .last()
        .unwrap()
        .trim_end()
        .trim_end_matches(" shards in all")
        .to_string();
    let total: usize = total.parse().unwrap_or_else(|_| panic!("{whole_out}"));

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_init-ckpt"))
        .args(args(&killed))
        .spawn()
        .unwrap();
    let first = killed.join(format!("model-00001-of-{total:05}.safetensors"));
    let start = Instant::now();
    while !first.exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "no shard after a minute");
        std::thread::sleep(Duration::from_micros(200));
    }
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());

    let present: Vec<String> = std::fs::read_dir(&killed)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(present.len() < total, "the run finished before the kill: {present:?}");
    eprintln!("killed with {} of {total} shards written", present.len());
    for name in &present {
        assert!(
            name.starts_with("model-") && name.ends_with(&format!("-of-{total:05}.safetensors")),
            "{name}"
        );
        let bytes = std::fs::read(killed.join(name)).unwrap();
        assert_eq!(bytes, std::fs::read(whole.join(name)).unwrap(), "{name} is not complete");
    }
    let rerun = ok(&init_ckpt(&args(&killed).iter().map(String::as_str).collect::<Vec<_>>(), &[]));
    assert!(
        rerun.contains(&format!("skipped {}", present.len()))
            || rerun.contains(&format!(", {} skipped", present.len())),
        "{rerun}"
    );
    assert!(
        dir_bytes(&killed) == dir_bytes(&whole),
        "the rerun does not end with the uninterrupted bytes"
    );
}
