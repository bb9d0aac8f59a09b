//! The output directory: made if missing, refused with its path when it cannot be used, and
//! the `config.json` that `from_pretrained` reads written into it atomically.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use init_core::FloatDtype;

/// Makes `dir` (and its parents) if missing and checks that a file can be made in it.
/// Errors name the directory and the cause.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("init-ckpt-doc-{}", std::process::id()));
/// init_ckpt::prepare_dir(&dir.join("a/b"))?;
/// assert!(dir.join("a/b").is_dir());
/// std::fs::write(dir.join("f"), b"")?;
/// let err = init_ckpt::prepare_dir(&dir.join("f")).unwrap_err();
/// assert!(err.ends_with("f: a file is in the way (not a directory)"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn prepare_dir(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    if dir.exists() && !dir.is_dir() {
        return Err(format!("output directory {shown}: a file is in the way (not a directory)"));
    }
    if let Some(file) = dir.ancestors().skip(1).find(|a| a.is_file()) {
        return Err(format!(
            "cannot create output directory {shown}: {} is a file",
            file.display()
        ));
    }
    fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create output directory {shown}: {}", e))?;
    // A probe: the shards are made the same way (a new file in the directory, then a rename).
    let probe = dir.join(format!(".init-ckpt-probe-{}", std::process::id()));
    let made = fs::File::create(&probe);
    let _ = fs::remove_file(&probe);
    made.map(drop).map_err(|e| format!("output directory {shown} is not writable: {}", e))
}

/// Writes the user's config into `dir/config.json` (a temporary file renamed over it), with
/// its dtype key (`torch_dtype`, `dtype`, or `torch_dtype` added when it has neither) set to
/// the dtype of the tensors written, so that `from_pretrained(dir)` loads them as they are.
/// When `dir/config.json` is the user's file itself (`source`), it is left as it is and
/// `None` is returned.
pub fn write_config(
    dir: &Path,
    source: &Path,
    config_text: &str,
    dtype: FloatDtype,
) -> Result<Option<PathBuf>, String> {
    let target = dir.join("config.json");
    if let (Ok(a), Ok(b)) = (target.canonicalize(), source.canonicalize())
        && a == b
    {
        return Ok(None);
    }
    let mut value: Value = serde_json::from_str(config_text)
        .map_err(|e| format!("{}: not valid JSON: {e}", target.display()))?;
    if let Value::Object(map) = &mut value {
        let name = Value::String(torch_name(dtype).into());
        let keys: Vec<&str> =
            ["torch_dtype", "dtype"].into_iter().filter(|k| map.contains_key(*k)).collect();
        if keys.is_empty() {
            map.insert("torch_dtype".into(), name);
        } else {
            for k in keys {
                map.insert(k.into(), name.clone());
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    text.push('\n');
    let temp = dir.join(format!(".config.json.init-ckpt-{}", std::process::id()));
    let written = (|| -> io::Result<()> {
        let mut f = fs::File::create(&temp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&temp, &target)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(format!("cannot write {}: {}", target.display(), e));
    }
    Ok(Some(target))
}

/// PyTorch's name of the dtype, as `config.json` spells it.
pub(crate) fn torch_name(dtype: FloatDtype) -> &'static str {
    match dtype {
        FloatDtype::F32 => "float32",
        FloatDtype::BF16 => "bfloat16",
        FloatDtype::F16 => "float16",
    }
}
