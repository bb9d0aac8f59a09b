#!/usr/bin/env python3
"""LSUV reference numbers: Mishkin & Matas' Algorithm 1 run in PyTorch on small MLPs.

Run by hand from the repository root with the PyTorch venv (CI has no PyTorch; the outputs,
about 100 KB, are committed):

    /work/venv-torch/bin/python scripts/torch_lsuv.py   # (re)write tests/fixtures/lsuv/

For each case it writes `<case>.start.safetensors` (the state dict LSUV starts from),
`<case>.input.safetensors` (`input`, float32), `<case>.final.safetensors` (the state dict
after LSUV) and one entry of `lsuv.json`: the settings and, per scaled layer in forward
order, its key prefix, the number of rescalings and the variance reached.

The algorithm (paper, "All you need is a good init", Algorithm 1; the layer loop of the
reference implementation ducha-aiki/LSUV-pytorch with the paper's variance criterion): for each
Linear in forward order, run the whole forward pass (float32, eval mode), take the population
variance (float64) of that Linear's output, and while |var - target| >= tol multiply its weight
by float32(sqrt(target / var)), at most max_iters times. Biases are left as they are (the
Rust side runs `lsuv` with `orthogonal = false` on the start state dict, which already holds
the orthogonal start where the case has one).

Cases:
* `relu_orth`: 4 x (Linear(32, 32) + ReLU) then Linear(32, 8); weights `orthogonal_`, biases
  zero (the paper's start), input N(0, 1) [64, 32]; tol 0.1, max_iters 10.
* `tanh_bias`: 4 x (Linear(32, 32) + Tanh) then Linear(32, 8); PyTorch's default init (biases
  U(+-1/sqrt 32), so the variance is not quadratic in the scale and the loop needs several
  rescalings), input N(0, 3^2) [64, 32]; tol 0.01, max_iters 10.
"""
import json
import os

import torch
from safetensors.torch import save_file

OUT = "tests/fixtures/lsuv"


def mlp(act, seed):
    torch.manual_seed(seed)
    layers = []
    for _ in range(4):
        layers += [torch.nn.Linear(32, 32), act()]
    layers.append(torch.nn.Linear(32, 8))
    return torch.nn.Sequential(*layers)


def lsuv(model, x, tol, max_iters, target=1.0):
    out = []
    for i, m in enumerate(model):
        if not isinstance(m, torch.nn.Linear):
            continue
        seen = {}
        hook = m.register_forward_hook(lambda mod, inp, o: seen.setdefault("o", o.detach()))
        iters = 0
        while True:
            seen.clear()
            with torch.no_grad():
                model(x)
            var = seen["o"].double().var(unbiased=False).item()
            if abs(var - target) < tol:
                break
            if iters == max_iters:
                raise RuntimeError(f"layer {i}: variance {var} after {iters} rescalings")
            factor = torch.tensor((target / var) ** 0.5, dtype=torch.float32)
            with torch.no_grad():
                m.weight.mul_(factor)
            iters += 1
        hook.remove()
        out.append({"path": str(i), "iterations": iters, "variance": var})
    return out


def case(name, act, seed, orth, input_std, tol, max_iters):
    model = mlp(act, seed).eval()
    if orth:
        g = torch.Generator().manual_seed(100 + seed)
        for m in model:
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.orthogonal_(m.weight, generator=g)
                torch.nn.init.zeros_(m.bias)
    g = torch.Generator().manual_seed(1000 + seed)
    x = torch.randn(64, 32, generator=g) * input_std
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{OUT}/{name}.start.safetensors")
    save_file({"input": x.contiguous()}, f"{OUT}/{name}.input.safetensors")
    layers = lsuv(model, x, tol, max_iters)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{OUT}/{name}.final.safetensors")
    return {"tol": tol, "max_iters": max_iters, "target_var": 1.0, "layers": layers}


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = {
        "relu_orth": case("relu_orth", torch.nn.ReLU, 1, True, 1.0, 0.1, 10),
        "tanh_bias": case("tanh_bias", torch.nn.Tanh, 2, False, 3.0, 0.01, 10),
    }
    with open(f"{OUT}/lsuv.json", "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    for name, c in cases.items():
        print(name, [(l["path"], l["iterations"], round(l["variance"], 6)) for l in c["layers"]])


if __name__ == "__main__":
    main()
