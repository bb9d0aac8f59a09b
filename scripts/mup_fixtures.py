#!/usr/bin/env python3
"""Write tests/fixtures/mup/mup.json: microsoft/mup's base shapes, μP init and optimizer
multipliers for two small models at three widths, for tests/test_mup.rs.

Run by hand from the repository root with PyTorch and mup (`pip install mup`, 1.0.0) in a venv
outside git:

    /work/venv-torch/bin/python scripts/mup_fixtures.py

Models (registration order = `named_parameters` order, as the Rust twins in tests/test_mup.rs):

* `mlp(w)`: `fc1 = Linear(16, w)`, `fc2 = Linear(w, w)`, `out = MuReadout(w, 10)`;
* `tiny(w)`: `emb = Embedding(50, w)`, `q`, `k`, `v`, `o = Linear(w, w)`, `ln = LayerNorm(w)`,
  `fc = Linear(w, 4w)`, `proj = Linear(4w, w)`, `head = MuReadout(w, 50)`.

The base model has width 32, the delta model width 64 (both built before the seed is set, so
they draw nothing that matters); the targets have widths 64, 128 and 256. For each model,
width and program:

    torch.manual_seed(SEED); model = ctor(width)
    set_base_shapes(model, base, delta=delta)        # rescale_params=True
    for name, p in model.named_parameters(): <program's mup.init call for name, if any>

and records per parameter `hash` (`bits_hash`, as scripts/torch_models.py) and `head` (the
bits of the first 8 values, hex), and for each mup.init call the arguments of the one
`normal_`/`uniform_` it made (`mean`, `std` or `a`, `b`). Every float is written as the hex of
its IEEE-754 bits (`fbits`), so that no JSON reader can round it.
Per model, `bsh`: the text of mup's `.bsh` file of base and delta (`make_base_shapes`).
Per model and width (not per program): the infshapes (`base`: base dims with null for finite
ones, `shape`), `ninf`, `width_mult`, and the param groups of MuAdam/MuAdamW/MuSGD built with
lr = 1 and weight_decay = 1 (their lr and wd are then the multipliers) and with lr = 0.003,
weight_decay = 0.01 (the exact values a training run gets).
"""
import importlib.metadata
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np
import torch
from torch import nn

import mup
from mup import MuAdam, MuAdamW, MuReadout, MuSGD, set_base_shapes

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from torch_models import bits_hash  # noqa: E402  (the one hash of every model fixture)

OUT = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "mup", "mup.json")
SEED = 7
BASE, DELTA, WIDTHS = 32, 64, [64, 128, 256]


def fbits(x):
    """A Python float as the hex of its IEEE bits: exact whatever the JSON reader."""
    return f"{struct.unpack('<Q', struct.pack('<d', float(x)))[0]:016x}"


def head(t):
    v = t.detach().contiguous().view(-1)[:8].numpy().astype(np.float32).view(np.uint32)
    return [f"{int(x):08x}" for x in v]


class Mlp(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.fc1 = nn.Linear(16, w)
        self.fc2 = nn.Linear(w, w)
        self.out = MuReadout(w, 10)


class Tiny(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.emb = nn.Embedding(50, w)
        self.q = nn.Linear(w, w)
        self.k = nn.Linear(w, w)
        self.v = nn.Linear(w, w)
        self.o = nn.Linear(w, w)
        self.ln = nn.LayerNorm(w)
        self.fc = nn.Linear(w, 4 * w)
        self.proj = nn.Linear(4 * w, w)
        self.head = MuReadout(w, 50)


MODELS = {"mlp": Mlp, "tiny": Tiny}
I = mup.init
ZERO = "zeros"

# Program name -> model -> {parameter: (mup.init function name, kwargs)}; parameters not
# listed keep what construction and set_base_shapes gave them.
PROGRAMS = {
    "set_base_shapes": {"mlp": {}, "tiny": {}},
    "normal": {
        "mlp": {
            "fc1.weight": ("normal_", {"std": 0.02}),
            "fc2.weight": ("normal_", {"std": 0.02}),
            "out.weight": ("normal_", {"std": 0.02}),
        },
        "tiny": {
            "emb.weight": ("normal_", {"std": 1.0}),
            "q.weight": (ZERO, {}),
            "k.weight": ("normal_", {"std": 0.02}),
            "v.weight": ("normal_", {"std": 0.02}),
            "o.weight": ("normal_", {"std": 0.02}),
            "fc.weight": ("normal_", {"std": 0.02}),
            "proj.weight": ("normal_", {"std": 0.02}),
            "head.weight": (ZERO, {}),
            "head.bias": (ZERO, {}),
        },
    },
    "uniform": {
        "mlp": {
            "fc1.weight": ("uniform_", {"a": -0.05, "b": 0.05}),
            "fc1.bias": ("uniform_", {"a": 0.0, "b": 0.1}),
            "fc2.weight": ("uniform_", {"a": -0.05, "b": 0.05}),
        },
        "tiny": {},
    },
    "xavier": {
        "mlp": {
            "fc1.weight": ("xavier_uniform_", {}),
            "fc2.weight": ("xavier_normal_", {"gain": 2.0}),
            "out.weight": ("xavier_uniform_", {"gain": 0.5}),
        },
        "tiny": {
            "q.weight": ("xavier_uniform_", {}),
            "k.weight": ("xavier_uniform_", {}),
            "v.weight": ("xavier_normal_", {}),
            "o.weight": ("xavier_normal_", {}),
            "fc.weight": ("xavier_uniform_", {}),
            "proj.weight": ("xavier_normal_", {}),
        },
    },
    "trunc_normal": {
        "mlp": {
            "fc1.weight": ("trunc_normal_", {"std": 0.02, "a": -0.04, "b": 0.04}),
            "fc2.weight": ("trunc_normal_", {"std": 0.02, "a": -0.04, "b": 0.04}),
            "out.weight": ("trunc_normal_", {"mean": 0.01, "std": 0.02, "a": -0.03, "b": 0.05}),
        },
        "tiny": {
            "q.weight": ("trunc_normal_", {}),
            "fc.weight": ("trunc_normal_", {"std": 0.02, "a": -0.04, "b": 0.04}),
        },
    },
    "kaiming": {
        "mlp": {
            "fc1.weight": ("kaiming_normal_", {"nonlinearity": "relu"}),
            "fc2.weight": ("kaiming_uniform_", {"a": math.sqrt(5)}),
            "out.weight": ("kaiming_normal_", {"mode": "fan_out"}),
        },
        "tiny": {
            "emb.weight": ("kaiming_uniform_", {"mode": "fan_out"}),
            "q.weight": ("kaiming_normal_", {"mode": "fan_out"}),
            "k.weight": ("kaiming_uniform_", {"mode": "fan_in", "nonlinearity": "relu"}),
            "fc.weight": ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
            "proj.weight": ("kaiming_uniform_", {"mode": "fan_out"}),
            "head.weight": ("kaiming_uniform_", {"mode": "fan_in"}),
        },
    },
}


class Record:
    """The arguments of the `normal_`/`uniform_` calls made while it is active."""

    def __init__(self):
        self.calls = []

    def __enter__(self):
        self.normal, self.uniform = torch.Tensor.normal_, torch.Tensor.uniform_
        self.trunc = I._no_grad_trunc_normal_
        self.inside = False
        rec = self

        def normal_(t, mean=0.0, std=1.0, *, generator=None):
            if not rec.inside:
                rec.calls.append({"op": "normal_", "mean": fbits(mean), "std": fbits(std)})
            return rec.normal(t, mean, std, generator=generator)

        def uniform_(t, a=0.0, b=1.0, *, generator=None):
            if not rec.inside:
                rec.calls.append({"op": "uniform_", "a": fbits(a), "b": fbits(b)})
            return rec.uniform(t, a, b, generator=generator)

        def trunc(t, mean, std, a, b, *args, **kwargs):
            rec.calls.append({
                "op": "trunc_normal_", "mean": fbits(mean), "std": fbits(std),
                "a": fbits(a), "b": fbits(b),
            })
            rec.inside = True
            try:
                return rec.trunc(t, mean, std, a, b, *args, **kwargs)
            finally:
                rec.inside = False

        torch.Tensor.normal_, torch.Tensor.uniform_ = normal_, uniform_
        # mup.init's sampler calls the name it imported from torch.nn.init.
        I._no_grad_trunc_normal_ = trunc
        return self

    def __exit__(self, *exc):
        torch.Tensor.normal_, torch.Tensor.uniform_ = self.normal, self.uniform
        I._no_grad_trunc_normal_ = self.trunc


def run(model_name, width, program):
    ctor = MODELS[model_name]
    base, delta = ctor(BASE), ctor(DELTA)
    torch.manual_seed(SEED)
    model = ctor(width)
    set_base_shapes(model, base, delta=delta)
    calls = {}
    for name, p in model.named_parameters():
        step = PROGRAMS[program][model_name].get(name)
        if step is None:
            continue
        fn, kwargs = step
        if fn == ZERO:
            with torch.no_grad():
                p.zero_()
            calls[name] = {"fn": fn, "kwargs": {}}
            continue
        with Record() as rec:
            getattr(I, fn)(p, **kwargs)
        assert len(rec.calls) == 1, (name, rec.calls)
        args = {k: fbits(v) if isinstance(v, float) else v for k, v in kwargs.items()}
        calls[name] = {"fn": fn, "kwargs": args, **rec.calls[0]}
    tensors = {n: {"hash": bits_hash(p), "head": head(p)} for n, p in model.named_parameters()}
    return model, calls, tensors


def groups(model, opt, lr, wd):
    out = {}
    for g in opt(model.parameters(), lr=lr, weight_decay=wd).param_groups:
        for p in g["params"]:
            out[id(p)] = [g["lr"], g["weight_decay"]]
    return [out[id(p)] for _, p in model.named_parameters()]


def shapes_and_multipliers(model):
    names = [n for n, _ in model.named_parameters()]
    params = []
    for n, p in model.named_parameters():
        s = p.infshape
        params.append({
            "name": n,
            "base": [d.base_dim for d in s],
            "shape": [d.dim for d in s],
            "ninf": s.ninf(),
            "width_mult": fbits(s.width_mult()),
        })
    for opt_name, opt in (("adam", MuAdam), ("adamw", MuAdamW), ("sgd", MuSGD)):
        for tag, lr, wd in (("unit", 1.0, 1.0), ("run", 0.003, 0.01)):
            for entry, (glr, gwd) in zip(params, groups(model, opt, lr, wd)):
                entry[f"{opt_name}_{tag}"] = [fbits(glr), fbits(gwd)]
    assert [e["name"] for e in params] == names
    return params


def main():
    cap = torch.backends.cpu.get_cpu_capability()
    if cap not in ("AVX2", "AVX512"):
        sys.exit(f"need PyTorch's AVX2/AVX512 CPU kernels, this build runs {cap}")
    torch.set_default_dtype(torch.float32)
    cases = []
    for model_name in MODELS:
        for width in WIDTHS:
            case = {"model": model_name, "width": width, "programs": {}}
            for program in PROGRAMS:
                if program != "set_base_shapes" and not PROGRAMS[program][model_name]:
                    continue
                model, calls, tensors = run(model_name, width, program)
                case["programs"][program] = {"calls": calls, "tensors": tensors}
            case["params"] = shapes_and_multipliers(model)
            cases.append(case)
    bsh = {}
    for model_name, ctor in MODELS.items():
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "base.bsh")
            mup.make_base_shapes(ctor(BASE), ctor(DELTA), savefile=path)
            with open(path) as f:
                bsh[model_name] = f.read()
    doc = {
        "bsh": bsh,
        "versions": {"torch": torch.__version__, "mup": importlib.metadata.version("mup"), "numpy": np.__version__},
        "seed": SEED,
        "base_width": BASE,
        "delta_width": DELTA,
        "widths": WIDTHS,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"))
    with open(OUT, "w") as f:
        f.write(text + "\n")
    print(f"wrote {OUT}: {len(text)} bytes")


if __name__ == "__main__":
    main()
