#!/usr/bin/env python3
"""Write tests/fixtures/models/: real models built by the real libraries, as they draw them.

Run by hand from the repository root, with PyTorch, torchvision, timm and transformers installed
in a venv outside git (nothing is downloaded: every model is built from its config):

    .venv-torch/bin/python scripts/torch_models.py

One `<case>.json` per case in CASES below, each right after `torch.manual_seed(seed)` and the
library's own constructor (which runs the library's own init code):

* `case`, `ctor` (the Python expression), `seed`, `versions`;
* `named_modules`: [name, class] in `named_modules()` order (pre-order, root "");
* `named_parameters`: names in `named_parameters()` order (tied parameters once, as PyTorch);
* `state_dict`: [key, shape, dtype] in `state_dict()` order (tied parameters under both keys);
* `tensors`: per state-dict key, `hash` (`bits_hash` below, of the exact float32 bits, as a hex
  string), `head` (the bits of the first 8 elements, hex), `std` (unbiased, float64), `mean`,
  `min`, `max`, `numel`;
* `loop`: the module names the library's init loop visits, in its order (see each case);
* `draws`: every random draw made from the seed on, in order: [op, target, numel, args], where
  `target` is the state-dict key of the tensor drawn into (`?<shape>` for a tensor that is not in
  the final state dict, such as the LM head's weight before tying);
* `next_rand`: `torch.rand(8)` right after construction, as float32 bits (hex): equal to the
  next draws of a port only if the port consumed exactly the words the library did;
* `forward` (and for DCGAN `forward_d`, the discriminator; `forward` is the generator): the model in eval mode under `torch.no_grad()` on the fixed `input` (see
  `fixed_input`: no random numbers, exact in float32): `shape`, a few `slices` of the output
  (flattened index ranges) and `sum`/`abs_sum`.

`bits_hash` is a cheap order-dependent 64-bit hash that tests/models/hash.rs implements too:
for element i with float32 bits b, z = splitmix64_finalizer(b ^ (i * 0x9E3779B97F4A7C15)), and
the hash is the wrapping sum of all z, xor the element count.

`python scripts/torch_models.py resnet18 dcgan` rewrites only the named cases. Like the other
fixture scripts, it refuses to run without PyTorch's AVX2/AVX512 kernels (the bits of
`uniform_`/`normal_` depend on them).
"""
import functools
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "models")
MAX_TOTAL_BYTES = 1024 * 1024

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def bits_hash(t):
    """The order-dependent 64-bit hash of a float32 tensor's bits (see the module docs)."""
    b = t.detach().contiguous().view(-1).numpy().view(np.uint32).astype(np.uint64)
    n = b.size
    with np.errstate(over="ignore"):
        i = np.arange(n, dtype=np.uint64)
        z = b ^ (i * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        h = int(z.sum(dtype=np.uint64)) ^ n
    return f"{h & 0xFFFFFFFFFFFFFFFF:016x}"


def f32_hex(values):
    return [f"{int(x):08x}" for x in np.asarray(values, dtype=np.float32).view(np.uint32)]


def fixed_input(shape, dtype=torch.float32):
    """x[i] = ((i * 7919) mod 1024) / 256 - 2 in row-major order: exact in float32."""
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.int64)
    x = ((i * 7919) % 1024).to(torch.float32) / 256.0 - 2.0
    return x.reshape(shape).to(dtype)


def fixed_tokens(n, vocab):
    return torch.tensor([(i * 7919 + 13) % vocab for i in range(n)], dtype=torch.int64)[None]


# --- the draw recorder -------------------------------------------------------------------------

class Recorder:
    """Records every call that draws from the default generator, with the tensor's data_ptr."""

    TENSOR_OPS = ["normal_", "uniform_", "random_", "bernoulli_", "exponential_", "erfinv_"]
    FACTORIES = ["randn", "rand", "randint", "randperm", "normal"]

    def __init__(self):
        self.calls = []
        self.saved = []

    def __enter__(self):
        rec = self
        for name in self.TENSOR_OPS:
            orig = getattr(torch.Tensor, name)
            self.saved.append((torch.Tensor, name, orig))

            def wrapped(t, *a, __orig=orig, __name=name, **k):
                rec.calls.append((__name, t.data_ptr(), tuple(t.shape), _args(a, k)))
                return __orig(t, *a, **k)

            setattr(torch.Tensor, name, wrapped)
        for name in self.FACTORIES:
            orig = getattr(torch, name)
            self.saved.append((torch, name, orig))

            def factory(*a, __orig=orig, __name=name, **k):
                out = __orig(*a, **k)
                rec.calls.append(("torch." + __name, out.data_ptr(), tuple(out.shape), _args(a, k)))
                return out

            setattr(torch, name, factory)
        return self

    def __exit__(self, *exc):
        for owner, name, orig in reversed(self.saved):
            setattr(owner, name, orig)


def _args(a, k):
    out = [_short(x) for x in a if not isinstance(x, torch.Tensor)]
    out += [f"{key}={_short(v)}" for key, v in k.items() if key != "generator"]
    return " ".join(str(x) for x in out)


def _short(x):
    return f"{x:.6g}" if isinstance(x, float) else x


# --- the cases ---------------------------------------------------------------------------------

def resnet18():
    import torchvision

    model = torchvision.models.resnet18(zero_init_residual=True)
    # ResNet.__init__: `for m in self.modules()` (pre-order), then `for m in self.modules()` again
    # for zero_init_residual; both loops visit named_modules() order.
    loop = [n for n, _ in model.named_modules()]
    return model, loop


def dcgan():
    """The PyTorch DCGAN tutorial's Generator and Discriminator, with its weights_init."""
    nz, ngf, ndf, nc = 100, 64, 64, 3
    order = []

    def weights_init(m):
        order.append(m)
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 8),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 4),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
                nn.Tanh(),
            )

        def forward(self, x):
            return self.main(x)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 4),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 8),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
                nn.Sigmoid(),
            )

        def forward(self, x):
            return self.main(x)

    # The tutorial: netG = Generator(ngpu); netG.apply(weights_init); then the same for netD.
    # Both are kept in one container here so that one fixture holds the whole program's draws.
    class DCGAN(nn.Module):
        def __init__(self):
            super().__init__()
            self.netG = Generator()
            self.netG.apply(weights_init)
            self.netD = Discriminator()
            self.netD.apply(weights_init)

    model = DCGAN()
    names = {id(m): n for n, m in model.named_modules()}
    return model, [names[id(m)] for m in order]


def gpt2(small):
    import transformers
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = GPT2Config(n_layer=2, n_embd=64, n_head=2, vocab_size=1000, n_positions=64,
                     bos_token_id=0, eos_token_id=0) if small \
        else GPT2Config()
    order = []
    cls = transformers.models.gpt2.modeling_gpt2.GPT2PreTrainedModel
    orig = cls._init_weights

    def spy(self, module):
        order.append(module)
        return orig(self, module)

    cls._init_weights = spy
    try:
        model = GPT2LMHeadModel(cfg)
    finally:
        cls._init_weights = orig
    names = {id(m): n for n, m in model.named_modules()}
    return model, [names.get(id(m), "?") for m in order]


def vit_tiny():
    import timm
    import timm.models.vision_transformer as vt

    order = []
    orig = vt.init_weights_vit_timm

    def spy(module, name="", **kw):
        order.append(name)
        return orig(module, name, **kw)

    vt.init_weights_vit_timm = spy
    try:
        model = timm.create_model("vit_tiny_patch16_224", pretrained=False)
    finally:
        vt.init_weights_vit_timm = orig
    return model, order


CASES = [
    # (case, ctor, seed, forward input)
    ("resnet18", resnet18, 0, ("image", (2, 3, 32, 32))),
    ("dcgan", dcgan, 999, ("dcgan", None)),
    ("gpt2_small_config", functools.partial(gpt2, True), 0, ("tokens", 8, 1000)),
    ("gpt2", functools.partial(gpt2, False), 0, ("tokens", 8, 50257)),
    ("vit_tiny_patch16_224", vit_tiny, 0, ("image", (1, 3, 224, 224))),
]

CTOR = {
    "resnet18": "torchvision.models.resnet18(zero_init_residual=True)",
    "dcgan": "Generator().apply(weights_init); Discriminator().apply(weights_init) (tutorial, nz=100 ngf=64 ndf=64 nc=3)",
    "gpt2_small_config": "GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=64, n_head=2, vocab_size=1000, n_positions=64, bos_token_id=0, eos_token_id=0))",
    "gpt2": "GPT2LMHeadModel(GPT2Config())",
    "vit_tiny_patch16_224": "timm.create_model('vit_tiny_patch16_224', pretrained=False)",
}


def versions():
    out = {"torch": torch.__version__}
    for mod in ["torchvision", "timm", "transformers"]:
        out[mod] = __import__(mod).__version__
    return out


def tensor_entry(t):
    x = t.detach().to(torch.float64)
    return {
        "hash": bits_hash(t),
        "head": f32_hex(t.detach().reshape(-1)[:8].numpy()),
        "numel": t.numel(),
        "std": x.std().item() if t.numel() > 1 else 0.0,
        "mean": x.mean().item(),
        "min": x.min().item(),
        "max": x.max().item(),
    }


def forward_entry(model, spec, case):
    if spec[0] == "dcgan":
        # netG on a fixed latent batch, netD on a fixed image batch.
        return (forward_entry(model.netG, ("image", (2, 100, 1, 1)), case),
                forward_entry(model.netD, ("image", (2, 3, 64, 64)), case))
    model.eval()
    with torch.no_grad():
        if spec[0] == "image":
            x = fixed_input(spec[1])
            y = model(x)
        else:
            x = fixed_tokens(spec[1], spec[2])
            y = model(x).logits
    flat = y.reshape(-1)
    n = flat.numel()
    slices = [[0, 16], [n // 2, n // 2 + 16], [n - 16, n]] if n > 48 else [[0, n]]
    return {
        "input": {"kind": spec[0], "shape": list(spec[1]) if spec[0] == "image" else [1, spec[1]],
                  "tokens": x.reshape(-1).tolist() if spec[0] == "tokens" else None},
        "shape": list(y.shape),
        "slices": [[a, b, [float(v) for v in flat[a:b].tolist()]] for a, b in slices],
        "sum": float(y.double().sum()),
        "abs_sum": float(y.double().abs().sum()),
    }


def erfinv_f64_variant(ctor, seed, sd):
    """timm's program again with `erfinv_` computed in float64 and rounded to float32, which
    equals a correctly rounded float32 erfinv on every input `uniform_(-1, 1)` can give (all
    2^24 checked by hand). PyTorch's float `erfinv_` is MKL's `vsErfInv`, which differs in the
    last bit on about 3 inputs in 10 000: for each tensor it changes, the hash of this variant
    and how many elements differ from the real model's, by at most `max_ulp`."""
    orig = torch.Tensor.erfinv_
    torch.Tensor.erfinv_ = lambda self: self.copy_(torch.erfinv(self.double()).float())
    try:
        torch.manual_seed(seed)
        model, _ = ctor()
    finally:
        torch.Tensor.erfinv_ = orig
    out = {}
    for key, t in model.state_dict().items():
        real = sd[key].detach()
        bits, real_bits = t.view(torch.int32).long(), real.view(torch.int32).long()
        differ = int((bits != real_bits).sum())
        if differ:
            out[key] = {"hash": bits_hash(t), "differ": differ,
                        "max_ulp": int((bits - real_bits).abs().max())}
    return out


def build(case, ctor, seed, fwd):
    torch.manual_seed(seed)
    with Recorder() as rec:
        model, loop = ctor()
    next_rand = f32_hex(torch.rand(8).numpy())
    sd = model.state_dict(keep_vars=True)
    ptr_name = {}
    for key, t in sd.items():
        ptr_name.setdefault(t.data_ptr(), key)
    draws = []
    for op, ptr, shape, args in rec.calls:
        target = ptr_name.get(ptr, "?" + "x".join(map(str, shape)))
        draws.append([op, target, math.prod(shape), args])
    out = {
        "case": case,
        "ctor": CTOR[case],
        "seed": seed,
        "versions": versions(),
        "named_modules": [[n, type(m).__name__] for n, m in model.named_modules()],
        "named_parameters": [n for n, _ in model.named_parameters()],
        "state_dict": [[k, list(t.shape), str(t.dtype).replace("torch.", "")] for k, t in sd.items()],
        "tensors": {k: tensor_entry(t) for k, t in sd.items() if t.dtype == torch.float32},
        "loop": loop,
        "draws": draws,
        "next_rand": next_rand,
    }
    if case.startswith("vit"):
        out["erfinv_f64"] = erfinv_f64_variant(ctor, seed, sd)
    fwd_out = forward_entry(model, fwd, case)
    if isinstance(fwd_out, tuple):
        out["forward"], out["forward_d"] = fwd_out
    else:
        out["forward"] = fwd_out
    return out


def main():
    cap = torch.backends.cpu.get_cpu_capability()
    if cap not in ("AVX2", "AVX512"):
        sys.exit(f"need PyTorch's AVX2/AVX512 CPU kernels, this build runs {cap}")
    os.makedirs(OUT_DIR, exist_ok=True)
    only = sys.argv[1:]
    total = 0
    for case, ctor, seed, fwd in CASES:
        path = os.path.join(OUT_DIR, f"{case}.json")
        if not only or case in only:
            data = build(case, ctor, seed, fwd)
            with open(path, "w") as f:
                json.dump(data, f, indent=0, sort_keys=True)
                f.write("\n")
        if not os.path.exists(path):
            continue
        size = os.path.getsize(path)
        total += size
        print(f"{case}: {size} bytes")
    print(f"total: {total} bytes")
    if total > MAX_TOTAL_BYTES:
        sys.exit(f"fixtures too large: {total} > {MAX_TOTAL_BYTES}")


if __name__ == "__main__":
    main()
