#!/usr/bin/env python3
"""Write tests/fixtures/recipes/reference.json: the numbers of the init recipes' reference code.

Run by hand from the repository root with the venv of the other fixture scripts (PyTorch and
timm installed; torchtitan, megatron-core and torchscale are fetched as wheels, not installed,
because their imports pull in distributed-training stacks):

    .venv-torch/bin/python scripts/recipe_fixtures.py

What is recorded, and from where:

* `torchtitan`: `depth_scaled_std(0.02, layer_id)` for layer_id 0..31, executed from
  torchtitan 0.3.0's own `torchtitan/models/common/param_init.py` (the function's source is
  taken out of the wheel with `ast` and run alone), and the output head's std `dim ** -0.5`
  as `_output_linear_init` in `torchtitan/models/llama3/__init__.py` writes it (its source
  checked to still say so).
* `megatron`: `scaled_init_method_normal(sigma, num_layers)`'s std for a few pairs, executed
  from megatron-core 0.16.1's `megatron/core/utils.py` the same way (the returned partial's
  `std` keyword).
* `torchscale`: the divisor `init_scale` of DeepNorm in torchscale 0.3.0's
  `torchscale/architecture/encoder.py` and `decoder.py`, evaluated from the expressions found
  in the source, for the architectures and depths the tests use.
* `timm_vit_jax`: per-tensor std/mean/min/max of timm's `vit_tiny_patch16_224` built with
  `weight_init='jax'` (timm's `init_weights_vit_jax`), seed 0.

Floats the tests compare bit for bit are written as their float64 bits (16 hex digits).
"""
import ast
import struct
import json
import math
import os
import subprocess
import sys
import tempfile
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "recipes", "reference.json")
WHEELS = {
    "torchtitan": "torchtitan==0.3.0",
    "megatron": "megatron-core==0.16.1",
    "torchscale": "torchscale==0.3.0",
}


def bits(x):
    """A float64's bits, as 16 hex digits (what the tests compare)."""
    return format(struct.unpack("<Q", struct.pack("<d", x))[0], "016x")


def wheel_file(tmp, spec, member):
    """The text of `member` inside the wheel of `spec` (downloaded without dependencies)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, spec], check=True
    )
    name = spec.split("==")[0].replace("-", "_")
    whl = [f for f in os.listdir(tmp) if f.startswith(name) and f.endswith(".whl")]
    with zipfile.ZipFile(os.path.join(tmp, whl[0])) as z:
        return z.read(member).decode()


def function(source, name, env):
    """Run the definition of the function `name` alone from `source`, in `env`."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    code = compile(ast.Module(body=[node], type_ignores=[]), name, "exec")
    exec(code, env)
    return env[name]


def torchtitan(tmp):
    common = wheel_file(tmp, WHEELS["torchtitan"], "torchtitan/models/common/param_init.py")
    llama3 = wheel_file(tmp, WHEELS["torchtitan"], "torchtitan/models/llama3/__init__.py")
    depth = function(common, "depth_scaled_std", {})
    assert "s = dim**-0.5" in llama3 and "a=-3 * s, b=3 * s" in llama3, "output init changed"
    assert "partial(nn.init.trunc_normal_, std=0.02)" in llama3, "linear init changed"
    assert "partial(nn.init.normal_, std=1.0)" in llama3, "embedding init changed"
    return {
        "version": WHEELS["torchtitan"],
        "depth_scaled_std": [bits(depth(0.02, i)) for i in range(32)],
        "output_std": {str(d): bits(d**-0.5) for d in (256, 4096)},
    }


def megatron(tmp):
    utils = wheel_file(tmp, WHEELS["megatron"], "megatron/core/utils.py")
    import functools

    f = function(utils, "scaled_init_method_normal", {"math": math, "functools": functools, "torch": torch})
    g = function(utils, "init_method_normal", {"functools": functools, "torch": torch})
    pairs = [(0.02, 1), (0.02, 12), (0.02, 24), (0.006, 96), (0.01, 80)]
    return {
        "version": WHEELS["megatron"],
        "scaled": [[s, n, bits(f(s, n).keywords["std"])] for s, n in pairs],
        "plain": [[s, bits(g(s).keywords["std"])] for s, _ in pairs],
    }


def torchscale(tmp):
    def squeezed(member):  # the source without whitespace: black wraps the expressions
        return "".join(wheel_file(tmp, WHEELS["torchscale"], member).split())

    enc = squeezed("torchscale/architecture/encoder.py")
    dec = squeezed("torchscale/architecture/decoder.py")
    assert "math.pow(8.0*args.encoder_layers,0.25)" in enc
    assert "math.pow(math.pow(args.encoder_layers,4)*args.decoder_layers,0.0625)/1.15" in enc
    assert "math.pow(12.0*args.decoder_layers,0.25)" in dec
    assert "math.pow(8.0*args.decoder_layers,0.25)" in dec
    out = {"version": WHEELS["torchscale"], "encoder_only": {}, "decoder_only": {}, "encoder_decoder": []}
    for n in (6, 18, 100, 1000):
        out["encoder_only"][str(n)] = math.pow(8.0 * n, 0.25)
        out["decoder_only"][str(n)] = math.pow(8.0 * n, 0.25)
    for n, m in ((6, 6), (100, 100), (200, 1000)):
        out["encoder_decoder"].append(
            [n, m, math.pow(math.pow(n, 4) * m, 0.0625) / 1.15, math.pow(12.0 * m, 0.25)]
        )
    return out


def timm_vit_jax():
    import timm

    torch.manual_seed(0)
    m = timm.create_model("vit_tiny_patch16_224", pretrained=False, weight_init="jax")
    facts = {}
    for k, p in m.state_dict().items():
        t = p.detach().double()
        std = t.std().item() if t.numel() > 1 else 0.0
        facts[k] = {"numel": t.numel(), "std": std, "mean": t.mean().item(),
                    "min": t.min().item(), "max": t.max().item()}
    return {"versions": {"torch": torch.__version__, "timm": timm.__version__}, "tensors": facts}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        out = {
            "torchtitan": torchtitan(tmp),
            "megatron": megatron(tmp),
            "torchscale": torchscale(tmp),
            "timm_vit_jax": timm_vit_jax(),
        }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
