#!/usr/bin/env python3
"""State-dict interop fixtures: whole PyTorch models saved as PyTorch users save them.

Run by hand from the repository root, with PyTorch and safetensors installed in a venv outside
git (CI has no PyTorch; the outputs are committed):

    .venv-torch/bin/python scripts/torch_state.py               # (re)write tests/fixtures/state/
    .venv-torch/bin/python scripts/torch_state.py --check DIR   # load OUR files into PyTorch

Default mode writes, for each model in MODELS (forum_net, resnet, text, lstm):

* `<model>.safetensors`    exactly `safetensors.torch.save_file(model.state_dict(), path)`: every
                           parameter and buffer under PyTorch's key, float32, with BatchNorm's
                           `num_batches_tracked` as I64, and no metadata. The model is built
                           with `torch.manual_seed(seed)`; then every BatchNorm/LayerNorm weight,
                           bias and running_mean is set to standard normals, running_var to
                           U(0.5, 2) and num_batches_tracked to an integer in [1, 1000) (drawn
                           from `torch.Generator().manual_seed(2000 + seed)`), so that a forward
                           test notices a swapped or ignored statistic;
* `<model>.io.safetensors` the forward pass in eval mode under `torch.no_grad()`: `input`
                           (float32 drawn from `torch.Generator().manual_seed(1000 + seed)`;
                           int64 token ids for `text`) and `output`, `output.1`, ... (float32),
                           with metadata `{"model": <model>}`;
* `keys.json`              each model's `state_dict()` keys in PyTorch's order (a safetensors
                           header does not keep the order).

`--check DIR` reads `DIR/<model>.safetensors` (written by the Rust crate), loads it with
`safetensors.torch.load_file` into a freshly built model with `load_state_dict(strict=True)`
(so a missing, unexpected or misshapen key fails), also requires every dtype to equal PyTorch's
(`load_state_dict` would silently cast a float `num_batches_tracked`), runs the forward pass in
eval mode and compares every output with the reference: `DIR/<model>.io.safetensors` when the
Rust side wrote one (its own inputs and the outputs of its own forward pass), the committed
`tests/fixtures/state/<model>.io.safetensors` otherwise. Tolerance: max |ours - ref| <= 1e-5 x
max(1, max |ref|). One line per model, then a verdict; the exit status is non-zero on any
failure.
"""
import json
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "state")
MAX_TOTAL_BYTES = 300 * 1024
REL_TOL = 1e-5


class Net(nn.Module):
    """The PyTorch forum thread's small CNN."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(3, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv1(x))), 1))


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock; `downsample` is given by the caller, as in torchvision."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """A small torchvision-style ResNet: stem, one 8->8 block, one 8->16 stride-2 block, head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(2, 2)
        self.layer1 = nn.Sequential(BasicBlock(8, 8))
        down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, stride=2, downsample=down))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Text(nn.Module):
    """Token ids -> Embedding -> LayerNorm -> MLP -> mean over the sequence -> Linear."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(50, 16, padding_idx=0)
        self.norm = nn.LayerNorm(16)
        self.mlp = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 16))
        self.head = nn.Linear(16, 4)

    def forward(self, ids):  # ids: int64 [batch, seq]
        x = self.mlp(self.norm(self.embedding(ids)))
        return self.head(x.mean(dim=1))


class LstmHead(nn.Module):
    """A 2-layer bidirectional LSTM (time-major) and a Linear head on the last time step.

    Returns (logits, the LSTM's output sequence, h_n, c_n), so each part is compared.
    """

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, num_layers=2, bidirectional=True)
        self.head = nn.Linear(16, 3)

    def forward(self, x):  # x: [seq, batch, 6]
        out, (h_n, c_n) = self.lstm(x)
        return self.head(out[-1]), out, h_n, c_n


def token_ids(g):
    """Int64 ids [3, 7] in 1..50 with padding (0) at the end of two sequences, and one more 0."""
    ids = torch.randint(1, 50, (3, 7), generator=g, dtype=torch.int64)
    ids[1, 5:] = 0
    ids[2, 6] = 0
    ids[0, 3] = 0
    return ids


# name -> (class, construction seed, input maker given a generator)
MODELS = {
    "forum_net": (Net, 40, lambda g: torch.randn((2, 1, 4, 4), generator=g)),
    "resnet": (ResNet, 41, lambda g: torch.randn((2, 3, 16, 16), generator=g)),
    "text": (Text, 42, token_ids),
    "lstm": (LstmHead, 43, lambda g: torch.randn((5, 2, 6), generator=g)),
}
NORMS = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm)


def build(name):
    """torch.manual_seed(seed) immediately followed by the constructor."""
    cls, seed, _ = MODELS[name]
    torch.manual_seed(seed)
    return cls()


def randomize_norms(model, g):
    """Give every norm layer random affine parameters and running statistics."""
    with torch.no_grad():
        for mod in model.modules():
            if not isinstance(mod, NORMS):
                continue
            mod.weight.copy_(torch.randn(mod.weight.shape, generator=g))
            mod.bias.copy_(torch.randn(mod.bias.shape, generator=g))
            if isinstance(mod, nn.modules.batchnorm._BatchNorm):
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g))
                mod.running_var.copy_(torch.empty(mod.running_var.shape).uniform_(0.5, 2.0,
                                                                                 generator=g))
                mod.num_batches_tracked.fill_(int(torch.randint(1, 1000, (), generator=g)))


def forward(model, x):
    """Eval-mode forward without gradients; the outputs as a list of float32 tensors."""
    model.eval()
    with torch.no_grad():
        out = model(x)
    outs = list(out) if isinstance(out, tuple) else [out]
    for i, t in enumerate(outs):
        if t.dtype != torch.float32 or not t.isfinite().all():
            raise ValueError(f"output {i} is not a finite float32 tensor")
    return [t.detach().clone().contiguous() for t in outs]


def numbered(base, i):
    """`base`, `base.1`, `base.2`, ..."""
    return base if i == 0 else f"{base}.{i}"


def read_io(path):
    """(input, [output, output.1, ...]) of an io file."""
    t = load_file(path)
    n = sum(1 for k in t if k == "output" or k.startswith("output."))
    return t["input"], [t[numbered("output", i)] for i in range(n)]


def write(name):
    """Build, randomize, run and save one model; return its state-dict keys."""
    _, seed, make_input = MODELS[name]
    model = build(name)
    randomize_norms(model, torch.Generator().manual_seed(2000 + seed))
    x = make_input(torch.Generator().manual_seed(1000 + seed))
    outs = forward(model, x)
    sd = model.state_dict()
    for key, t in sd.items():
        want = torch.int64 if key.endswith("num_batches_tracked") else torch.float32
        if t.dtype != want:
            raise TypeError(f"{name}: {key} has dtype {t.dtype}, expected {want}")
    path = os.path.join(OUT_DIR, f"{name}.safetensors")
    save_file(sd, path)
    io = {"input": x.contiguous(), **{numbered("output", i): t for i, t in enumerate(outs)}}
    io_path = os.path.join(OUT_DIR, f"{name}.io.safetensors")
    save_file(io, io_path, metadata={"model": name})

    # Read back: the state dict loads strictly into a fresh model and reproduces the outputs.
    fresh = build(name)
    fresh.load_state_dict(load_file(path), strict=True)
    x2, outs2 = read_io(io_path)
    if not torch.equal(x2, x) or any(not torch.equal(a, b) for a, b in zip(forward(fresh, x2),
                                                                           outs2)):
        raise RuntimeError(f"{name}: read-back does not reproduce the outputs")
    return list(sd.keys())


def summary():
    """Print every file with its size and tensors; return the total size in bytes."""
    total = 0
    for name in MODELS:
        for suffix in (".safetensors", ".io.safetensors"):
            path = os.path.join(OUT_DIR, name + suffix)
            size = os.path.getsize(path)
            total += size
            with safe_open(path, framework="pt") as f:
                tensors = [(k, f.get_slice(k)) for k in f.keys()]
                print(f"## {name}{suffix}  ({size} bytes, {len(tensors)} tensors)")
                if suffix == ".io.safetensors":
                    for k, s in tensors:
                        print(f"   {k:10s} {s.get_dtype():4s} {s.get_shape()}")
    total += os.path.getsize(os.path.join(OUT_DIR, "keys.json"))
    print(f"\n{len(MODELS)} models, {total} bytes in total, keys.json included")
    return total


def generate():
    """Default mode: (re)write tests/fixtures/state/."""
    if sys.byteorder != "little" or torch.get_default_dtype() != torch.float32:
        raise RuntimeError("expected a little-endian machine and float32 as the default dtype")
    os.makedirs(OUT_DIR, exist_ok=True)
    expected = {f"{n}{s}" for n in MODELS for s in (".safetensors", ".io.safetensors")}
    stray = sorted(set(os.listdir(OUT_DIR)) - expected - {"keys.json"})
    if stray:
        raise RuntimeError(f"unexpected files in {OUT_DIR}: {stray}")
    keys = {name: write(name) for name in MODELS}
    with open(os.path.join(OUT_DIR, "keys.json"), "w") as f:
        json.dump(keys, f, indent=1)
        f.write("\n")
    if summary() > MAX_TOTAL_BYTES:
        raise RuntimeError("fixtures exceed the total size budget")


def check_one(name, directory):
    """Load DIR/<name>.safetensors into PyTorch and compare; return (ok, message)."""
    path = os.path.join(directory, f"{name}.safetensors")
    if not os.path.isfile(path):
        return False, f"no file {path}"
    try:
        sd = load_file(path)
    except Exception as e:  # noqa: BLE001 - any reader error is a failed check
        return False, f"safetensors cannot read {path}: {e}"
    model = build(name)
    ours = model.state_dict()
    wrong = [f"{k}: {t.dtype} (PyTorch: {ours[k].dtype})" for k, t in sd.items()
             if k in ours and t.dtype != ours[k].dtype]
    if wrong:
        return False, "dtype differs: " + "; ".join(wrong)
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        return False, "load_state_dict(strict=True) failed: " + " ".join(str(e).split())
    io_path = os.path.join(directory, f"{name}.io.safetensors")
    source = f"{name}.io.safetensors of DIR"
    if not os.path.isfile(io_path):
        io_path = os.path.join(OUT_DIR, f"{name}.io.safetensors")
        source = f"committed {os.path.relpath(io_path, os.path.dirname(HERE))}"
    x, refs = read_io(io_path)
    outs = forward(model, x)
    if len(outs) != len(refs):
        return False, f"{len(outs)} outputs, the reference has {len(refs)}"
    worst = (-1.0, 0.0, 0.0)  # (err / tol, err, tol) of the worst output
    for i, (out, ref) in enumerate(zip(outs, refs)):
        if out.shape != ref.shape:
            return False, f"{numbered('output', i)}: shape {list(out.shape)} vs {list(ref.shape)}"
        err = (out - ref).abs().max().item()
        tol = REL_TOL * max(1.0, ref.abs().max().item())
        if not err <= tol:
            return False, f"{numbered('output', i)}: max abs error {err:.3e} > tolerance {tol:.3e}"
        worst = max(worst, (err / tol, err, tol))
    return True, (f"{len(sd)} keys loaded strictly; {len(outs)} output(s), max abs error "
                  f"{worst[1]:.2e} (tolerance {worst[2]:.2e}) vs {source}")


def check(directory):
    """--check mode: every model; exit status 1 if any fails."""
    failed = 0
    for name in MODELS:
        ok, message = check_one(name, directory)
        failed += not ok
        print(f"{name:10s} {'ok  ' if ok else 'FAIL'} {message}")
    if failed:
        print(f"FAILED: {failed} of {len(MODELS)} models")
        sys.exit(1)
    print(f"OK: all {len(MODELS)} models load in PyTorch {torch.__version__} and match")


def main():
    torch.set_num_threads(1)
    args = sys.argv[1:]
    if not args:
        generate()
    elif len(args) == 2 and args[0] == "--check":
        check(args[1])
    else:
        sys.exit(f"usage: {sys.argv[0]} [--check DIR]")


if __name__ == "__main__":
    main()
