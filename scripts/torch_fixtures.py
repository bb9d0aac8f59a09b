#!/usr/bin/env python3
"""Write tests/fixtures/torch_init.txt: `torch.nn.init` outputs recorded by PyTorch itself.

Run by hand from the repository root, with PyTorch installed in a venv outside git:

    .venv-torch/bin/python scripts/torch_fixtures.py

The output is committed (CI has no PyTorch); tests/test_torch_parity.rs reads it with
include_str! and checks that `Init::X { .. }.apply` with `TorchGenerator::new(seed)` gives the
same float32 bits and consumes the same random numbers.

For every case: `torch.manual_seed(seed)`, `t = torch.empty(shape)`, one `torch.nn.init`
call (with only the non-default keyword arguments, so PyTorch's own defaults are exercised),
then two probes of the generator state: `torch.empty(1).uniform_()` (which raw 32-bit word
comes next) and then `torch.empty(1).normal_()` (whether a cached double normal is pending:
the 1-element normal returns it if so, and draws four fresh words if not).

Line format (one case per line, fields separated by " | "):

    name | seed | shape | args | values | next

* name:   the torch.nn.init function, e.g. `kaiming_uniform_`;
* seed:   the `torch.manual_seed` argument;
* shape:  comma-separated dimensions;
* args:   space-separated `key=value`, *all* arguments including defaults; floats are Python
          `repr` (shortest round-trip form, so they parse to the same f64), strings bare;
* values: the tensor's float32 bit patterns, 8 hex digits each, space-separated, row-major;
* next:   `u=<hex> n=<hex>`, the two probes above as float32 bits.

Lines starting with `#` are comments. The CPU capability matters (reference §4.9): the
fixture must be written on an x86-64 machine whose PyTorch uses the AVX2 (or AVX-512)
kernels; the script refuses otherwise.
"""
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "torch_init.txt")

SEEDS = (0, 7)
SMALL = (3, 5)  # 15 elements: normal_ path S (double Box-Muller), leaves a cached normal
MID = (5, 7)  # 35 elements: normal_ path F with the 16-element tail re-draw
CONV = (4, 2, 3, 3)  # 72 elements, a conv weight
CONV1 = (3, 1, 3, 3)  # 27 elements, nn.Conv2d(1, 3, 3).weight

# PyTorch's defaults of each function (everything but `tensor` and `generator`).
DEFAULTS = {
    "uniform_": {"a": 0.0, "b": 1.0},
    "normal_": {"mean": 0.0, "std": 1.0},
    "trunc_normal_": {"mean": 0.0, "std": 1.0, "a": -2.0, "b": 2.0},
    "constant_": {},
    "ones_": {},
    "zeros_": {},
    "eye_": {},
    "dirac_": {"groups": 1},
    "xavier_uniform_": {"gain": 1.0},
    "xavier_normal_": {"gain": 1.0},
    "kaiming_uniform_": {"a": 0.0, "mode": "fan_in", "nonlinearity": "leaky_relu"},
    "kaiming_normal_": {"a": 0.0, "mode": "fan_in", "nonlinearity": "leaky_relu"},
    "orthogonal_": {"gain": 1.0},
    "sparse_": {"std": 0.01},
}

SQRT5 = math.sqrt(5.0)

# (function, shapes, keyword arguments passed to torch)
CASES = [
    ("uniform_", [SMALL, MID], {}),
    ("uniform_", [SMALL, CONV], {"a": -0.3, "b": 0.7}),
    ("uniform_", [(16,)], {"a": -2.5, "b": 1.25}),
    ("normal_", [SMALL, (16,), MID], {}),
    ("normal_", [(2,), SMALL, MID, CONV], {"mean": 0.5, "std": 2.0}),
    ("trunc_normal_", [SMALL, MID], {}),
    ("trunc_normal_", [SMALL, MID, CONV], {"std": 0.02}),
    # p = 0.68: several whole-tensor redraws
    ("trunc_normal_", [SMALL, MID, CONV], {"std": 1.0, "a": -1.0, "b": 1.0}),
    ("trunc_normal_", [SMALL, MID], {"mean": 0.5, "std": 1.0, "a": -1.0, "b": 2.0}),
    ("trunc_normal_", [MID], {"mean": 0.1, "std": 0.3, "a": -0.2, "b": 0.4}),
    ("constant_", [SMALL], {"val": 0.3}),
    ("constant_", [(2, 3, 2)], {"val": -1.0 / 3.0}),
    ("ones_", [(2, 3)], {}),
    ("zeros_", [(2, 3)], {}),
    ("eye_", [SMALL, (5, 3), (4, 4)], {}),
    ("dirac_", [CONV, (4, 4, 3), (2, 2, 1, 2, 3), (3, 2, 4, 4)], {}),
    ("dirac_", [(4, 4, 3), (6, 2, 3, 3)], {"groups": 2}),
    ("xavier_uniform_", [SMALL, MID], {}),
    ("xavier_uniform_", [CONV], {"gain": 1.5}),
    ("xavier_normal_", [SMALL, MID], {}),
    ("xavier_normal_", [CONV], {"gain": 2.0}),
    ("kaiming_uniform_", [SMALL, MID, CONV1, CONV], {"a": SQRT5}),
    ("kaiming_uniform_", [SMALL, CONV], {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_uniform_", [MID], {}),
    ("kaiming_normal_", [SMALL, MID], {}),
    ("kaiming_normal_", [CONV], {"nonlinearity": "relu"}),
    ("kaiming_normal_", [SMALL, CONV], {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", [MID, CONV], {"a": 0.2}),
    ("kaiming_normal_", [SMALL, CONV], {"nonlinearity": "tanh"}),
    ("sparse_", [(10, 4), MID], {"sparsity": 0.1}),
    ("sparse_", [SMALL, MID], {"sparsity": 0.5, "std": 1.0}),
    ("sparse_", [(4, 3)], {"sparsity": 0.0, "std": 0.5}),
    ("orthogonal_", [SMALL, MID, (7, 5), (6, 6), CONV], {}),
    ("orthogonal_", [SMALL, (7, 5)], {"gain": 2.0}),
    # Degenerate ranges: PyTorch still draws one word (uniform_) or runs the normal kernel
    # (normal_) even though every value equals the bound/mean.
    ("uniform_", [SMALL], {"a": 0.25, "b": 0.25}),
    ("normal_", [SMALL, MID], {"mean": 0.5, "std": 0.0}),
]


def hex32(x):
    return "%08x" % struct.unpack("<I", struct.pack("<f", x))[0]


def fmt_arg(v):
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, float):
        s = repr(v)
        assert float(s) == v
        return s
    return str(v)


def trunc_window(args):
    def phi(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    m, s = args["mean"], args["std"]
    return phi((args["b"] - m) / s) - phi((args["a"] - m) / s)


def main():
    cap = torch.backends.cpu.get_cpu_capability()
    if cap not in ("AVX2", "AVX512"):
        sys.exit(f"need PyTorch's AVX2/AVX512 CPU kernels, this build runs {cap}")
    lines = [
        f"# torch.nn.init fixtures written by scripts/torch_fixtures.py with torch {torch.__version__},",
        f"# CPU capability {cap}, float32. Do not edit: re-run the script.",
        "# name | seed | shape | args (all, incl. defaults) | values (f32 bits) | next: u=uniform_(1) n=normal_(1) after the call",
    ]
    for name, shapes, kwargs in CASES:
        args = dict(DEFAULTS[name])
        args.update(kwargs)
        if name == "trunc_normal_":
            # The narrow-window branch (p <= 0.3) accepts through torch's vectorised log_,
            # not bit-exact by design: not a parity case.
            assert trunc_window(args) > 0.3, args
        fn = getattr(torch.nn.init, name)
        for shape in shapes:
            for seed in SEEDS:
                torch.manual_seed(seed)
                t = torch.empty(shape, dtype=torch.float32)
                fn(t, **kwargs)
                values = t.flatten().tolist()
                u = torch.empty(1).uniform_().item()
                n = torch.empty(1).normal_().item()
                fields = [
                    name,
                    str(seed),
                    ",".join(str(d) for d in shape),
                    " ".join(f"{k}={fmt_arg(v)}" for k, v in args.items()),
                    " ".join(hex32(v) for v in values),
                    f"u={hex32(u)} n={hex32(n)}",
                ]
                lines.append(" | ".join(fields))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines) - 3} cases, {os.path.getsize(OUT)} bytes to {OUT}")


if __name__ == "__main__":
    main()
