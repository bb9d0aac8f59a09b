"""Check a checkpoint written by init-ckpt in PyTorch, against transformers itself.

Run: .venv-torch/bin/python scripts/check_ckpt.py DIR [--f32 DIR_F32]

DIR holds config.json and model.safetensors, or model-0000k-of-0000n.safetensors and
model.safetensors.index.json. Checks, each printed as ok/FAIL:
- the files: the index's weight_map and metadata.total_size against the shards' contents,
  every shard named in the index present and holding exactly its keys, nothing else left in
  the directory (no temporary or partial file);
- keys, order of the shards, shapes and dtypes against what `save_pretrained` writes for the
  same config (a model built by transformers on the meta device; the tied head left out);
- values against Hugging Face's init rule: for a small model (under 50M parameters) the model
  is also built for real by transformers and each tensor's std compared with the std of HF's
  own init (within 10%), constant tensors (norms, biases) compared exactly, and the rows that
  are all zero (padding_idx) compared;
- with --f32 DIR_F32 (the same command with --dtype f32): every tensor of DIR equals the f32
  tensor rounded to DIR's dtype (`.to(torch.bfloat16)`), bit for bit;
- `AutoModelForCausalLM.from_pretrained(DIR)`: no missing, unexpected or mismatched key, every
  parameter equal to the file's tensor (the tied head to the embedding), finite logits.
"""
import argparse
import json
import os
import sys

import torch
from safetensors import safe_open
from transformers import AutoConfig, AutoModelForCausalLM

FAILS = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)
    return ok


def read_dir(d):
    """The tensors of DIR (key -> tensor) in file order, and the list of files."""
    index_path = os.path.join(d, "model.safetensors.index.json")
    if os.path.exists(index_path):
        index = json.load(open(index_path))
        files = sorted(set(index["weight_map"].values()))
    else:
        index, files = None, ["model.safetensors"]
    tensors = {}
    per_file = {}
    for f in files:
        path = os.path.join(d, f)
        if not check(os.path.exists(path), f"{f} exists"):
            continue
        with safe_open(path, "pt") as h:
            per_file[f] = list(h.keys())
            for k in h.keys():
                tensors[k] = h.get_tensor(k)
    return index, files, per_file, tensors


def check_files(d, index, files, per_file, tensors):
    if index is not None:
        wm = index["weight_map"]
        check(set(wm) == set(tensors), f"index weight_map lists the {len(tensors)} tensors of the shards")
        for f, keys in per_file.items():
            check(all(wm.get(k) == f for k in keys), f"{f}: each of its {len(keys)} keys mapped to it")
        total = sum(t.numel() * t.element_size() for t in tensors.values())
        check(index["metadata"]["total_size"] == total, f"metadata.total_size = {total} bytes")
        n = len(files)
        names = [f"model-{i:05d}-of-{n:05d}.safetensors" for i in range(1, n + 1)]
        check(files == names, f"shard names model-0000k-of-{n:05d}")
    expected = set(files) | {"config.json"} | ({"model.safetensors.index.json"} if index else set())
    extra = sorted(set(os.listdir(d)) - expected)
    check(not extra, f"nothing else in the directory {extra if extra else ''}")


def reference(config):
    """save_pretrained's keys, shapes and tied keys, from a model on the meta device."""
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    seen, keys = {}, []
    for k, p in model.state_dict(keep_vars=True).items():
        if id(p) in seen:
            continue  # a tied alias: save_pretrained writes its target only
        seen[id(p)] = k
        keys.append((k, tuple(p.shape)))
    params = sum(p.numel() for p in model.parameters())
    return keys, params


def hf_init_stats(config):
    """Each tensor of transformers' own init of the model (small models only)."""
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    return {k: v.detach().float() for k, v in model.state_dict().items()}


def compare_to_rule(key, ours, hf):
    ours = ours.float()
    if bool((hf == hf.reshape(-1)[0]).all()):
        return check(torch.equal(ours, hf), f"{key}: constant {hf.reshape(-1)[0].item()} as HF")
    std, hf_std = ours.std(unbiased=False).item(), hf.std(unbiased=False).item()
    ok = abs(std / hf_std - 1) < 0.1
    if ours.dim() == 2:
        zero = lambda t: [i for i in range(t.shape[0]) if bool((t[i] == 0).all())]
        ok &= zero(ours) == zero(hf)
    return check(ok, f"{key}: std {std:.5f}, HF's init {hf_std:.5f}, same zero rows")


def check_f32(tensors, d32):
    _, _, _, ref = read_dir(d32)
    for k, t in tensors.items():
        r = ref[k].to(t.dtype)
        same = torch.equal(r.view(torch.int16), t.view(torch.int16)) if t.element_size() == 2 else torch.equal(r, t)
        check(same and ref[k].dtype == torch.float32, f"{k}: equals the f32 output rounded to {t.dtype}")


def check_from_pretrained(d, tensors, dtype):
    model, info = AutoModelForCausalLM.from_pretrained(d, output_loading_info=True, dtype=dtype)
    bad = {k: v for k, v in info.items() if v}
    check(not bad, f"from_pretrained: no missing/unexpected/mismatched keys {bad if bad else ''}")
    sd = model.state_dict()
    same = all(torch.equal(sd[k], t) for k, t in tensors.items())
    check(same, f"from_pretrained: {len(tensors)} tensors equal to the files'")
    tied = [k for k in sd if k not in tensors]
    for k in tied:
        check(any(torch.equal(sd[k], t) for t in tensors.values()), f"from_pretrained: tied {k} equals its target")
    ids = torch.arange(8).reshape(1, 8) % model.config.vocab_size
    with torch.no_grad():
        logits = model(ids).logits
    check(bool(torch.isfinite(logits).all()), f"forward: logits {tuple(logits.shape)} finite")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--f32", help="the same checkpoint written with --dtype f32")
    a = ap.parse_args()
    config = AutoConfig.from_pretrained(a.dir)
    dtype = config.dtype if isinstance(config.dtype, torch.dtype) else getattr(torch, str(config.dtype))
    index, files, per_file, tensors = read_dir(a.dir)
    check_files(a.dir, index, files, per_file, tensors)

    keys, params = reference(config)
    got = [(k, tuple(t.shape)) for k, t in tensors.items()]
    check(sorted(got) == sorted(keys), f"{len(keys)} keys and shapes as save_pretrained's")
    check(all(t.dtype == dtype for t in tensors.values()), f"every tensor {dtype}")

    if params < 50_000_000:
        hf = hf_init_stats(config)
        for k, t in tensors.items():
            compare_to_rule(k, t, hf[k])
    else:
        print(f"skip statistics against HF's init: {params} parameters")
    if a.f32:
        check_f32(tensors, a.f32)
    check_from_pretrained(a.dir, tensors, dtype)
    print(f"{'FAILED' if FAILS else 'PASSED'}: {len(FAILS)} failures")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
