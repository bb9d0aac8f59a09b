//! The archive reader and the view reader on archives built here (the fixtures made by
//! PyTorch are in tests/test_pytorch.rs).

use super::crc32::Crc32;
use super::pytorch_from_bytes;
use crate::state::Tensor;

/// A stored zip archive of `entries` (name, bytes), with an optional zip64 extra field on the
/// central entries.
fn zip(entries: &[(&str, &[u8])], zip64: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let mut crc = Crc32::new();
        crc.update(data);
        let crc = crc.finish();
        let local = out.len() as u32;
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend(crc.to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(*data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend(crc.to_le_bytes());
        let (size, offset) = if zip64 { (u32::MAX, u32::MAX) } else { (data.len() as u32, local) };
        central.extend(size.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend((name.len() as u16).to_le_bytes());
        central.extend((if zip64 { 28u16 } else { 0 }).to_le_bytes());
        // Comment length, disk, internal and external attributes.
        central.extend([0; 10]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
        if zip64 {
            central.extend(1u16.to_le_bytes());
            central.extend(24u16.to_le_bytes());
            central.extend((data.len() as u64).to_le_bytes());
            central.extend((data.len() as u64).to_le_bytes());
            central.extend(u64::from(local).to_le_bytes());
        }
    }
    let cd_start = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_start.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// `_rebuild_tensor_v2(storage "0" of `numel` floats, offset, size, stride)`.
fn tensor(numel: u8, offset: u8, size: &[u8], stride: &[u8]) -> Vec<u8> {
    let mut p = b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK".to_vec();
    p.extend([numel, b't', b'Q', b'K', offset, b'(']);
    size.iter().for_each(|&d| p.extend([b'K', d]));
    p.extend(b"t(");
    stride.iter().for_each(|&d| p.extend([b'K', d]));
    p.extend(b"t\x89ccollections\nOrderedDict\n)RtR");
    p
}

/// `{"w": tensor(..)}`.
fn pickle(numel: u8, offset: u8, size: &[u8], stride: &[u8]) -> Vec<u8> {
    let mut p = b"\x80\x02}X\x01\x00\x00\x00w".to_vec();
    p.extend(tensor(numel, offset, size, stride));
    p.extend(b"s.");
    p
}

fn floats(n: usize) -> Vec<u8> {
    (0..n).flat_map(|i| (i as f32).to_le_bytes()).collect()
}

fn load(pkl: &[u8], data: &[u8], zip64: bool) -> crate::error::Result<Vec<f32>> {
    let bytes = zip(&[("a/data.pkl", pkl), ("a/data/0", data)], zip64);
    let loaded = pytorch_from_bytes(&bytes, None)?;
    match loaded.state.get("w") {
        Some(Tensor::F32(a)) => Ok(a.iter().copied().collect()),
        other => panic!("not an f32 tensor: {other:?}"),
    }
}

#[test]
fn a_view_with_offset_and_strides_is_gathered_in_row_major_order() {
    // Storage 0..12 as a 3x4 matrix; the view is rows 0..2, columns 1 and 3: offset 1,
    // shape (2, 2), stride (4, 2).
    let got = load(&pickle(12, 1, &[2, 2], &[4, 2]), &floats(12), false).unwrap();
    assert_eq!(got, [1.0, 3.0, 5.0, 7.0]);
    // Transposed: shape (4, 3), stride (1, 4).
    let got = load(&pickle(12, 0, &[4, 3], &[1, 4]), &floats(12), false).unwrap();
    assert_eq!(got, [0.0, 4.0, 8.0, 1.0, 5.0, 9.0, 2.0, 6.0, 10.0, 3.0, 7.0, 11.0]);
    // Expanded: stride 0.
    let got = load(&pickle(12, 5, &[3], &[0]), &floats(12), false).unwrap();
    assert_eq!(got, [5.0; 3]);
}

#[test]
fn zip64_sizes_and_offsets_are_read() {
    let got = load(&pickle(4, 0, &[4], &[1]), &floats(4), true).unwrap();
    assert_eq!(got, [0.0, 1.0, 2.0, 3.0]);
}

#[test]
fn broken_archives_have_their_errors() {
    let pkl = pickle(4, 0, &[4], &[1]);
    let good = zip(&[("a/data.pkl", &pkl), ("a/data/0", &floats(4))], false);
    let err = |bytes: &[u8]| pytorch_from_bytes(bytes, None).unwrap_err().to_string();
    // The central directory's offset of the storage moved by one: no local header there.
    let cd = good.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    let mut moved = good.clone();
    moved[cd + 42] += 1;
    let offset =
        u32::from_le_bytes([moved[cd + 42], moved[cd + 43], moved[cd + 44], moved[cd + 45]]);
    assert_eq!(
        err(&moved),
        format!("zip archive: entry `a/data/0`: no local header signature at offset {offset}")
    );
    // A stored entry whose two sizes differ.
    let mut sizes = good.clone();
    sizes[cd + 20] += 1;
    assert_eq!(
        err(&sizes),
        "zip archive: entry `a/data/0`: is stored uncompressed but its compressed size 17 differs from its size 16"
    );
    // An entry whose size runs into the central directory (the pickle says 5 elements, the
    // directory 20 bytes, but only 16 are there).
    let pkl5 = pickle(5, 0, &[4], &[1]);
    let mut long = zip(&[("a/data.pkl", &pkl5), ("a/data/0", &floats(4))], false);
    let cd = long.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    long[cd + 20] += 4;
    long[cd + 24] += 4;
    let start = long.windows(8).position(|w| w == b"a/data/0").unwrap() + 8;
    let central = long.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    assert_eq!(
        err(&long),
        format!(
            "zip archive: entry `a/data/0`: data at {start}..+20 runs into the central directory (at {central})"
        )
    );
}

#[test]
fn a_dict_shared_by_many_keys_is_looked_at_once() {
    // `d` = {"a": t, "a": t, ..., "b": None} (100 000 items, not a state dict: its last value),
    // and the top-level dict maps 100 000 keys to `d`: looking at `d` once per key would be
    // 10^10 steps.
    const N: usize = 100_000;
    let mut p = b"\x80\x02}(X\x02\x00\x00\x00k0}q\x01(X\x01\x00\x00\x00aq\x03".to_vec();
    p.extend(tensor(4, 0, &[4], &[1]));
    p.extend(b"q\x02");
    p.extend(b"h\x03h\x02".repeat(N - 2));
    p.extend(b"X\x01\x00\x00\x00bNu");
    for i in 1..N {
        let key = format!("k{i}");
        p.push(b'X');
        p.extend((key.len() as u32).to_le_bytes());
        p.extend(key.as_bytes());
        p.extend(b"h\x01");
    }
    p.extend(b"u.");
    let bytes = zip(&[("a/data.pkl", &p), ("a/data/0", &floats(4))], false);
    let err = pytorch_from_bytes(&bytes, None).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "no state dict: the top-level dict is not a state dict (`k0` holds a dict)"
        ),
        "{err}"
    );
    assert!(err.ends_with(", `k11`, and 99988 more"), "{err}");
}

#[test]
fn the_first_broken_tensor_in_the_files_order_is_reported() {
    // Ten tensors `w0`..`w9` on storages `0`..`9`, read in parallel; storages 3, 6 and 9 are
    // corrupt, and the error is always about the first of them.
    let mut p = b"\x80\x02}(".to_vec();
    for k in 0..10u8 {
        p.extend(b"X\x02\x00\x00\x00w");
        p.push(b'0' + k);
        let mut t = tensor(4, 0, &[4], &[1]);
        let key = t.windows(6).position(|w| w == b"X\x01\x00\x00\x000").unwrap() + 5;
        t[key] = b'0' + k;
        p.extend(t);
    }
    p.extend(b"u.");
    let names: Vec<String> = (0..10).map(|k| format!("a/data/{k}")).collect();
    let data = floats(4);
    let mut entries: Vec<(&str, &[u8])> = vec![("a/data.pkl", &p)];
    entries.extend(names.iter().map(|n| (n.as_str(), &data[..])));
    let good = zip(&entries, false);
    assert_eq!(pytorch_from_bytes(&good, None).unwrap().state.len(), 10);
    let mut bad = good.clone();
    for k in [9, 6, 3] {
        let at = bad.windows(8).position(|w| w == format!("a/data/{k}").as_bytes()).unwrap();
        bad[at + 8 + 5] ^= 0x40;
    }
    for _ in 0..20 {
        let err = pytorch_from_bytes(&bad, None).unwrap_err().to_string();
        assert!(err.starts_with("zip archive: entry `a/data/3`: CRC-32 is "), "{err}");
    }
}
