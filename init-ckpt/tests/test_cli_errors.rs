//! The command's refusals, run as a child process: exit code 2 for usage, 1 for the rest,
//! one line on stderr naming the thing, and nothing written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn init_ckpt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_init-ckpt")).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory under the target dir, removed first if a previous run left it.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-errors-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const TINY: &str = r#"{"model_type": "llama", "vocab_size": 16, "hidden_size": 8, "intermediate_size": 8,
  "num_hidden_layers": 1, "num_attention_heads": 2}"#;

#[test]
fn usage_errors_exit_2() {
    let o = init_ckpt(&["--config", "c.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "init-ckpt: missing --out (the output directory)\n");
    let o = init_ckpt(&["--config", "c.json", "--out", "d", "--max-shard-size", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "init-ckpt: --max-shard-size: \"0\" is 0 bytes: a shard size must be at least 1 byte\n"
    );
    let o = init_ckpt(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("init-ckpt: write the initial checkpoint")
    );
}

#[test]
fn config_errors_name_the_file_and_key() {
    let d = scratch("config");
    let out = d.join("out");
    let out_s = out.to_str().unwrap();
    let missing = d.join("nope.json");
    let o = init_ckpt(&["--config", missing.to_str().unwrap(), "--out", out_s]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with(&format!("init-ckpt: cannot read config {}: ", missing.display())),
        "{}",
        stderr(&o)
    );

    let bad = write(&d.join("bad.json"), r#"{"model_type": "llama", "hidden_sise": 8}"#);
    let o = init_ckpt(&["--config", &bad, "--out", out_s]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "init-ckpt: {bad}: unknown key \"hidden_sise\" in a llama config (did you mean \"hidden_size\"?)\n"
        )
    );
    assert!(!out.exists(), "nothing is made for a refused config");
}

#[test]
fn a_file_in_the_way_of_the_output_directory() {
    let d = scratch("in-the-way");
    let config = write(&d.join("config.json"), TINY);
    let file = d.join("out");
    std::fs::write(&file, b"not a directory").unwrap();
    let o = init_ckpt(&["--config", &config, "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "init-ckpt: output directory {}: a file is in the way (not a directory)\n",
            file.display()
        )
    );
    let below = file.join("sub");
    let o = init_ckpt(&["--config", &config, "--out", below.to_str().unwrap()]);
    assert_eq!(
        stderr(&o),
        format!(
            "init-ckpt: cannot create output directory {}: {} is a file\n",
            below.display(),
            file.display()
        )
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"not a directory");
}

/// A directory without write permission. Root bypasses permissions: there the case cannot be
/// made and the test says so (CI runners and users are not root).
#[cfg(unix)]
#[test]
fn a_read_only_output_directory() {
    use std::os::unix::fs::PermissionsExt;
    let d = scratch("read-only");
    let config = write(&d.join("config.json"), TINY);
    let ro = d.join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::File::create(ro.join("probe")).is_ok() {
        eprintln!("running as root: permissions are not enforced, read-only case skipped");
        return;
    }
    let o = init_ckpt(&["--config", &config, "--out", ro.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "init-ckpt: output directory {} is not writable: Permission denied (os error 13)\n",
            ro.display()
        )
    );
    assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}
