//! Safetensors files: round trips, conversions, the atomic save, and hostile files (each with
//! its exact message).

use std::path::{Path, PathBuf};

use init::ndarray::ArrayD;
use init::safetensors::{Conversion, SourceDtype, from_bytes, load, save, to_bytes};
use init::{ErrorKind, FileError, StateDict, Tensor};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

const TOO_SHORT: &str =
    "is too short: a safetensors file starts with an 8-byte little-endian header length";

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("init-st-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A file with this header text (its length as written) and data.
fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut f = (header.len() as u64).to_le_bytes().to_vec();
    f.extend(header.as_bytes());
    f.extend(data);
    f
}

/// The message of `from_bytes` on `bytes`.
fn err(bytes: &[u8]) -> String {
    from_bytes(bytes).unwrap_err().to_string()
}

fn f32s(shape: &[usize], f: impl Fn(usize) -> f32) -> Tensor {
    let n = shape.iter().product();
    Tensor::from(ArrayD::from_shape_vec(shape.to_vec(), (0..n).map(f).collect()).unwrap())
}

/// Many shapes (0-d, empty, 1-4 d), awkward floats, I64 among the F32s.
fn zoo() -> StateDict {
    let specials = [
        f32::from_bits(0x7fc0_1234), // quiet NaN with a payload
        f32::from_bits(0xff80_0001), // negative signalling NaN
        -0.0,
        0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::from_bits(1), // smallest subnormal
        f32::MAX,
        -f32::MIN_POSITIVE,
    ];
    let mut sd = StateDict::new();
    let mut add = |k: &str, t: Tensor| sd.insert(k, t).unwrap();
    add("specials", f32s(&[specials.len()], |i| specials[i]));
    add("scalar", f32s(&[], |_| -1.5));
    add("bn.num_batches_tracked", Tensor::from(ArrayD::from_elem(vec![], 123_456_789_012i64)));
    add("empty", f32s(&[0], |_| 0.0));
    add("empty.3d", f32s(&[3, 0, 2], |_| 0.0));
    add("a.weight", f32s(&[2, 3], |i| i as f32 * 0.1 - 0.2));
    add(
        "ints",
        Tensor::from(ArrayD::from_shape_vec(vec![3], vec![i64::MIN, -1, i64::MAX]).unwrap()),
    );
    add("conv.weight", f32s(&[4, 3, 2, 2], |i| (i as f32).sin()));
    add("ones", f32s(&[1, 1, 1], |_| 1.0));
    add("empty.i64", Tensor::from(ArrayD::<i64>::zeros(vec![0, 5])));
    add("bias", f32s(&[5], |i| -(i as f32)));
    sd
}

/// Same keys in the same order, same shapes, same dtypes, same bits.
fn assert_bit_identical(a: &StateDict, b: &StateDict) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for ((k, x), (_, y)) in a.iter().zip(b.iter()) {
        assert_eq!(x.shape(), y.shape(), "{k}");
        match (x, y) {
            (Tensor::F32(x), Tensor::F32(y)) => {
                let bits = |a: &ArrayD<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(x), bits(y), "{k}");
            }
            (Tensor::I64(x), Tensor::I64(y)) => assert_eq!(x, y, "{k}"),
            _ => panic!("{k}: dtype changed"),
        }
    }
}

// ---------------------------------------------------------------- round trips

#[test]
fn round_trip_through_bytes_is_bit_identical_and_keeps_the_order() {
    let sd = zoo();
    let loaded = from_bytes(&to_bytes(&sd).unwrap()).unwrap();
    assert_bit_identical(&loaded.state, &sd);
    assert!(loaded.conversions.is_empty());
}

#[test]
fn round_trip_through_a_file_is_bit_identical() {
    let dir = scratch("roundtrip");
    let path = dir.join("zoo.safetensors");
    save(&zoo(), &path).unwrap();
    assert_bit_identical(&load(&path).unwrap().state, &zoo());
    assert_eq!(std::fs::read(&path).unwrap(), to_bytes(&zoo()).unwrap());
    assert_eq!(names_in(&dir), ["zoo.safetensors"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn to_bytes_is_deterministic_header_in_order_data_aligned() {
    let sd = zoo();
    let bytes = to_bytes(&sd).unwrap();
    assert_eq!(bytes, to_bytes(&sd.clone()).unwrap());
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(n % 8, 0);
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    assert!(header.starts_with(
        r#"{"__metadata__":{"format":"pt"},"specials":{"dtype":"F32","shape":[9],"data_offsets":[32,68]},"scalar":"#
    ), "{header}");
    // The safetensors crate reads it, every tensor aligned to its element size.
    let st = SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.len(), sd.len());
    let data_start = bytes.as_ptr() as usize + 8 + n;
    for (k, t) in sd.iter() {
        let view = st.tensor(k).unwrap();
        assert_eq!(view.shape(), t.shape(), "{k}");
        let size = match t {
            Tensor::F32(_) => 4,
            Tensor::I64(_) => 8,
        };
        assert_eq!((view.data().as_ptr() as usize - data_start) % size, 0, "{k}");
        assert_eq!(view.dtype(), if size == 4 { Dtype::F32 } else { Dtype::I64 }, "{k}");
    }
}

#[test]
fn a_file_written_by_the_safetensors_crate_loads_in_its_header_order() {
    // The layout PyTorch's `save_file` writes: sorted by dtype alignment, then name.
    let w = [1.0f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>();
    let n = 5i64.to_le_bytes();
    let tensors = vec![
        ("z.weight", TensorView::new(Dtype::F32, vec![2], &w).unwrap()),
        ("a.weight", TensorView::new(Dtype::F32, vec![1, 2], &w).unwrap()),
        ("bn.num_batches_tracked", TensorView::new(Dtype::I64, vec![], &n).unwrap()),
    ];
    let bytes = safetensors::serialize(tensors, None).unwrap();
    let loaded = from_bytes(&bytes).unwrap();
    let keys: Vec<_> = loaded.state.keys().collect();
    assert_eq!(keys, ["bn.num_batches_tracked", "a.weight", "z.weight"]);
    assert_eq!(loaded.state.get("a.weight").unwrap().as_f32().unwrap().shape(), [1, 2]);
    assert_eq!(loaded.state.get("bn.num_batches_tracked").unwrap().as_i64().unwrap()[[]], 5);
}

#[test]
fn f16_bf16_and_f64_are_converted_to_f32_and_reported() {
    let f16: Vec<u8> = [0x3c00u16, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x7e01]
        .iter()
        .flat_map(|h| h.to_le_bytes())
        .collect();
    let bf16: Vec<u8> = [0x3f80u16, 0xc040].iter().flat_map(|h| h.to_le_bytes()).collect();
    let f64s: Vec<u8> = [0.1f64, -1e300, 2.5].iter().flat_map(|v| v.to_le_bytes()).collect();
    let tensors = vec![
        ("half", TensorView::new(Dtype::F16, vec![2, 3], &f16).unwrap()),
        ("brain", TensorView::new(Dtype::BF16, vec![2], &bf16).unwrap()),
        ("double", TensorView::new(Dtype::F64, vec![3], &f64s).unwrap()),
    ];
    let loaded = from_bytes(&safetensors::serialize(tensors, None).unwrap()).unwrap();
    let get = |k: &str| {
        loaded.state.get(k).unwrap().as_f32().unwrap().iter().copied().collect::<Vec<_>>()
    };
    let half = get("half");
    assert_eq!(half[..5], [1.0, -2.0, 65504.0, 2f32.powi(-24), f32::INFINITY]);
    assert_eq!(half[5].to_bits(), 0x7fc0_2000);
    assert_eq!(loaded.state.get("half").unwrap().shape(), [2, 3]);
    assert_eq!(get("brain"), [1.0, -3.0]);
    assert_eq!(get("double"), [0.1f32, f32::NEG_INFINITY, 2.5]);
    // In the file's order (by dtype size, then name).
    let want =
        [("double", SourceDtype::F64), ("brain", SourceDtype::BF16), ("half", SourceDtype::F16)];
    let want: Vec<Conversion> =
        want.iter().map(|&(k, from)| Conversion { key: k.into(), from }).collect();
    assert_eq!(loaded.conversions, want);
    assert_eq!(loaded.conversions[2].to_string(), "half: F16 converted to F32");
}

#[test]
fn other_dtypes_are_unsupported_naming_the_key() {
    for (dtype, bytes) in [(Dtype::U8, 4), (Dtype::I32, 16), (Dtype::BOOL, 4), (Dtype::U64, 32)] {
        let data = vec![0u8; bytes];
        let view = TensorView::new(dtype, vec![4], &data).unwrap();
        let file = safetensors::serialize([("layer.mask", view)], None).unwrap();
        assert_eq!(
            err(&file),
            format!(
                "tensor `layer.mask`: dtype {dtype} is not supported; F32 and I64 load as they are, F16, BF16 and F64 are converted to F32"
            )
        );
    }
}

#[test]
fn an_unsupported_dtype_after_supported_ones_is_named() {
    let (f, m) = ([0u8; 16], [1u8; 3]);
    let tensors = vec![
        ("w", TensorView::new(Dtype::F32, vec![4], &f).unwrap()),
        ("mask", TensorView::new(Dtype::BOOL, vec![3], &m).unwrap()),
    ];
    assert_eq!(
        err(&safetensors::serialize(tensors, None).unwrap()),
        "tensor `mask`: dtype BOOL is not supported; F32 and I64 load as they are, F16, BF16 and F64 are converted to F32"
    );
}

#[test]
fn the_metadata_key_cannot_name_a_tensor() {
    let mut sd = StateDict::new();
    sd.insert("__metadata__", f32s(&[1], |_| 0.0)).unwrap();
    assert_eq!(
        to_bytes(&sd).unwrap_err().to_string(),
        "__metadata__: the key `__metadata__` is reserved by the safetensors format and cannot name a tensor"
    );
}

#[test]
fn keys_with_quotes_and_unicode_round_trip() {
    let mut sd = StateDict::new();
    for k in ["a\"b", "back\\slash", "tab\tnew\nline", "ünï.cødé", "", "\u{1}"] {
        sd.insert(k, f32s(&[1], |_| 3.0)).unwrap();
    }
    assert_bit_identical(&from_bytes(&to_bytes(&sd).unwrap()).unwrap().state, &sd);
}

// ---------------------------------------------------------------- hostile and broken files

/// One F32 tensor `w` of shape [2] at [0, 8], the smallest good file.
const GOOD: &str = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;

#[test]
fn the_good_file_of_the_hostile_tests_loads() {
    let loaded = from_bytes(&file(GOOD, &[0; 8])).unwrap();
    assert_eq!(loaded.state.get("w").unwrap().shape(), [2]);
}

#[test]
fn empty_file() {
    assert_eq!(
        err(b""),
        "empty file: a safetensors file starts with an 8-byte little-endian header length"
    );
}

#[test]
fn file_shorter_than_the_length_prefix() {
    assert_eq!(err(&[4, 0, 0]), format!("file of 3 bytes {TOO_SHORT}"));
    assert_eq!(err(&[0; 7]), format!("file of 7 bytes {TOO_SHORT}"));
}

#[test]
fn header_shorter_than_its_stated_length() {
    let mut f = file(GOOD, &[0; 8]);
    f[..8].copy_from_slice(&64u64.to_le_bytes()); // 54 bytes of header and 8 of data follow
    assert_eq!(
        err(&f),
        "truncated header: its length says 64 bytes, only 62 follow the 8-byte length"
    );
}

#[test]
fn header_length_larger_than_the_file() {
    let mut f = file(GOOD, &[0; 8]);
    f[..8].copy_from_slice(&1000u64.to_le_bytes());
    assert_eq!(err(&f), "header length 1000 is larger than the whole file (70 bytes)");
}

#[test]
fn header_length_near_2_pow_64() {
    for n in [u64::MAX, u64::MAX - 7, 1 << 63] {
        let mut f = file(GOOD, &[0; 8]);
        f[..8].copy_from_slice(&n.to_le_bytes());
        assert_eq!(
            err(&f),
            format!("header length {n} is near 2^64 (at least 2^63): no file can hold it")
        );
    }
}

#[test]
fn header_not_utf8() {
    let mut f = file(r#"{"w":1}"#, &[]);
    f[10] = 0xff;
    assert_eq!(
        err(&f),
        "header is not valid UTF-8: invalid utf-8 sequence of 1 bytes from index 2"
    );
}

#[test]
fn header_not_json() {
    assert_eq!(
        err(&file(r#"{"w":{"dtype":"F32","#, &[])),
        "header is not valid JSON: EOF while parsing a value at line 1 column 20"
    );
    assert_eq!(
        err(&file("{'w': 1}", &[])),
        "header is not valid JSON: key must be a string at line 1 column 2"
    );
    assert_eq!(
        err(&file("{} trailing", &[])),
        "header is not valid JSON: trailing characters at line 1 column 4"
    );
}

#[test]
fn header_is_json_but_not_a_safetensors_header() {
    let cases = [
        ("[1, 2]", "the header is a JSON array, not a JSON object"),
        (
            r#"{"w": 5}"#,
            "tensor `w`: its entry is a JSON number, not an object with dtype, shape and data_offsets",
        ),
        (r#"{"w": {"shape": [2], "data_offsets": [0, 8]}}"#, "tensor `w`: missing field `dtype`"),
        (
            r#"{"w": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}}"#,
            "tensor `w`: dtype must be a string, got 32",
        ),
        (
            r#"{"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 8]}}"#,
            "tensor `w`: shape must be an array of non-negative integers, got [2, -1]",
        ),
        (
            r#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}"#,
            "tensor `w`: data_offsets must be two non-negative integers, got [0]",
        ),
        (
            r#"{"__metadata__": {"format": 1}}"#,
            "`__metadata__` must map strings to strings, got {\"format\": 1}",
        ),
        (
            r#"{"w": {"dtype": "F4", "shape": [3], "data_offsets": [0, 2]}}"#,
            "tensor `w`: dtype F4 and shape [3] make 12 bits, not a whole number of bytes",
        ),
    ];
    for (header, rule) in cases {
        assert_eq!(err(&file(header, &[0; 8])), format!("invalid header: {rule}"), "{header}");
    }
}

#[test]
fn a_header_read_once_still_reports_in_the_same_order() {
    // A JSON error anywhere comes first, even after a rule broken earlier in the text.
    assert_eq!(
        err(&file(r#"{"w": 5, "v": [1,}"#, &[])),
        "header is not valid JSON: expected value at line 1 column 18"
    );
    // Then a key written twice, even when an entry before it breaks a rule.
    assert_eq!(
        err(&file(r#"{"w": 5, "v": 6, "w": 7}"#, &[])),
        "tensor `w` appears more than once in the header"
    );
    assert_eq!(
        err(&file(r#"{"__metadata__": null, "w": 5, "__metadata__": {}}"#, &[])),
        "tensor `__metadata__` appears more than once in the header"
    );
    // The first key that repeats an earlier one, in the order of the text.
    for (header, key) in [
        (r#"{"b": 1, "a": 1, "a": 1, "b": 1}"#, "a"),
        (r#"{"a": 1, "a": 1, "__metadata__": null, "__metadata__": null}"#, "a"),
        (r#"{"__metadata__": null, "__metadata__": null, "a": 1, "a": 1}"#, "__metadata__"),
        (r#"{"a": 1, "__metadata__": null, "__metadata__": null, "a": 1}"#, "__metadata__"),
    ] {
        assert_eq!(
            err(&file(header, &[])),
            format!("tensor `{key}` appears more than once in the header"),
            "{header}"
        );
    }
    // Then the first rule broken, in the order of the text.
    assert_eq!(
        err(&file(r#"{"w": {"dtype": "F32"}, "v": 6}"#, &[])),
        "invalid header: tensor `w`: missing field `shape`"
    );
}

#[test]
fn metadata_with_a_key_twice_is_checked_value_by_value() {
    // A JSON map keeps the last value; the safetensors crate rejects the first.
    let h = r#"{"__metadata__": {"format": 1, "format": "pt"}, "w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    assert_eq!(
        err(&file(h, &[0; 8])),
        "invalid header: `__metadata__` must map strings to strings, got {\"format\": 1, \"format\": \"pt\"}"
    );
}

#[test]
fn offsets_outside_the_data() {
    let h = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#;
    assert_eq!(
        err(&file(h, &[0; 8])),
        "tensor `w`: data_offsets [8, 16] reach past the end of the data (8 bytes)"
    );
    // Offsets near 2^64: compared, never used to allocate or index.
    let h = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[18446744073709551607,18446744073709551615]}}"#;
    assert_eq!(
        err(&file(h, &[0; 8])),
        "tensor `w`: data_offsets [18446744073709551607, 18446744073709551615] reach past the end of the data (8 bytes)"
    );
}

#[test]
fn offsets_that_end_before_they_start() {
    let h = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#;
    assert_eq!(err(&file(h, &[0; 8])), "tensor `w`: data_offsets [8, 0] end before they start");
}

#[test]
fn overlapping_offsets() {
    let h = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#;
    assert_eq!(
        err(&file(h, &[0; 12])),
        "tensors `a` (data_offsets [0, 8]) and `b` (data_offsets [4, 12]) overlap"
    );
    // The same bytes twice.
    let h = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#;
    assert_eq!(
        err(&file(h, &[0; 8])),
        "tensors `a` (data_offsets [0, 8]) and `b` (data_offsets [0, 8]) overlap"
    );
}

#[test]
fn data_no_tensor_covers() {
    let h = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#;
    assert_eq!(err(&file(h, &[0; 12])), "bytes 4..8 of the data belong to no tensor");
    assert_eq!(err(&file(GOOD, &[0; 9])), "bytes 8..9 of the data belong to no tensor");
}

#[test]
fn byte_count_not_matching_dtype_and_shape() {
    let h = r#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#;
    assert_eq!(
        err(&file(h, &[0; 20])),
        "tensor `w`: dtype F32 and shape [2, 3] need 24 bytes, its data_offsets [0, 20] hold 20"
    );
}

#[test]
fn shape_whose_element_count_overflows() {
    let h = r#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,2],"data_offsets":[0,8]}}"#;
    assert_eq!(
        err(&file(h, &[0; 8])),
        "tensor `w`: shape [4294967296, 4294967296, 2] has more elements than can be addressed"
    );
    // Zero elements, but no array can have these dimensions.
    let h = r#"{"w":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#;
    assert_eq!(
        err(&file(h, &[])),
        "tensor `w`: shape [0, 4294967296, 4294967296] has more elements than can be addressed"
    );
}

#[test]
fn unknown_dtype() {
    let h = r#"{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}"#;
    assert_eq!(err(&file(h, &[0; 8])), "tensor `w`: unknown dtype `F33`");
    let h = r#"{"w":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}"#;
    assert_eq!(err(&file(h, &[0; 8])), "tensor `w`: unknown dtype `f32`");
}

#[test]
fn duplicate_names() {
    let h = r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    assert_eq!(err(&file(h, &[0; 8])), "tensor `w` appears more than once in the header");
    // The same name written with an escape.
    let h = r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\u0077":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    assert_eq!(err(&file(h, &[0; 8])), "tensor `w` appears more than once in the header");
}

#[test]
fn a_directory() {
    let dir = scratch("directory");
    assert_eq!(
        load(&dir).unwrap_err().to_string(),
        format!("{}: is a directory, not a safetensors file", dir.display())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_path() {
    let dir = scratch("missing");
    let path = dir.join("nope.safetensors");
    let e = load(&path).unwrap_err();
    assert_eq!(e.to_string(), format!("{}: no such file", path.display()));
    assert_eq!(e.kind(), &ErrorKind::File(FileError::NotFound));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_device() {
    assert_eq!(
        load("/dev/zero").unwrap_err().to_string(),
        "/dev/zero: is not a regular file (a device, pipe or socket), not a safetensors file"
    );
}

#[test]
fn hostile_files_on_disk_name_the_path() {
    let dir = scratch("on-disk");
    let cases: [(&str, Vec<u8>, String); 4] = [
        (
            "empty",
            vec![],
            "empty file: a safetensors file starts with an 8-byte little-endian header length"
                .into(),
        ),
        ("short", vec![1, 2], format!("file of 2 bytes {TOO_SHORT}")),
        (
            "huge-header",
            u64::MAX.to_le_bytes().to_vec(),
            "header length 18446744073709551615 is near 2^64 (at least 2^63): no file can hold it"
                .into(),
        ),
        (
            "beyond",
            file(GOOD, &[0; 8])
                .into_iter()
                .enumerate()
                .map(|(i, b)| if i == 1 { 1 } else { b })
                .collect(),
            "header length 310 is larger than the whole file (70 bytes)".into(),
        ),
    ];
    for (name, bytes, msg) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(load(&path).unwrap_err().to_string(), format!("{}: {msg}", path.display()));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------- atomic save

/// A state dict of `mb` MiB, every value `v`.
fn big(mb: usize, v: f32) -> StateDict {
    let mut sd = StateDict::new();
    sd.insert("big", Tensor::from(ArrayD::from_elem(vec![mb << 18], v))).unwrap();
    sd.insert("n", Tensor::from(ArrayD::from_elem(vec![], v as i64))).unwrap();
    sd
}

#[test]
fn a_save_that_fails_before_writing_leaves_the_old_file() {
    let dir = scratch("fails-early");
    let path = dir.join("m.safetensors");
    save(&zoo(), &path).unwrap();
    let old = std::fs::read(&path).unwrap();
    let mut bad = zoo();
    bad.insert("__metadata__", f32s(&[], |_| 0.0)).unwrap();
    assert!(save(&bad, &path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), old);
    assert_eq!(names_in(&dir), ["m.safetensors"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_errors_name_the_path_and_the_step() {
    let dir = scratch("save-errors");
    let path = dir.join("no-such-dir").join("m.safetensors");
    let tmp_prefix = format!(
        "{}: cannot create a temporary file {}",
        path.display(),
        dir.join("no-such-dir").join(".init-tmp.").display()
    );
    let e = save(&zoo(), &path).unwrap_err().to_string();
    let rest = e.strip_prefix(&tmp_prefix).unwrap_or_else(|| panic!("{e}"));
    // `<host>.<pid>.<n>`: 8 hex digits, this process, a counter.
    let (tmp, cause) = rest.split_once(": ").unwrap();
    let parts: Vec<&str> = tmp.split('.').collect();
    assert_eq!(parts.len(), 3, "{e}");
    assert!(parts[0].len() == 8 && parts[0].bytes().all(|b| b.is_ascii_hexdigit()), "{e}");
    assert_eq!(parts[1], std::process::id().to_string(), "{e}");
    assert!(parts[2].parse::<u64>().is_ok(), "{e}");
    assert_eq!(cause, "No such file or directory (os error 2)");
    // A file name one byte over the limit of the file system (255 bytes here).
    let long = dir.join("m".repeat(256));
    assert_eq!(
        save(&zoo(), &long).unwrap_err().to_string(),
        format!("{}: cannot look up the target: File name too long (os error 36)", long.display())
    );
    assert_eq!(
        save(&zoo(), &dir).unwrap_err().to_string(),
        format!("{}: is a directory, not a safetensors file", dir.display())
    );
    assert_eq!(
        save(&zoo(), "").unwrap_err().to_string(),
        "is not a path to a file: it has no file name"
    );
    assert_eq!(names_in(&dir), Vec::<String>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn save_keeps_the_permissions_of_the_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("perms");
    let path = dir.join("m.safetensors");
    save(&zoo(), &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    save(&big(1, 2.0), &path).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Files that are not the save's own temporaries (here: named as older versions of `save`
/// named them) change nothing and are never removed.
#[test]
fn a_temporary_file_left_by_a_crash_changes_nothing() {
    let dir = scratch("leftover");
    let path = dir.join("m.safetensors");
    save(&zoo(), &path).unwrap();
    // What a process killed mid-save left: half a file under an old-style temporary name.
    let half = &to_bytes(&big(1, 5.0)).unwrap()[..100_000];
    let leftover = format!(".m.safetensors.{}.0.tmp", std::process::id());
    std::fs::write(dir.join(&leftover), half).unwrap();
    std::fs::write(dir.join(".m.safetensors.1.2.tmp"), half).unwrap();
    assert_bit_identical(&load(&path).unwrap().state, &zoo());
    save(&big(1, 6.0), &path).unwrap();
    assert_eq!(load(&path).unwrap().state, big(1, 6.0));
    let mut want = vec![leftover, ".m.safetensors.1.2.tmp".to_string(), "m.safetensors".into()];
    want.sort();
    assert_eq!(names_in(&dir), want);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Run by the tests below in a child process (this test binary, run again with
/// `INIT_ST_CHILD` set): saves to `INIT_ST_CHILD`, once or (with `INIT_ST_LOOP`) forever.
#[test]
fn child_process_save() {
    let Ok(path) = std::env::var("INIT_ST_CHILD") else { return };
    let looping = std::env::var_os("INIT_ST_LOOP").is_some();
    let (a, b) = (big(8, 1.0), big(8, 2.0));
    loop {
        save(&a, &path).unwrap();
        if !looping {
            return;
        }
        save(&b, &path).unwrap();
    }
}

fn child(path: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["child_process_save", "--exact", "--test-threads=1", "--nocapture"]);
    cmd.env("INIT_ST_CHILD", path).stdout(std::process::Stdio::null());
    cmd.stderr(std::process::Stdio::null());
    cmd
}

/// The child is killed by the kernel (SIGXFSZ from a file-size limit) at a known byte of the
/// temporary file: the target is untouched, and the temporary file, unnamed (`O_TMPFILE`),
/// goes with the process.
#[cfg(target_os = "linux")]
#[test]
fn a_process_killed_part_way_through_a_save_leaves_the_old_file() {
    use std::os::unix::process::ExitStatusExt;
    let dir = scratch("killed");
    let path = dir.join("m.safetensors");
    save(&zoo(), &path).unwrap();
    let old = std::fs::read(&path).unwrap();
    let mut cmd = std::process::Command::new("prlimit");
    cmd.args(["--fsize=3000000", "--"]).arg(std::env::current_exe().unwrap());
    cmd.args(["child_process_save", "--exact", "--test-threads=1"]);
    cmd.env("INIT_ST_CHILD", &path);
    let status = cmd.output().expect("prlimit (util-linux) runs").status;
    assert_eq!(status.signal(), Some(25), "killed by SIGXFSZ: {status:?}");
    assert_eq!(std::fs::read(&path).unwrap(), old);
    assert_bit_identical(&load(&path).unwrap().state, &zoo());
    assert_eq!(names_in(&dir), ["m.safetensors"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Whether process `pid` is writing a temporary file in `dir` (on Linux: has a file in `dir`
/// open, as an unnamed file has no name to look for).
#[cfg(target_os = "linux")]
fn is_writing_in(pid: u32, dir: &Path) -> bool {
    let dir = dir.canonicalize().unwrap();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|f| f.parent() == Some(&dir)))
}

#[cfg(not(target_os = "linux"))]
fn is_writing_in(_pid: u32, dir: &Path) -> bool {
    names_in(dir).iter().any(|n| n.starts_with(".init-tmp."))
}

/// A child saving two state dicts in turn, killed (SIGKILL) at an arbitrary moment while it
/// writes a temporary file: the target is always one of the two, whole, and after the next
/// save the directory holds the target alone (a name the killed save left is removed).
#[test]
fn a_process_killed_at_any_moment_leaves_a_whole_file() {
    let dir = scratch("sigkill");
    let path = dir.join("m.safetensors");
    save(&big(8, 1.0), &path).unwrap();
    for round in 0..3 {
        let mut child = child(&path).env("INIT_ST_LOOP", "1").spawn().unwrap();
        let start = std::time::Instant::now();
        loop {
            let tmp = is_writing_in(child.id(), &dir);
            if tmp && start.elapsed() > std::time::Duration::from_millis(20 * round) {
                break;
            }
            assert!(start.elapsed().as_secs() < 60, "no temporary file appeared");
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let got = load(&path).unwrap().state;
        assert!(got == big(8, 1.0) || got == big(8, 2.0), "round {round}");
        save(&got, &path).unwrap();
        assert_eq!(names_in(&dir), ["m.safetensors"], "round {round}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------- PyTorch

/// `tests/fixtures/safetensors/torch_dtypes.safetensors`, written by PyTorch
/// (`make_fixtures.py`): our F16, BF16 and F64 conversions equal PyTorch's `.float()`.
#[test]
fn pytorch_f16_bf16_f64_convert_like_pytorch() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/safetensors/torch_dtypes.safetensors");
    let loaded = load(&path).unwrap();
    let keys: Vec<_> = loaded.state.keys().collect();
    assert_eq!(
        keys,
        [
            "count",
            "double",
            "expected.brain",
            "expected.double",
            "expected.half",
            "single",
            "brain",
            "half"
        ]
    );
    let bits = |k: &str| {
        let t = loaded.state.get(k).unwrap();
        (t.shape().to_vec(), t.as_f32().unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>())
    };
    // Bit for bit, except that PyTorch's CPU `.float()` of a half NaN is always 0x7fffffff
    // where we keep the sign and payload (as F16C hardware and the `half` crate do).
    for k in ["half", "brain", "double"] {
        let ((shape, ours), (want_shape, torch)) = (bits(k), bits(&format!("expected.{k}")));
        assert_eq!(shape, want_shape, "{k}");
        for (i, (a, b)) in ours.iter().zip(&torch).enumerate() {
            let nan = |x: u32| f32::from_bits(x).is_nan();
            assert!(a == b || (nan(*a) && nan(*b)), "{k}[{i}]: {a:#010x} vs PyTorch's {b:#010x}");
        }
    }
    let conv: Vec<String> = loaded.conversions.iter().map(ToString::to_string).collect();
    assert_eq!(
        conv,
        [
            "double: F64 converted to F32",
            "brain: BF16 converted to F32",
            "half: F16 converted to F32"
        ]
    );
    assert_eq!(loaded.state.get("count").unwrap().as_i64().unwrap()[[]], 42);
    assert_eq!(bits("single"), (vec![1, 2], vec![1.5f32.to_bits(), (-2.0f32).to_bits()]));
}

/// Writes `zoo()` to `$INIT_ST_WRITE` for `make_fixtures.py --check`.
#[test]
#[ignore = "run by hand: writes a file for the PyTorch check"]
fn write_zoo_for_python() {
    let path = std::env::var("INIT_ST_WRITE").expect("INIT_ST_WRITE=path");
    save(&zoo(), path).unwrap();
}
