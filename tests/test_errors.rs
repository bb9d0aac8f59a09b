//! The shape of an error, from outside the crate: a file's path in `file()`, a parameter's or
//! tensor's in `path()`, and file errors matched as `ErrorKind::File(FileError::..)`.

use std::path::{Path, PathBuf};

use init::ndarray::ArrayD;
use init::safetensors::{from_bytes, load, save, to_bytes};
use init::{ErrorKind, FileError, InitError, StateDict, Tensor};

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("init-err-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A file with this header text (its length as written) and data.
fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut f = (header.len() as u64).to_le_bytes().to_vec();
    f.extend(header.as_bytes());
    f.extend(data);
    f
}

/// The error of loading `bytes` from a file in `dir`, and that file's path.
fn load_err(dir: &Path, bytes: &[u8]) -> (InitError, PathBuf) {
    let path = dir.join("m.safetensors");
    std::fs::write(&path, bytes).unwrap();
    (load(&path).unwrap_err(), path)
}

#[test]
fn a_file_error_carries_the_file_and_no_parameter_path() {
    let dir = scratch("whole-file");
    let (e, path) = load_err(&dir, b"");
    assert_eq!(e.file(), Some(path.as_path()));
    assert_eq!(e.path(), "");
    assert_eq!(e.kind(), &ErrorKind::File(FileError::Empty));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: empty file: a safetensors file starts with an 8-byte little-endian header length",
            path.display()
        )
    );

    let missing = dir.join("nope.safetensors");
    let e = load(&missing).unwrap_err();
    assert_eq!((e.file(), e.path()), (Some(missing.as_path()), ""));
    assert!(matches!(e.kind(), ErrorKind::File(FileError::NotFound)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tensor_error_in_a_file_carries_both_the_file_and_the_key() {
    let dir = scratch("tensor");
    let header = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let (e, path) = load_err(&dir, &file(header, &[0; 4]));
    assert_eq!(e.file(), Some(path.as_path()));
    assert_eq!(e.path(), "w");
    let ErrorKind::File(FileError::OffsetsOutOfData { key, start, end, data_len }) = e.kind()
    else {
        panic!("{e:?}")
    };
    assert_eq!((key.as_str(), *start, *end, *data_len), ("w", 0, 8, 4));
    // The key is named once, by the rule.
    assert_eq!(
        e.to_string(),
        format!(
            "{}: tensor `w`: data_offsets [0, 8] reach past the end of the data (4 bytes)",
            path.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bytes_in_memory_are_no_file() {
    let header = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#;
    let e = from_bytes(&file(header, &[0; 8])).unwrap_err();
    assert_eq!((e.file(), e.path()), (None, "w"));
    assert!(matches!(
        e.kind(),
        ErrorKind::File(FileError::ReversedOffsets { start: 8, end: 0, .. })
    ));
    assert_eq!(e.to_string(), "tensor `w`: data_offsets [8, 0] end before they start");

    // Two tensors: the message names both, the path neither.
    let header = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    let e = from_bytes(&file(header, &[0; 8])).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::File(FileError::OverlappingTensors { .. })), "{e}");
    assert_eq!(e.path(), "");
}

#[test]
fn a_reserved_key_is_the_path_of_a_file_error() {
    let mut sd = StateDict::new();
    sd.insert("__metadata__", Tensor::from(ArrayD::<f32>::zeros(vec![1]))).unwrap();
    let e = to_bytes(&sd).unwrap_err();
    assert_eq!((e.file(), e.path()), (None, "__metadata__"));
    assert_eq!(e.kind(), &ErrorKind::File(FileError::ReservedKey));

    // Saving names the file too.
    let dir = scratch("reserved");
    let path = dir.join("m.safetensors");
    let e = save(&sd, &path).unwrap_err();
    assert_eq!((e.file(), e.path()), (Some(path.as_path()), "__metadata__"));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: __metadata__: the key `__metadata__` is reserved by the safetensors format and cannot name a tensor",
            path.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_that_are_not_about_files_have_no_file() {
    let mut sd = StateDict::new();
    sd.insert("fc.weight", Tensor::from(ArrayD::<f32>::zeros(vec![1]))).unwrap();
    let e = sd.insert("fc.weight", Tensor::from(ArrayD::<f32>::zeros(vec![1]))).unwrap_err();
    assert_eq!((e.file(), e.path()), (None, "fc.weight"));
    assert_eq!(e.kind(), &ErrorKind::DuplicateKey);
}

#[test]
fn a_file_error_converts_into_an_error_kind_and_an_init_error() {
    let kind: ErrorKind = FileError::NotRegularFile.into();
    assert_eq!(InitError::new("", kind.clone()).kind(), &kind);
    let e = InitError::from(FileError::UnknownDtype { key: "x".into(), dtype: "Q7".into() });
    assert_eq!(e.path(), "x");
    assert_eq!(e.to_string(), "tensor `x`: unknown dtype `Q7`");
    assert_eq!(e.in_file("f").to_string(), "f: tensor `x`: unknown dtype `Q7`");
}
