#!/usr/bin/env python3
"""What the Hugging Face route needs to write a model's initial checkpoint: `from_config`
then `save_pretrained`, timed, with the process's peak RSS.

Usage (from the repository root, transformers installed in the venv outside git):
    .venv-torch/bin/python scripts/bench_hf_checkpoint.py --config CONFIG.json --out DIR \
        [--dtype bf16|f16|f32] [--max-shard-size 5GB]

CONFIG.json is a Hugging Face config (model_type llama or gpt2, e.g. the one init-ckpt reads).
The model is built on the CPU directly in the output dtype (`torch_dtype=`), so bf16 needs
2 bytes per parameter of RAM, f32 4: a 7B model in f32 (27 GB) does not fit a 24 GiB machine,
and the script reports where it stops (the kernel's OOM killer ends it; run it under
`/usr/bin/time -v` to see the peak RSS of a killed run). Prints one line per phase:
`phase seconds peak_rss_MiB`.
"""
import argparse
import json
import resource
import sys
import time


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f16", "f32"])
    ap.add_argument("--max-shard-size", default="5GB")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    dtype = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[args.dtype]
    with open(args.config) as f:
        family = json.load(f).get("model_type")
    config = AutoConfig.from_pretrained(args.config)
    print(f"import {time.perf_counter() - t0:.2f} {peak_mib():.0f}", flush=True)

    torch.manual_seed(args.seed)
    t = time.perf_counter()
    model = AutoModelForCausalLM.from_config(config, torch_dtype=dtype)
    n = sum(p.numel() for p in model.parameters())
    print(f"from_config {time.perf_counter() - t:.2f} {peak_mib():.0f} "
          f"({family}, {n} parameters, {args.dtype})", flush=True)

    t = time.perf_counter()
    model.save_pretrained(args.out, max_shard_size=args.max_shard_size)
    print(f"save_pretrained {time.perf_counter() - t:.2f} {peak_mib():.0f}", flush=True)
    print(f"total {time.perf_counter() - t0:.2f} {peak_mib():.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
