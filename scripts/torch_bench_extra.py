#!/usr/bin/env python3
"""PyTorch's side of the W1 cases that ../shared/bench/torch_bench.py does not time.

Printed in torch_bench.py's format (`torch NAME ELEMENTS SECONDS MELEM_PER_S`), best of 5
after a warm-up, on one 4096x4096 float32 tensor, so `scripts/bench_vs_torch.py` puts each
next to ours of the same name:

* `sparse`: `nn.init.sparse_(w, sparsity=0.1)` (std 0.01): normal_, then one `randperm` per
  column for the rows it zeroes;
* `lecun_normal`: PyTorch has no lecun_normal_; the nearest call, and the one the issue
  compares against, is `trunc_normal_(w, std=0.02)` (torch_bench.py's `trunc_normal`),
  repeated here under our name so the table pairs them;
* `trunc_normal_narrow`: `trunc_normal_(w, mean=0, std=1, a=-0.5, b=0.5)`, a window of
  38% mass, the narrow-window branch of torch >= 2.12's sampler.
"""
import time

import torch
from torch import nn


def best(fn, reps=5):
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main():
    w = torch.empty(4096, 4096)
    n = w.numel()
    cases = [
        ("sparse", lambda: nn.init.sparse_(w, 0.1)),
        ("lecun_normal", lambda: nn.init.trunc_normal_(w, std=0.02)),
        ("trunc_normal_narrow", lambda: nn.init.trunc_normal_(w, 0.0, 1.0, -0.5, 0.5)),
    ]
    for name, fn in cases:
        s = best(fn)
        print(f"torch {name} {n} {s:.4f} {n / s / 1e6:.1f}")


if __name__ == "__main__":
    main()
