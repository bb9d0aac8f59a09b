#!/usr/bin/env python3
"""The real models of tests/fixtures/models/ saved with `torch.save`, kept small: for each case,
`tests/fixtures/pth/models/<case>.skeleton` and `<case>.json`.

    .venv-torch/bin/python scripts/torch_pth_models.py

Each case is built as `scripts/torch_models.py` builds it (`torch.manual_seed(seed)`, then the
library's constructor, which runs its own init), and its `state_dict()` is written by
`torch.save` to memory. A whole file would be 15 to 50 MB, so what is committed is the file
with the bytes of every storage entry cut out (the skeleton: torch's pickle, zip headers,
central directory and CRC-32s, byte for byte), plus `<case>.json`:

* `file_len`: the length of the whole file;
* `holes`: `[offset, length, entry, key, dtype]` in file order, one per storage: where its
  bytes were in the file, its zip entry, and the first state-dict key that is that whole
  storage (`torch.save` writes each storage once: GPT-2's tied `lm_head.weight` shares the
  embedding's);
* `tensors`: `[key, dtype, shape, facts]` in state-dict order, read back from the
  *safetensors* version of the same state dict (`safetensors.torch.save`, then `load`):
  for float32, `hash` (`bits_hash` of torch_models.py, of the exact bits) and `head` (the bits
  of the first 8 elements); for int64, `values`.

tests/test_pytorch_models.rs builds each model in Rust with `TorchGenerator` and the same seed
(bit-identical to the library's, tests/test_real_models.rs), pours each storage's bytes back
into its hole, and loads the file: the loader checks every entry's CRC-32 against torch's, so
the rebuilt file is torch's own, and each tensor must equal the safetensors version's facts.

ViT-tiny is saved as timm builds it but with `erfinv_` computed in float64 and rounded (see
`erfinv_f64_variant` in torch_models.py): timm's float `erfinv_` is MKL's, which differs in
the last bit on 0.03 % of inputs, and our `TorchGenerator` gives the correctly rounded value.
"""
import io
import json
import os
import struct
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_models as tm  # noqa: E402  (the same constructors and hash)

OUT = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "pth", "models")
MAX_TOTAL_BYTES = 1024 * 1024

CASES = [
    # (case, constructor, seed, erfinv in float64)
    ("resnet18", tm.resnet18, 0, False),
    ("dcgan", tm.dcgan, 999, False),
    ("gpt2_small_config", lambda: tm.gpt2(True), 0, False),
    ("vit_tiny_patch16_224", tm.vit_tiny, 0, True),
]


def build(ctor, seed, erfinv_f64):
    orig = torch.Tensor.erfinv_
    if erfinv_f64:
        torch.Tensor.erfinv_ = lambda self: self.copy_(torch.erfinv(self.double()).float())
    try:
        torch.manual_seed(seed)
        model, _ = ctor()
    finally:
        torch.Tensor.erfinv_ = orig
    return model.state_dict()


def whole_storage_keys(sd):
    """Storage data_ptr -> the first key whose tensor is that whole storage, in order."""
    out = {}
    for key, t in sd.items():
        s = t.untyped_storage()
        whole = t.storage_offset() == 0 and t.is_contiguous() and t.nbytes == s.nbytes()
        if whole:
            out.setdefault(s.data_ptr(), key)
    for key, t in sd.items():
        if t.untyped_storage().data_ptr() not in out:
            sys.exit(f"{key}: no key is its whole storage; the test could not refill it")
    return out


def holes(raw, sd):
    """[offset, length, entry, key, dtype] of every storage entry, in file order."""
    z = zipfile.ZipFile(io.BytesIO(raw))
    by_ptr = whole_storage_keys(sd)
    # The storage keys torch.save gives, in the order it meets the tensors: key "k" of
    # `archive/data/k` is the k-th distinct storage.
    ptrs = []
    for t in sd.values():
        p = t.untyped_storage().data_ptr()
        if p not in ptrs:
            ptrs.append(p)
    out = []
    for info in z.infolist():
        folder, _, rest = info.filename.partition("/")
        if not rest.startswith("data/"):
            continue
        assert info.compress_type == zipfile.ZIP_STORED
        name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
        start = info.header_offset + 30 + name_len + extra_len
        key = by_ptr[ptrs[int(rest[len("data/"):])]]
        dtype = str(sd[key].dtype).replace("torch.", "")
        assert raw[start : start + info.file_size] == sd[key].numpy().tobytes(), key
        out.append([start, info.file_size, info.filename, key, dtype])
    out.sort()
    return out


def facts(sd):
    """Each tensor of the safetensors version of `sd`, in state-dict order."""
    from safetensors.torch import load, save

    # A copy of every tensor: safetensors refuses tensors that share memory (GPT-2's tie).
    back = load(save({k: t.detach().clone().contiguous() for k, t in sd.items()}))
    out = []
    for key, t in sd.items():
        s = back[key]
        entry = {}
        if s.dtype == torch.float32:
            entry["hash"] = tm.bits_hash(s)
            entry["head"] = tm.f32_hex(s.reshape(-1)[:8].numpy())
        else:
            entry["values"] = s.reshape(-1).tolist()
        out.append([key, str(s.dtype).replace("torch.", ""), list(s.shape), entry])
    return out


def main():
    cap = torch.backends.cpu.get_cpu_capability()
    if cap not in ("AVX2", "AVX512"):
        sys.exit(f"need PyTorch's AVX2/AVX512 CPU kernels, this build runs {cap}")
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for case, ctor, seed, erfinv_f64 in CASES:
        sd = build(ctor, seed, erfinv_f64)
        buf = io.BytesIO()
        torch.save(sd, buf)
        raw = buf.getvalue()
        hs = holes(raw, sd)
        skeleton = bytearray()
        at = 0
        for start, length, *_ in hs:
            skeleton += raw[at:start]
            at = start + length
        skeleton += raw[at:]
        meta = {
            "case": case,
            "seed": seed,
            "erfinv_f64": erfinv_f64,
            "versions": tm.versions(),
            "file_len": len(raw),
            "holes": hs,
            "tensors": facts(sd),
        }
        with open(os.path.join(OUT, case + ".skeleton"), "wb") as f:
            f.write(skeleton)
        with open(os.path.join(OUT, case + ".json"), "w") as f:
            json.dump(meta, f, indent=0)
            f.write("\n")
        size = len(skeleton) + os.path.getsize(os.path.join(OUT, case + ".json"))
        total += size
        print(f"{case}: file {len(raw)} bytes, {len(hs)} storages, committed {size} bytes")
    print(f"total committed: {total} bytes")
    if total > MAX_TOTAL_BYTES:
        sys.exit(f"fixtures too large: {total} > {MAX_TOTAL_BYTES}")


if __name__ == "__main__":
    main()
