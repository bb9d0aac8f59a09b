#!/usr/bin/env python3
"""Loading GPT-2 small's `.pth` (about 500 MB): `init::load_pytorch` against
`torch.load(weights_only=True)`, in the same run, each in a fresh process, with peak RSS.

Usage (from the repository root; run it on a quiet machine, `uptime` load < 2):
    .venv-torch/bin/python scripts/bench_pth.py [--repeat 3] [--path /tmp/gpt2_small.pth]

The file is made once with transformers' `GPT2LMHeadModel(GPT2Config())` and
`torch.save(model.state_dict(), path)` (tied `lm_head.weight` included, as PyTorch lists it),
in /tmp, never committed. Each side loads it `--repeat` times in one process and reports the
best time and the process's high-water RSS (PyTorch's includes the interpreter and torch
itself, measured before the load and printed too). Goal (issue [11]): no slower than torch,
RSS at most the tensors' size + 64 MiB.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

TORCH_SIDE = r"""
import resource, sys, time, torch
path, repeat = sys.argv[1], int(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
best = float("inf")
for _ in range(repeat):
    t = time.perf_counter()
    sd = torch.load(path, weights_only=True, mmap=False)
    best = min(best, time.perf_counter() - t)
    size = sum(v.numel() * v.element_size() for v in sd.values()) / 2**20
    del sd
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"torch load_pth {best:.3f} peak_rss_MiB={peak:.0f} tensor_MiB={size:.0f} before_load_MiB={base:.0f}")
"""


def make(path):
    if os.path.exists(path):
        return
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config())
    torch.save(model.state_dict(), path)
    print(f"wrote {path}: {os.path.getsize(path) / 2**20:.0f} MiB", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--path", default="/tmp/gpt2_small.pth")
    args = ap.parse_args()
    make(args.path)
    subprocess.run(["cargo", "build", "--release", "--example", "load_pth"], cwd=ROOT, check=True)
    ours = os.path.join(ROOT, "target", "release", "examples", "load_pth")
    for cmd in (
        [sys.executable, "-c", TORCH_SIDE, args.path, str(args.repeat)],
        [ours, args.path, str(args.repeat)],
    ):
        print(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
