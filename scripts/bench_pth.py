#!/usr/bin/env python3
"""Loading GPT-2 small's `.pth` (about 500 MB): `init::load_pytorch` against
`torch.load(weights_only=True)`, in the same run, each in a fresh process, under
`/usr/bin/time -v`.

Usage (from the repository root; run it on a quiet machine, `uptime` load < 2):
    .venv-torch/bin/python scripts/bench_pth.py [--runs 3] [--path /tmp/gpt2_small.pth]

The file is made once with transformers' `GPT2LMHeadModel(GPT2Config())` and
`torch.save(model.state_dict(), path)` (tied `lm_head.weight` included, as PyTorch lists it),
in /tmp, never committed. Each side runs `--runs` times, one load per process; for each, the
load's own time (measured around the call, without the interpreter's start and `import
torch`), `/usr/bin/time`'s elapsed time and its maximum resident set size. PyTorch's RSS
includes the interpreter and torch itself, measured before the load and printed too. The
lines printed are the best time and the largest RSS of the runs. Goal (issue 11): no slower
than torch, RSS at most the tensors' size + 64 MiB.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

TORCH_SIDE = r"""
import resource, sys, time, torch
path = sys.argv[1]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
sd = torch.load(path, weights_only=True, mmap=False)
took = time.perf_counter() - t
size = sum(v.numel() * v.element_size() for v in sd.values()) / 2**20
print(f"torch load_pth {took:.3f} tensor_MiB={size:.0f} before_load_MiB={base:.0f} tensors={len(sd)}")
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


def timed(cmd):
    """`cmd` under /usr/bin/time -v: (its stdout line, elapsed seconds, max RSS in MiB)."""
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, check=True, capture_output=True, text=True)
    fields = dict(
        line.strip().rsplit(": ", 1) for line in r.stderr.splitlines() if ": " in line
    )
    h, m, sec = (["0"] + fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"))[-3:]
    elapsed = int(h) * 3600 + int(m) * 60 + float(sec)
    rss = int(fields["Maximum resident set size (kbytes)"]) / 1024
    return r.stdout.strip(), elapsed, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--path", default="/tmp/gpt2_small.pth")
    args = ap.parse_args()
    make(args.path)
    subprocess.run(["cargo", "build", "--release", "--example", "load_pth"], cwd=ROOT, check=True)
    ours = os.path.join(ROOT, "target", "release", "examples", "load_pth")
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    sides = {
        "torch": [sys.executable, "-c", TORCH_SIDE, args.path],
        "ours": [ours, args.path],
    }
    results = {name: [] for name in sides}
    for _ in range(args.runs):
        # Alternating, so that both sides see the same page cache and load.
        for name, cmd in sides.items():
            line, elapsed, rss = timed(cmd)
            load = float(line.split()[2])
            results[name].append((load, elapsed, rss, line))
            print(f"  {name}: load {load:.3f} s, elapsed {elapsed:.2f} s, max RSS {rss:.0f} MiB")
    for name, runs in results.items():
        best = min(r[0] for r in runs)
        best_elapsed = min(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        print(f"{name}: best load {best:.3f} s, best elapsed {best_elapsed:.2f} s, "
              f"max RSS {rss:.0f} MiB ({runs[0][3]})")
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
