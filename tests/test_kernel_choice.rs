//! `INIT_KERNEL` end to end: each forced build of `Seed`'s kernels runs in a child process
//! (the variable is read once per process), reports `Seed::kernel_name()` and a hash of
//! fills of every distribution, and every build must give the same hash.

use std::process::Command;

use init::{Dist, Generator, Seed};

/// Set in the child processes.
const CHILD: &str = "INIT_TEST_KERNEL_CHILD";

fn fnv1a(words: impl Iterator<Item = u32>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for w in words {
        for b in w.to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Fills of every distribution (large enough for the parallel path, odd lengths and
/// unaligned starts), hashed.
fn fills_hash() -> u64 {
    let mut g = Seed::new(2026);
    let dists = [
        Dist::uniform(-0.1, 0.1).expect("valid"),
        Dist::normal(0.0, 0.02).expect("valid"),
        Dist::trunc_normal(0.0, 0.02, -2.0, 2.0).expect("valid"),
        Dist::trunc_normal(0.0, 1.0, -2.0, 2.0).expect("valid"),
        Dist::trunc_normal(0.0, 1.0, 8.0, 9.0).expect("valid"),
    ];
    let mut all = Vec::new();
    for (i, dist) in dists.into_iter().enumerate() {
        let mut w = vec![0f32; 200_003];
        g.fill(&format!("layer{i}.weight"), dist, &mut w);
        all.extend(w.iter().map(|x| x.to_bits()));
        let mut part = vec![0f32; 1_001];
        g.fill_at(&format!("layer{i}.weight"), dist, 77_777, &mut part);
        all.extend(part.iter().map(|x| x.to_bits()));
    }
    let mut bits = vec![0u32; 70_001];
    g.fill_bits("perm", 13, &mut bits);
    all.extend(bits);
    fnv1a(all.into_iter())
}

/// In a child: print the build and the hash. In the test run proper: nothing.
#[test]
fn child_report() {
    if std::env::var_os(CHILD).is_some() {
        println!("REPORT {} {:016x}", Seed::kernel_name(), fills_hash());
    }
}

/// `(kernel_name, hash)` of a child run with `INIT_KERNEL` set to `value` (unset for `None`).
fn child(value: Option<&str>) -> (String, String) {
    let exe = std::env::current_exe().expect("test executable");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", "child_report", "--nocapture", "--test-threads", "1"]).env(CHILD, "1");
    match value {
        Some(v) => cmd.env("INIT_KERNEL", v),
        None => cmd.env_remove("INIT_KERNEL"),
    };
    let out = cmd.output().expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    // libtest prints `test child_report ... ` before the report on the same line.
    let report = text.split_once("REPORT ").unwrap_or_else(|| panic!("no report in {text}")).1;
    let mut parts = report.split_whitespace();
    let name = parts.next().expect("name").to_string();
    (name, parts.next().expect("hash").to_string())
}

fn cpu_runs(name: &str) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        match name {
            "avx2" => has!("avx2"),
            "avx512" => has!("avx512f") && has!("avx512dq") && has!("avx512bw") && has!("avx512vl"),
            _ => true,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        name == "portable"
    }
}

#[test]
fn every_forced_build_gives_the_same_values() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let (default_name, want) = child(None);
    assert!(cpu_runs(&default_name));
    for forced in ["portable", "avx2", "AVX512", " avx2 "] {
        let (name, hash) = child(Some(forced));
        let asked = forced.trim().to_lowercase();
        if cpu_runs(&asked) {
            assert_eq!(name, asked, "INIT_KERNEL={forced:?}");
        } else {
            eprintln!("this CPU cannot run the {asked} build: INIT_KERNEL={forced:?} ran {name}");
            assert!(cpu_runs(&name));
        }
        assert_eq!(hash, want, "INIT_KERNEL={forced:?} ({name}) against {default_name}");
    }
    // Anything else means the default.
    assert_eq!(child(Some("sse9")), (default_name.clone(), want.clone()));
}
