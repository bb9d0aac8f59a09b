//! The command end to end: what it writes against Hugging Face's own split (fixtures of
//! scripts/hf_ckpt_layout.py), against the plan's values, across dtypes, ranks and reruns.

mod common;

use std::path::Path;

use common::*;
use init_ckpt::{ModelConfig, plan};
use init_core::{Plan, Seed, Source};
use safetensors::Dtype;

fn plan_of(config_path: &str) -> Plan {
    plan(&ModelConfig::from_json(&std::fs::read_to_string(config_path).unwrap()).unwrap()).unwrap()
}

/// `save_pretrained(max_shard_size="24KB")` on the same configs: the same files holding the
/// same keys, the same index; every tensor the plan's values, bit for bit.
#[test]
fn shards_as_hugging_face_splits_them_values_as_the_plan() {
    for case in ["llama_gqa", "gpt2_tied"] {
        let d = scratch(&format!("hf-split-{case}"));
        let config = config_of(case, &d);
        let out = d.join("out");
        let stdout = ok(&init_ckpt(
            &[
                "--config",
                &config,
                "--out",
                out.to_str().unwrap(),
                "--seed",
                "7",
                "--max-shard-size",
                "24KB",
            ],
            &[],
        ));
        let fx = fixture(&format!("{case}.json"));
        let want = fx["sharded"]["shards"].as_array().unwrap();
        assert!(stdout.contains(&format!("{} shards written, 0 skipped", want.len())), "{stdout}");
        let (files, tensors) = read_files(&out);
        assert_eq!(files.len(), want.len(), "{case}");
        for s in want {
            let mut keys = files[s["file"].as_str().unwrap()].clone();
            let mut hf: Vec<String> =
                s["keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().into()).collect();
            keys.sort();
            hf.sort();
            assert_eq!(keys, hf, "{case} {}", s["file"]);
        }
        let index: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.join("model.safetensors.index.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(index["metadata"]["total_size"], fx["sharded"]["total_size"], "{case}");
        let plan = plan_of(&config);
        let seed = Seed::new(7);
        for e in plan.entries() {
            if matches!(e.source(), Source::Tied { .. }) {
                assert!(!tensors.contains_key(e.key()), "{case}: tied {} written", e.key());
                continue;
            }
            let t = &tensors[e.key()];
            assert_eq!(
                (t.dtype, t.shape.as_slice()),
                (Dtype::F32, e.shape()),
                "{case} {}",
                e.key()
            );
            let want: Vec<u32> = e.values(&seed).unwrap().iter().map(|v| v.to_bits()).collect();
            let got: Vec<u32> = f32s(&t.data).iter().map(|v| v.to_bits()).collect();
            assert!(got == want, "{case} {}: values differ from the plan's", e.key());
            let holder =
                files.iter().find(|(_, keys)| keys.iter().any(|k| k == e.key())).unwrap().0;
            assert_eq!(index["weight_map"][e.key()], holder.as_str(), "{case} {}", e.key());
        }
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("config.json")).unwrap()).unwrap();
        assert_eq!(written["dtype"], "float32", "{case}: the config's dtype key follows --dtype");
    }
}

/// bf16: each value the f32 value rounded to nearest even (`.to(torch.bfloat16)`); one file
/// below the default 5GB; config.json says bfloat16.
#[test]
fn bf16_is_the_f32_values_rounded() {
    let d = scratch("bf16");
    let config = config_of("llama_tied_bias", &d);
    let out = d.join("out");
    ok(&init_ckpt(
        &["--config", &config, "--out", out.to_str().unwrap(), "--dtype", "bf16", "-q"],
        &[],
    ));
    let (files, tensors) = read_files(&out);
    assert_eq!(files.keys().collect::<Vec<_>>(), ["model.safetensors"]);
    assert!(!out.join("model.safetensors.index.json").exists());
    let plan = plan_of(&config);
    let seed = Seed::new(0);
    let mut padding_checked = false;
    for e in plan.entries().iter().filter(|e| !matches!(e.source(), Source::Tied { .. })) {
        let t = &tensors[e.key()];
        assert_eq!(t.dtype, Dtype::BF16, "{}", e.key());
        let want: Vec<u16> = e.values(&seed).unwrap().into_iter().map(bf16).collect();
        assert!(u16s(&t.data) == want, "{}: not the rounded f32 values", e.key());
        if e.key() == "model.embed_tokens.weight" {
            // pad_token_id = 3: row 3 is zero.
            assert!(u16s(&t.data)[3 * 48..4 * 48].iter().all(|&b| b == 0));
            padding_checked = true;
        }
    }
    assert!(padding_checked);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(written["dtype"], "bfloat16");
}

fn run_world(config: &str, out: &Path, world: usize, how: &str) {
    let out_s = out.to_str().unwrap();
    let common =
        ["--config", config, "--out", out_s, "--max-shard-size", "20KB", "--dtype", "f16", "-q"];
    let children: Vec<_> = (0..world)
        .map(|r| {
            let (r, w) = (r.to_string(), world.to_string());
            let mut args: Vec<String> = common.iter().map(|s| s.to_string()).collect();
            let env: Vec<(&str, String)> = match how {
                "flags" => {
                    args.extend(["--rank".into(), r, "--world-size".into(), w]);
                    vec![]
                }
                "torchrun" => vec![("RANK", r), ("WORLD_SIZE", w)],
                "slurm" => vec![("SLURM_PROCID", r), ("SLURM_NTASKS", w)],
                "openmpi" => vec![("OMPI_COMM_WORLD_RANK", r), ("OMPI_COMM_WORLD_SIZE", w)],
                _ => vec![("PMI_RANK", r), ("PMI_SIZE", w)],
            };
            let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_init-ckpt"));
            for v in LAUNCHER_VARS {
                c.env_remove(v);
            }
            c.args(&args).envs(env.iter().map(|(k, v)| (*k, v.as_str()))).spawn().unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "{how} world {world}");
    }
}

/// N = 1, 2, 3, 4 processes started at once, the rank from flags or from each launcher's
/// variables: the same files, byte for byte.
#[test]
fn any_number_of_ranks_writes_the_same_bytes() {
    let d = scratch("ranks");
    let config = config_of("gpt2_inner_untied", &d);
    let one = d.join("one");
    run_world(&config, &one, 1, "flags");
    let reference = dir_bytes(&one);
    assert!(reference.len() > 6, "{:?}", reference.keys());
    for (world, how) in [(2, "torchrun"), (3, "slurm"), (4, "openmpi"), (3, "pmi"), (4, "flags")] {
        let out = d.join(format!("{how}-{world}"));
        run_world(&config, &out, world, how);
        let got = dir_bytes(&out);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "{how} {world}"
        );
        for (name, bytes) in &got {
            assert!(*bytes == reference[name], "{how} {world}: {name} differs");
        }
    }
}

/// A second run finds every shard complete and correct and rewrites none; another seed
/// rewrites them all.
#[test]
fn a_rerun_skips_complete_shards() {
    let d = scratch("rerun");
    let config = config_of("llama_gqa", &d);
    let out = d.join("out");
    let args = |seed: &'static str| -> Vec<String> {
        [
            "--config",
            &config,
            "--out",
            out.to_str().unwrap(),
            "--max-shard-size",
            "30KB",
            "--seed",
            seed,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run =
        |a: Vec<String>| ok(&init_ckpt(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]));
    let first = run(args("1"));
    let before = dir_bytes(&out);
    let n = before.keys().filter(|k| k.ends_with(".safetensors")).count();
    assert!(first.contains(&format!("{n} shards written, 0 skipped")), "{first}");
    let second = run(args("1"));
    assert!(second.contains(&format!("0 shards written, {n} skipped")), "{second}");
    assert!(dir_bytes(&out) == before);
    let third = run(args("2"));
    assert!(third.contains(&format!("{n} shards written, 0 skipped")), "{third}");
}

/// `--config DIR/config.json --out DIR`: the user's config.json is left as it is.
#[test]
fn the_users_own_config_is_not_rewritten() {
    let d = scratch("own-config");
    let text = fixture("gpt2_tied.json")["config"].to_string();
    std::fs::write(d.join("config.json"), &text).unwrap();
    let config = d.join("config.json");
    ok(&init_ckpt(
        &["--config", config.to_str().unwrap(), "--out", d.to_str().unwrap(), "--dtype", "bf16"],
        &[],
    ));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    assert!(d.join("model.safetensors").is_file());
}

/// With several ranks, rank 0 writes the index and config.json only once every shard is in
/// the directory: alone, it gives up after --wait-for-all seconds naming the missing files and
/// leaves neither; once rank 1 has run, a rerun of rank 0 skips its shards and completes.
#[test]
fn rank_0_writes_the_index_only_over_every_shard() {
    let d = scratch("wait");
    let config = config_of("llama_gqa", &d);
    let out = d.join("out");
    let rank = |r: &str, wait: &str| {
        init_ckpt(
            &[
                "--config",
                &config,
                "--out",
                out.to_str().unwrap(),
                "--max-shard-size",
                "24KB",
                "--wait-for-all",
                wait,
            ],
            &[("RANK", r), ("WORLD_SIZE", "2")],
        )
    };
    let alone = rank("0", "1");
    assert_eq!(alone.status.code(), Some(1));
    let err = String::from_utf8_lossy(&alone.stderr);
    assert!(
        err.contains("model.safetensors.index.json: waited 1s for the other ranks' shards; still missing or incomplete: model-00002-of-00014.safetensors,"),
        "{err}"
    );
    assert!(
        !out.join("model.safetensors.index.json").exists() && !out.join("config.json").exists()
    );
    ok(&rank("1", "1"));
    assert!(!out.join("model.safetensors.index.json").exists(), "rank 1 writes no index");
    let rerun = ok(&rank("0", "1"));
    assert!(rerun.contains("0 shards written, 7 skipped"), "{rerun}");
    assert!(
        out.join("model.safetensors.index.json").is_file() && out.join("config.json").is_file()
    );
}
