#!/usr/bin/env python3
"""Run our scheme benchmark next to PyTorch's and print our speed relative to PyTorch's.

Usage (from the repository root, PyTorch installed in a venv outside git):
    python3 -m venv .venv-torch && .venv-torch/bin/pip install torch numpy
    .venv-torch/bin/python scripts/bench_vs_torch.py [--torch-bench PATH]           # W1
    .venv-torch/bin/python scripts/bench_vs_torch.py --gpt2 [--repeat 3]            # W2
    .venv-torch/bin/python scripts/bench_vs_torch.py --kernels avx2,avx512          # W1 per build

Both benchmarks (and scripts/torch_bench_extra.py, PyTorch's side of `sparse`, `lecun_normal`
and `trunc_normal_narrow`) fill one 4096x4096 float32 tensor per scheme (orthogonal: 1024x1024 and
2048x2048), best of 5 after a warm-up, in the same run on the same machine. The table
lists seconds and `speedup = torch seconds / our seconds` (all threads), plus our 1-thread time.
With --kernels, ours runs once per named build of `Seed`'s fill kernels (`INIT_KERNEL`), each
with its own columns, followed by the raw Philox speed of each build (`cargo bench --bench
philox`, one thread).
Only the Python standard library is used here; torch runs in the subprocess.

With --gpt2 (W2), GPT-2 small (124M parameters) is built and initialized once per fresh
process, each case `--repeat` times, interleaving torch and ours, best time kept: torch
`default` (PyTorch's init), `reinit` (then Hugging Face's `_init_weights` through `apply`),
`meta` (meta device, `to_empty`, init once); ours `default`, `hf` (the same rules as struct
attributes, one pass) and `reinit` (default, then the rules at run time). Peak RSS is the
process's high-water mark (PyTorch's includes the Python interpreter and torch itself).
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, cwd=ROOT, env=None):
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def run_kernel(cmd, kernel):
    """`cmd` with INIT_KERNEL=kernel (the default choice when kernel is None)."""
    env = dict(os.environ)
    env.pop("INIT_KERNEL", None)
    if kernel:
        env["INIT_KERNEL"] = kernel
        print(f"(INIT_KERNEL={kernel})", file=sys.stderr, end=" ")
    return run(cmd, env=env)


def parse(text, tag):
    rows = {}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == tag:
            rows.setdefault(parts[1], []).append(parts[2:])
    return rows


def gpt2(args):
    run(["cargo", "bench", "--quiet", "--bench", "gpt2", "--no-run"])
    best = {}
    for _ in range(args.repeat):
        for case in ("default", "reinit", "meta"):
            line = run([sys.executable, args.torch_bench, case]).strip().splitlines()[-1]
            keep(best, line)
        for case in ("default", "hf", "reinit", "torch_default", "torch_reinit"):
            out = run(["cargo", "bench", "--quiet", "--bench", "gpt2", "--", case])
            keep(best, out.strip().splitlines()[-1])
    print("| who | case | parameters | seconds (best of %d) | Melem/s | peak RSS MiB |" % args.repeat)
    print("|---|---|---|---|---|---|")
    for (who, case), parts in best.items():
        rss = parts[4].split("=")[1]
        print(f"| {who} | {case} | {parts[1]} | {parts[2]} | {parts[3]} | {rss} |")


def keep(best, line):
    parts = line.split()
    key = (parts[0], parts[1])
    if key not in best or float(parts[2 + 1]) < float(best[key][2]):
        best[key] = [parts[0]] + parts[2:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--torch-bench", default=os.path.join(ROOT, "..", "shared", "bench", "torch_bench.py"))
    ap.add_argument("--gpt2", action="store_true", help="run W2 (GPT-2 small construction) instead of W1")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--kernels", help="W1 once per build of the fill kernels, e.g. avx2,avx512 (INIT_KERNEL)")
    args = ap.parse_args()
    if args.gpt2:
        return gpt2(args)

    kernels = args.kernels.split(",") if args.kernels else [None]
    torch_out = run([sys.executable, args.torch_bench])
    # The cases torch_bench.py does not time (sparse, the inverse-CDF comparison).
    extra = run([sys.executable, os.path.join(HERE, "torch_bench_extra.py")])
    ours = {k: parse(run_kernel(["cargo", "bench", "--quiet", "--bench", "schemes"], k), "ours") for k in kernels}
    torch = {k: float(v[0][1]) for k, v in parse(torch_out + extra, "torch").items()}

    print(torch_out.splitlines()[0])
    print()
    if kernels == [None]:
        head = "| scheme | elements | torch s | ours s (all threads) | ours s (1 thread) | Melem/s (all) | speedup vs torch |"
    else:
        head = "| scheme | elements | torch s | " + " | ".join(
            f"{k} s (all threads) | {k} s (1 thread) | {k} Melem/s (all) | {k} speedup vs torch" for k in kernels) + " |"
    print(head)
    print("|---" * head.count(" | ") + "|---|")
    for name in ours[kernels[0]]:
        t = torch.get(name)
        cells = []
        for k in kernels:
            by_threads = {int(r[0]): r for r in ours[k][name]}
            many = by_threads[max(by_threads)]
            one = by_threads.get(1, many)
            speed = f"{t / float(many[2]):.1f}x" if t else "(no torch case)"
            cells += [many[2], one[2], many[3], speed]
            elements = many[1]
        ts = f"{t:.4f}" if t else "-"
        print(f"| {name} | {elements} | {ts} | " + " | ".join(cells) + " |")
    if kernels != [None]:
        print()
        print("| build | words | seconds (best of 20) | Mwords/s (1 thread) | words/cycle | MHz |")
        print("|---|---|---|---|---|---|")
        for k in kernels:
            line = run_kernel(["cargo", "bench", "--quiet", "--bench", "philox"], k).strip().splitlines()[-1]
            p = line.split()
            print(f"| {p[2]} | {p[3]} | {p[4]} | {p[5]} | {p[6]} | {p[7]} |")

if __name__ == "__main__":
    main()
