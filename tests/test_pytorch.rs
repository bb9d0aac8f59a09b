//! PyTorch `.pth` files (`load_pytorch`, `ModuleExt::load_pytorch`): files written by
//! `torch.save` itself load bit for bit as the state dicts they hold, and hostile files each get
//! their own error, with no panic and no hang.
//!
//! Fixtures are written by `scripts/torch_pth.py`: every `tests/fixtures/pth/<name>.pth` has a
//! `<name>.expected.safetensors` (the state dict it must load to, contiguous and converted as
//! the loader converts), the interop models of `tests/fixtures/state/` are saved as
//! `<model>.pth`, and `hostile/<case>.pth` are the files to refuse.

use std::path::PathBuf;

use init::ndarray::Axis;
use init::prelude::*;
use init::safetensors::{self as st, Conversion, SourceDtype};
use init::{
    ErrorKind, FileError, StateDict, Tensor, load_pytorch, load_pytorch_key, pytorch_from_bytes,
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pth")
}

/// Same keys, shapes, dtypes and bits (f32 compared by bit pattern: NaN payloads, -0.0).
fn assert_bits_eq(ours: &StateDict, expected: &StateDict, what: &str) {
    let mut ours_keys: Vec<&str> = ours.keys().collect();
    let mut keys: Vec<&str> = expected.keys().collect();
    ours_keys.sort_unstable();
    keys.sort_unstable();
    assert_eq!(ours_keys, keys, "{what}: keys");
    for key in keys {
        let (a, b) = (ours.get(key).unwrap(), expected.get(key).unwrap());
        assert_eq!(a.shape(), b.shape(), "{what}: shape of {key}");
        match (a, b) {
            (Tensor::F32(a), Tensor::F32(b)) => {
                let bits = |x: &f32| x.to_bits();
                assert!(a.iter().map(bits).eq(b.iter().map(bits)), "{what}: values of {key}");
            }
            (Tensor::I64(a), Tensor::I64(b)) => assert_eq!(a, b, "{what}: values of {key}"),
            _ => panic!("{what}: dtype of {key}: {:?} vs {:?}", a.dtype(), b.dtype()),
        }
    }
}

fn expected(name: &str) -> StateDict {
    st::load(dir().join(format!("{name}.expected.safetensors"))).unwrap().state
}

#[test]
fn every_variant_loads_as_torch_saved_it() {
    for name in [
        "state_dict",
        "checkpoint",
        "with_optimizer",
        "parameters",
        "views",
        "dtypes",
        "dtypes_big_endian",
        "empty",
    ] {
        let loaded = load_pytorch(dir().join(format!("{name}.pth")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_bits_eq(&loaded.state, &expected(name), name);
    }
}

#[test]
fn keys_keep_the_order_of_the_file() {
    let loaded = load_pytorch(dir().join("state_dict.pth")).unwrap();
    assert_eq!(
        loaded.state.keys().collect::<Vec<_>>(),
        [
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "1.num_batches_tracked",
            "2.weight",
            "2.bias"
        ]
    );
    assert!(loaded.conversions.is_empty());
}

#[test]
fn conversions_are_listed_with_their_dtypes() {
    for name in ["dtypes", "dtypes_big_endian"] {
        let loaded = load_pytorch(dir().join(format!("{name}.pth"))).unwrap();
        let c = |key: &str, from| Conversion { key: key.into(), from };
        assert_eq!(
            loaded.conversions,
            [
                c("f16", SourceDtype::F16),
                c("bf16", SourceDtype::BF16),
                c("f64", SourceDtype::F64),
                c("bool", SourceDtype::Bool),
                c("special_f16", SourceDtype::F16),
            ],
            "{name}"
        );
        assert_eq!(loaded.conversions[3].to_string(), "bool: BOOL converted to I64");
    }
}

#[test]
fn views_are_the_tensors_they_show() {
    let sd = load_pytorch(dir().join("views.pth")).unwrap().state;
    let f = |k: &str| sd.get(k).unwrap().as_f32().unwrap().to_owned();
    // Two keys on one tensor: equal values, each its own array.
    assert_eq!(f("tied_a"), f("tied_b"));
    assert_eq!(f("transposed"), f("tied_a").t());
    assert_eq!(f("expanded").shape(), [3, 4]);
    let e = f("expanded");
    assert_eq!(e.index_axis(Axis(0), 0), e.index_axis(Axis(0), 2));
    assert_eq!(f("scalar").shape(), [] as [usize; 0]);
    assert_eq!(f("empty").shape(), [0, 3]);
    // `slice` is base[2:7] and `matrix` base[4:16]: they overlap in base[4:7].
    assert_eq!(f("slice").as_slice().unwrap()[2..], f("matrix").as_slice().unwrap()[..3]);
}

#[test]
fn the_interop_models_load_as_their_safetensors() {
    let state = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state");
    for name in ["forum_net", "lstm", "resnet", "text"] {
        let ours = load_pytorch(dir().join(format!("{name}.pth"))).unwrap();
        let reference = st::load(state.join(format!("{name}.safetensors"))).unwrap();
        assert_bits_eq(&ours.state, &reference.state, name);
    }
}

#[test]
fn a_checkpoint_entry_is_found_or_named() {
    let path = dir().join("two_state_dicts.pth");
    let err = load_pytorch(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no state dict: several entries of the top-level dict are dicts of tensors (`model`, `ema`); name the one to load",
            path.display()
        )
    );
    let model = load_pytorch_key(&path, "model").unwrap();
    assert_bits_eq(&model.state, &expected("two_state_dicts"), "model");
    let ema = load_pytorch_key(&path, "ema").unwrap();
    assert_ne!(ema.state, model.state);
    let err = load_pytorch_key(&path, "optimizer").unwrap_err();
    assert_eq!(
        err.kind().to_string(),
        "no state dict: the top-level dict has no key `optimizer`; its keys: `model`, `ema`"
    );
    let err = load_pytorch_key(dir().join("checkpoint.pth"), "epoch").unwrap_err();
    assert_eq!(
        err.kind().to_string(),
        "no state dict: `epoch` holds the int 3, not a dict of tensors"
    );
}

/// The small model of `state_dict.pth`: Linear(3, 4), BatchNorm1d(4), Linear(4, 2).
fn small<const OUT: usize>() -> Sequential {
    Sequential::new().push(Linear::<3, 4>::zeroed()).push(BatchNorm1d::<4>::new()).push(Linear::<
        4,
        OUT,
    >::zeroed(
    ))
}

#[test]
fn module_load_pytorch_is_strict_and_atomic() {
    let mut model = small::<2>();
    let (report, conversions) = model.load_pytorch(dir().join("state_dict.pth")).unwrap();
    assert!(report.is_clean() && conversions.is_empty());
    let mut reference = small::<2>();
    reference.load_safetensors(dir().join("state_dict.expected.safetensors")).unwrap();
    assert_bits_eq(&model.state_dict(), &reference.state_dict(), "model");

    let mut from_checkpoint = small::<2>();
    from_checkpoint.load_pytorch(dir().join("checkpoint.pth")).unwrap();
    assert_bits_eq(&from_checkpoint.state_dict(), &reference.state_dict(), "checkpoint");
    let mut named = small::<2>();
    named.load_pytorch_key(dir().join("two_state_dicts.pth"), "model").unwrap();
    assert_bits_eq(&named.state_dict(), &expected("two_state_dicts"), "named");

    // A model that does not fit: one error, every problem, nothing written.
    let mut wrong = Sequential::new().push(Linear::<3, 4>::zeroed()).push(Linear::<4, 3>::zeroed());
    let before = wrong.state_dict();
    let err = wrong.load_pytorch(dir().join("state_dict.pth")).unwrap_err();
    // The same error as loading the same state dict from memory.
    let sd = load_pytorch(dir().join("state_dict.pth")).unwrap().state;
    assert_eq!(err, wrong.load_state_dict(&sd).unwrap_err());
    assert_eq!(
        err.to_string(),
        "Error(s) in loading state_dict for Sequential (nothing was loaded):\n\t\
         Unexpected key(s) in state_dict: \"1.running_mean\", \"1.running_var\", \"1.num_batches_tracked\", \"2.weight\", \"2.bias\".\n\t\
         size mismatch for 1.weight: copying a param with shape [4] from checkpoint, the shape in current model is [3, 4].\n\t\
         size mismatch for 1.bias: copying a param with shape [4] from checkpoint, the shape in current model is [3]."
    );
    assert_eq!(wrong.state_dict(), before);
}

/// Every hostile file and the one error it must get (after `<path>: `).
const HOSTILE: &[(&str, &str)] = &[
    ("empty_file", "not a PyTorch file: the file is empty"),
    (
        "text_file",
        "not a PyTorch file: it starts with the bytes 74 68 69 73, neither a zip archive (torch.save since PyTorch 1.6) nor a legacy PyTorch file",
    ),
    (
        "legacy_pickle",
        "a PyTorch file in the legacy format (a raw pickle), written before PyTorch 1.6 or with _use_new_zipfile_serialization=False, is not read; convert it once with PyTorch: torch.save(torch.load(path, weights_only=True), new_path)",
    ),
    (
        "legacy_tar",
        "a PyTorch file in the legacy format (a tar archive), written before PyTorch 1.6 or with _use_new_zipfile_serialization=False, is not read; convert it once with PyTorch: torch.save(torch.load(path, weights_only=True), new_path)",
    ),
    (
        "truncated_zip",
        "zip archive: no end-of-central-directory record: the file is truncated or not a zip archive",
    ),
    (
        "truncated_end_record",
        "zip archive: no end-of-central-directory record: the file is truncated or not a zip archive",
    ),
    (
        "central_directory_outside",
        "zip archive: central directory at 1222..+246 runs past the end of the file (611 bytes)",
    ),
    (
        "entry_count_bomb",
        "zip archive: 65534 entries cannot fit in a central directory of 246 bytes",
    ),
    (
        "wrong_crc_data",
        "zip archive: entry `archive/data/0`: CRC-32 is 86d62d83, the directory says 8ba71454: the data is corrupt",
    ),
    (
        "wrong_crc_pickle",
        "zip archive: entry `archive/data.pkl`: CRC-32 is 3464b414, the directory says 4901ce04: the data is corrupt",
    ),
    (
        "zip_bomb_deflate",
        "zip archive: entry `archive/data.pkl`: is compressed with method 8 (deflate); torch.save stores every entry uncompressed, and compressed entries are not read",
    ),
    ("encrypted_entry", "zip archive: entry `archive/data.pkl`: is encrypted"),
    (
        "duplicate_zip_entry",
        "zip archive: entry `archive/data/0`: appears twice in the central directory",
    ),
    (
        "no_data_pkl",
        "zip archive: no `<folder>/data.pkl` entry: not an archive written by torch.save",
    ),
    (
        "torchscript_archive",
        "not a PyTorch file: a TorchScript archive (torch.jit.save), not a torch.save file: load its state_dict() in PyTorch and save that",
    ),
    (
        "bad_byteorder",
        "zip archive: entry `archive/byteorder`: says \"middle\", not `little` or `big`",
    ),
    (
        "global_os_system",
        "data.pkl, byte 2: global `os.system` is not allowed (only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch storages and dtypes are; nothing is imported or run)",
    ),
    (
        "global_posix_system",
        "data.pkl, byte 2: global `posix.system` is not allowed (only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch storages and dtypes are; nothing is imported or run)",
    ),
    (
        "global_builtins_eval",
        "data.pkl, byte 2: global `builtins.eval` is not allowed (only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch storages and dtypes are; nothing is imported or run)",
    ),
    (
        "global_builtins_exec",
        "data.pkl, byte 2: global `__builtin__.exec` is not allowed (only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch storages and dtypes are; nothing is imported or run)",
    ),
    (
        "reduce_subprocess",
        "data.pkl, byte 13: global `commands.Popen` is not allowed (only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch storages and dtypes are; nothing is imported or run)",
    ),
    (
        "global_numpy_reconstruct",
        "data.pkl, byte 2: global `numpy.core.multiarray._reconstruct` is not allowed (only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch storages and dtypes are; nothing is imported or run)",
    ),
    (
        "global_getattr",
        "data.pkl, byte 2: global `builtins.getattr` is not allowed (only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch storages and dtypes are; nothing is imported or run)",
    ),
    ("stack_global_os_system", "data.pkl, byte 20: opcode STACK_GLOBAL is not allowed"),
    ("opcode_inst", "data.pkl, byte 3: opcode INST is not allowed"),
    ("opcode_newobj", "data.pkl, byte 28: opcode NEWOBJ is not allowed"),
    ("opcode_ext1", "data.pkl, byte 2: opcode EXT1 is not allowed"),
    (
        "protocol_1",
        "data.pkl, byte 0: pickle protocol 1; torch.save writes protocol 2 (its default pickle_protocol), and 2 to 5 are read",
    ),
    ("protocol_4_frame", "data.pkl, byte 2: opcode FRAME is not allowed"),
    (
        "ordered_dict_with_args",
        "data.pkl, byte 36: collections.OrderedDict called with 1 arguments, not none (torch.save calls it with none)",
    ),
    ("call_storage_type", "data.pkl, byte 23: torch.FloatStorage cannot be called"),
    (
        "build_on_list",
        "data.pkl, byte 4: BUILD sets the state of a list from a dict; only an OrderedDict's attributes are allowed",
    ),
    (
        "memo_bomb",
        "no state dict: the top-level dict is not a state dict (`w` holds a list) and none of its values is a dict of tensors; its keys: `w`",
    ),
    (
        "recursion_bomb_marks",
        "data.pkl, byte 1002: more than 1000 MARKs open at once (nesting too deep)",
    ),
    ("recursion_bomb_tuples", "no state dict: the file holds a tuple of 1, not a dict"),
    (
        "self_referencing_dict",
        "no state dict: the top-level dict is not a state dict (`w` holds a dict) and none of its values is a dict of tensors; its keys: `w`",
    ),
    ("memo_key_never_set", "data.pkl, byte 2: memo key 5 was never set"),
    ("pickle_without_stop", "data.pkl, byte 3: the pickle ends without STOP"),
    ("bytes_after_stop", "data.pkl, byte 3: 2 bytes after STOP"),
    ("string_length_bomb", "data.pkl, byte 2: needs 4294967295 more bytes, the pickle has 1"),
    (
        "long1_too_wide",
        "data.pkl, byte 2: LONG1 of 16 bytes: integers wider than 64 bits are not read",
    ),
    ("top_level_list", "no state dict: the file holds a list, not a dict"),
    (
        "storage_offset_outside",
        "tensor `w`: view (offset 100, shape [4], stride [1]) reaches past its storage `0` of 4 elements",
    ),
    (
        "view_past_storage",
        "tensor `w`: view (offset 0, shape [2, 3], stride [3, 1]) reaches past its storage `0` of 4 elements",
    ),
    (
        "shape_overflow",
        "tensor `w`: shape [4611686018427387904, 4611686018427387904] has more elements than can be addressed",
    ),
    (
        "stride_overflow",
        "tensor `w`: view (offset 0, shape [2, 2], stride [4611686018427387904, 1]) reaches past its storage `0` of 4 elements",
    ),
    (
        "negative_stride",
        "data.pkl, byte 137: _rebuild_tensor_v2: stride is a tuple of 1, not a tuple of at most 64 ints >= 0",
    ),
    (
        "too_many_dims",
        "data.pkl, byte 390: _rebuild_tensor_v2: size is a tuple of 65, not a tuple of at most 64 ints >= 0",
    ),
    ("missing_storage", "tensor `w`: its storage `0` has no entry `archive/data/0` in the archive"),
    (
        "storage_size_mismatch",
        "tensor `w`: its storage `0` holds 8 elements of 4 bytes, but its entry has 16 bytes",
    ),
    (
        "expand_bomb",
        "the tensors would take 4294967296 bytes, more than the 67111288 bytes a file of 606 bytes justifies (4 times its size plus 64 MiB)",
    ),
    (
        "unsupported_storage",
        "tensor `w`: storage type torch.IntStorage is not read; FloatStorage, HalfStorage, BFloat16Storage and DoubleStorage load as f32, LongStorage and BoolStorage as i64",
    ),
    (
        "bad_persistent_id",
        "data.pkl, byte 16: a persistent id must be ('storage', torch.<X>Storage, key, location, numel), got a tuple of 1",
    ),
    (
        "rebuild_wrong_arity",
        "data.pkl, byte 43: torch._utils._rebuild_tensor_v2 called with 0 arguments, not 6 or 7",
    ),
    ("duplicate_keys", "tensor `w`: appears more than once in the top-level dict"),
    ("int_key", "no state dict: the top-level dict has a key that is the int 1, not a string"),
    (
        "value_not_a_tensor",
        "no state dict: the top-level dict is not a state dict (`w` holds a string) and none of its values is a dict of tensors; its keys: `w`",
    ),
    (
        "ambiguous_state_dicts",
        "no state dict: several entries of the top-level dict are dicts of tensors (`model`, `ema`); name the one to load",
    ),
    (
        "local_header_moved",
        "zip archive: entry `archive/data/0`: no local header signature at offset 237",
    ),
    (
        "entry_size_past_directory",
        "zip archive: entry `archive/data/0`: data at 283..+1073741824 runs into the central directory (at 346)",
    ),
    (
        "stored_sizes_differ",
        "zip archive: entry `archive/data/0`: is stored uncompressed but its compressed size 8 differs from its size 16",
    ),
    ("zip64_locator_missing", "zip archive: a 32-bit field is full but there is no zip64 locator"),
    (
        "storage_named_twice",
        "data.pkl, byte 224: storage `0` is named twice with different types or sizes",
    ),
    (
        "storage_not_a_storage",
        "data.pkl, byte 84: _rebuild_tensor_v2: storage is the int 1, not a storage",
    ),
    (
        "parameter_of_a_string",
        "data.pkl, byte 81: _rebuild_parameter: data is a string, not a tensor",
    ),
];

#[test]
fn every_hostile_file_gets_its_own_error() {
    let hostile = dir().join("hostile");
    let mut on_disk: Vec<String> = std::fs::read_dir(&hostile)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = HOSTILE.iter().map(|(n, _)| format!("{n}.pth")).collect();
    listed.push("missing_named_entry.pth".into());
    listed.sort();
    assert_eq!(on_disk, listed, "every file in hostile/ has its case here, and every case a file");
    assert!(HOSTILE.len() >= 30);
    let mut failures = Vec::new();
    for (name, message) in HOSTILE {
        let path = hostile.join(format!("{name}.pth"));
        let got = match load_pytorch(&path) {
            Ok(_) => "(loaded)".to_string(),
            Err(e) => {
                assert_eq!(e.file(), Some(path.as_path()), "{name}: the error names the file");
                e.to_string().strip_prefix(&format!("{}: ", path.display())).unwrap().to_string()
            }
        };
        // The same bytes in memory: the same error, without a file.
        let bytes = std::fs::read(&path).unwrap();
        match pytorch_from_bytes(&bytes, None) {
            Err(e) => assert_eq!(e.to_string(), got, "{name}: from bytes"),
            Ok(_) => failures.push(format!("{name}: loaded from bytes")),
        }
        if got != *message {
            failures.push(format!("{name}:\n   got: {got}\nwanted: {message}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_named_entry_that_is_missing() {
    let err = load_pytorch_key(dir().join("hostile/missing_named_entry.pth"), "model").unwrap_err();
    assert_eq!(
        err.kind().to_string(),
        "no state dict: the top-level dict has no key `model`; its keys: `w`"
    );
    assert!(matches!(err.kind(), ErrorKind::File(FileError::NoStateDict { .. })));
}

#[test]
fn errors_about_one_tensor_carry_its_key() {
    let err = load_pytorch(dir().join("hostile/missing_storage.pth")).unwrap_err();
    assert_eq!(err.path(), "w");
    let err = load_pytorch(dir().join("hostile/global_os_system.pth")).unwrap_err();
    assert_eq!(err.path(), "");
    assert!(matches!(
        err.kind(),
        ErrorKind::File(FileError::ForbiddenGlobal { at: 2, global }) if global == "os.system"
    ));
}

#[test]
fn a_directory_and_a_missing_file() {
    let err = load_pytorch(dir()).unwrap_err();
    assert_eq!(err.kind().to_string(), "not a PyTorch file: it is a directory");
    let err = load_pytorch(dir().join("no_such.pth")).unwrap_err();
    assert_eq!(err.kind().to_string(), "no such file");
}

#[test]
fn a_hostile_file_leaves_the_model_unchanged() {
    let mut model = small::<2>();
    model.load_pytorch(dir().join("state_dict.pth")).unwrap();
    let before = model.state_dict();
    for case in ["global_os_system", "wrong_crc_data", "expand_bomb", "storage_offset_outside"] {
        let path = dir().join(format!("hostile/{case}.pth"));
        let err = model.load_pytorch(&path).unwrap_err();
        assert_eq!(err.file(), Some(path.as_path()), "{case}");
        assert_eq!(model.state_dict(), before, "{case}");
    }
}

#[test]
fn module_load_pytorch_lists_missing_unexpected_and_mismatched_keys_at_once() {
    // state_dict.pth is Linear(3, 4), BatchNorm1d(4), Linear(4, 2). This model has a
    // LayerNorm where the file has a BatchNorm (its running stats are unexpected), a wider
    // last Linear (mismatched) and one more Linear (missing).
    let mut model = Sequential::new()
        .push(Linear::<3, 4>::new(&mut Seed::new(1)).unwrap())
        .push(LayerNorm::<4>::new())
        .push(Linear::<4, 3>::new(&mut Seed::new(2)).unwrap())
        .push(Linear::<3, 1>::new(&mut Seed::new(3)).unwrap());
    let before = model.state_dict();
    let path = dir().join("state_dict.pth");
    let err = model.load_pytorch(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Error(s) in loading state_dict for Sequential (nothing was loaded):\n\t\
         Missing key(s) in state_dict: \"3.weight\", \"3.bias\".\n\t\
         Unexpected key(s) in state_dict: \"1.running_mean\", \"1.running_var\", \"1.num_batches_tracked\".\n\t\
         size mismatch for 2.weight: copying a param with shape [2, 4] from checkpoint, the shape in current model is [3, 4].\n\t\
         size mismatch for 2.bias: copying a param with shape [2] from checkpoint, the shape in current model is [3]."
    );
    let ErrorKind::LoadStateDict { report, .. } = err.kind() else { panic!("{err:?}") };
    assert_eq!(report.missing, ["3.weight", "3.bias"]);
    assert_eq!(report.unexpected.len(), 3);
    assert_eq!(report.mismatched.len(), 2);
    // Atomic: 0.weight and 1.weight fit, and were not written either.
    assert_eq!(model.state_dict(), before);
    let err = model.load_pytorch_key(dir().join("checkpoint.pth"), "state_dict").unwrap_err();
    assert_eq!(err.to_string().lines().count(), 5, "{err}");
    assert_eq!(model.state_dict(), before);
}
