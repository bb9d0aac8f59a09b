#!/usr/bin/env python3
"""Write tests/fixtures/layers/: PyTorch layers recorded by PyTorch itself (init, names, forward).

Run by hand from the repository root, with PyTorch installed in a venv outside git:

    .venv-torch/bin/python scripts/torch_layers.py          # (re)write all, print the summary
    .venv-torch/bin/python scripts/torch_layers.py --list   # only summarise the files on disk

The outputs are committed (CI has no PyTorch). One `<case>.safetensors` per case in CASES below
(a constructor may name `nn`, the two modules below, and Hugging Face's `Conv1D`, imported from
`transformers.pytorch_utils`):

* `init.<key>`   for every `model.state_dict()` key (parameters and buffers, PyTorch names): its
                 value right after `torch.manual_seed(seed)` immediately followed by the
                 constructor, so PyTorch's default init and its RNG draw order are pinned;
* `param.<key>`  the state used for the forward pass. Equal to `init.*`, except that the
                 (trivially initialised) BatchNorm/InstanceNorm/LayerNorm/GroupNorm/RMSNorm
                 weight, bias and running_mean and the PReLU weight are set to standard
                 normals, running_var to U(0.5, 2), and the MultiheadAttention
                 `in_proj_bias`/`out_proj.bias` (also inside the transformer layers; when they
                 exist) to 0.1 * standard normals;
* `input`, `input.1`, ...    the forward inputs (float32; int64 for Embedding indices) drawn
                 from `torch.Generator().manual_seed(input_seed)`; masks that are not drawn
                 (the transformer cases' causal and padding masks) are written out in the
                 `forward` statement, which can name `torch` and `nn`;
* `output`, `output.1`, ...  the outputs in eval mode under `torch.no_grad()`;
* BatchNorm/InstanceNorm cases only: `train.output` (one train-mode forward of `input` from the
  `param.*` state) and the buffers after it (`train.running_mean`, `train.running_var`,
  `train.num_batches_tracked`), when the layer tracks running statistics.

`num_batches_tracked` is int64 (safetensors I64); every other tensor except Embedding indices is
float32. Metadata (all strings): `case`, `ctor` (the exact Python constructor expression, which
this script `eval`s), `seed`, `input_seed`, `param_seed`, `forward` (the statement that computes
the outputs, `input.k`/`output.k` naming the tensors; this script `exec`s it), `torch`.

`names.json` maps each case to its `named_modules` ([name, class] pairs), `named_children`,
`named_parameters`, `named_buffers`, `state_dict` keys and `apply_order` (class names in the
post-order `model.apply` visits them), all in PyTorch's order.

The files are written with sorted keys (metadata too) so that a re-run reproduces them byte for
byte; as in safetensors' own writer, I64 data comes first, so every tensor is aligned to its dtype.
Like scripts/torch_fixtures.py, the script refuses to run without PyTorch's AVX2/AVX512 kernels.
"""
import copy
import json
import os
import re
import struct
import sys

import torch
import torch.nn.functional as F
from safetensors import safe_open
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "layers")
MAX_CASE_BYTES = 16 * 1024  # "a few KB" each
MAX_TOTAL_BYTES = 300 * 1024


class Net(nn.Module):
    """The PyTorch forum thread's small CNN."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(3, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(F.relu(self.conv1(x))), 1))


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock, building its own downsample branch when needed."""

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=False)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


# (case, constructor expression, seed, input specs, forward statement). An input spec is a shape
# (standard normal float32), ("uniform", lo, hi, shape) or ("indices", n, must, shape): int64 in
# [0, n) with `must` forced at position [0, 1].
ONE = "output = model(input)"
TWO = "output, output.1 = model(input), model(input.1)"
ACT = [("uniform", -4.0, 4.0, (4, 7))]
CASES = [
    ("linear", "nn.Linear(5, 4)", 0, [(2, 3, 5)], ONE),
    ("linear_nobias", "nn.Linear(5, 4, bias=False)", 1, [(3, 5)], ONE),
    ("bilinear", "nn.Bilinear(3, 4, 2)", 2, [(5, 3), (5, 4)], "output = model(input, input.1)"),
    ("conv1d", "nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2)", 3, [(2, 4, 11)], ONE),
    ("conv2d", "nn.Conv2d(3, 5, 3)", 4, [(2, 3, 7, 7)], ONE),
    ("conv2d_strided", "nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2)", 5,
     [(2, 4, 9, 10)], ONE),
    ("conv2d_nobias", "nn.Conv2d(2, 3, 1, bias=False)", 6, [(1, 2, 4, 4)], ONE),
    ("conv3d", "nn.Conv3d(2, 4, 3, padding=1)", 7, [(2, 2, 5, 6, 4)], ONE),
    ("conv_transpose2d",
     "nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)", 8,
     [(2, 4, 5, 6)], ONE),
    ("conv_transpose2d_dil", "nn.ConvTranspose2d(3, 2, 3, dilation=2)", 9, [(1, 3, 4, 5)], ONE),
    ("batchnorm1d", "nn.BatchNorm1d(6)", 10, [(8, 6)], ONE),
    ("batchnorm1d_3d", "nn.BatchNorm1d(4)", 11, [(3, 4, 5)], ONE),
    ("batchnorm2d", "nn.BatchNorm2d(3)", 12, [(4, 3, 5, 5)], ONE),
    ("layernorm", "nn.LayerNorm([4, 5])", 13, [(3, 4, 5)], ONE),
    ("groupnorm", "nn.GroupNorm(2, 6)", 14, [(3, 6, 4, 4)], ONE),
    ("embedding", "nn.Embedding(10, 4, padding_idx=2)", 15, [("indices", 10, 2, (3, 5))], ONE),
    ("lstm", "nn.LSTM(4, 5)", 16, [(6, 3, 4), (1, 3, 5), (1, 3, 5)],
     "output, (output.1, output.2) = model(input, (input.1, input.2))"),
    ("lstm_bi2", "nn.LSTM(4, 5, num_layers=2, bidirectional=True)", 17, [(6, 3, 4)],
     "output, (output.1, output.2) = model(input)"),
    ("gru_bi2", "nn.GRU(4, 5, num_layers=2, bidirectional=True)", 18, [(6, 3, 4)],
     "output, output.1 = model(input)"),
    ("gru", "nn.GRU(3, 4)", 19, [(5, 2, 3), (1, 2, 4)], "output, output.1 = model(input, input.1)"),
    ("mha", "nn.MultiheadAttention(8, 2)", 20, [(4, 2, 8), (6, 2, 8)],
     "output, output.1 = model(input, input.1, input.1)"),
    ("mha_kdim", "nn.MultiheadAttention(8, 2, kdim=6, vdim=5)", 21,
     [(4, 2, 8), (6, 2, 6), (6, 2, 5)],
     "output, output.1 = model(input, input.1, input.2)"),
    ("maxpool2d", "nn.MaxPool2d(2, 2)", 22, [(2, 3, 7, 7)], ONE),
    ("maxpool2d_pad", "nn.MaxPool2d(3, stride=2, padding=1)", 23, [(2, 3, 7, 8)], ONE),
    ("avgpool2d", "nn.AvgPool2d(3, stride=2, padding=1)", 24, [(2, 3, 7, 8)], ONE),
    ("adaptive_avgpool2d", "nn.AdaptiveAvgPool2d((3, 2))", 25, [(2, 3, 7, 5)], ONE),
    ("flatten", "nn.Flatten()", 26, [(2, 3, 4, 5)], ONE),
    ("dropout", "nn.Dropout(0.5)", 27, [(3, 4)], ONE),
    ("identity", "nn.Identity()", 28, [(3, 4)], ONE),
    ("relu", "nn.ReLU()", 29, ACT, ONE),
    ("leaky_relu", "nn.LeakyReLU(0.2)", 30, ACT, ONE),
    ("gelu", "nn.GELU()", 31, ACT, ONE),
    ("gelu_tanh", 'nn.GELU(approximate="tanh")', 32, ACT, ONE),
    ("silu", "nn.SiLU()", 33, ACT, ONE),
    ("tanh", "nn.Tanh()", 34, ACT, ONE),
    ("sigmoid", "nn.Sigmoid()", 35, ACT, ONE),
    ("forum_net", "Net()", 36, [(2, 1, 4, 4)], ONE),
    ("resnet_block", "BasicBlock(4, 8, stride=2)", 37, [(2, 4, 8, 8)], ONE),
    ("mlp", "nn.Sequential(nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), "
     "nn.Linear(16, 3))", 38, [(5, 10)], ONE),
    # Convolutions: per-axis settings, "same"/"valid", padding modes, transposed 1d/3d, HF Conv1D.
    ("conv2d_inception", "nn.Conv2d(6, 4, kernel_size=(1, 7), padding=(0, 3), bias=False)", 39,
     [(2, 6, 3, 8)], ONE),
    ("conv2d_per_axis",
     "nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)", 40,
     [(2, 4, 7, 6)], ONE),
    ("conv2d_same", 'nn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2))', 41,
     [(2, 2, 5, 6)], ONE),
    ("conv2d_valid", 'nn.Conv2d(2, 3, 3, padding="valid")', 42, [(1, 2, 4, 5)], ONE),
    ("conv1d_reflect", 'nn.Conv1d(2, 3, 3, padding=2, padding_mode="reflect")', 43,
     [(2, 2, 6)], ONE),
    ("conv2d_replicate",
     'nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(2, 1), groups=2, padding_mode="replicate")',
     44, [(2, 2, 5, 4)], ONE),
    ("conv2d_circular_same", 'nn.Conv2d(3, 2, (2, 3), padding="same", padding_mode="circular")',
     45, [(2, 3, 4, 5)], ONE),
    ("conv3d_per_axis",
     'nn.Conv3d(2, 4, (3, 1, 2), stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1), '
     'padding_mode="reflect")', 46, [(1, 2, 5, 4, 3)], ONE),
    ("conv_transpose1d",
     "nn.ConvTranspose1d(4, 6, 3, stride=3, padding=1, output_padding=2, groups=2, dilation=2)",
     47, [(2, 4, 5)], ONE),
    ("conv_transpose2d_per_axis",
     "nn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2), padding=(1, 0), output_padding=(0, 1))",
     48, [(2, 3, 4, 3)], ONE),
    ("conv_transpose3d",
     "nn.ConvTranspose3d(2, 4, (2, 3, 1), stride=(2, 1, 2), padding=(0, 1, 0), "
     "output_padding=(1, 0, 1), groups=2, dilation=(1, 2, 1))", 49, [(1, 2, 3, 4, 2)], ONE),
    ("hf_conv1d", "Conv1D(6, 4)", 50, [(2, 3, 4)], ONE),
    # Issue [7]'s layers that are neither convolutions nor transformer layers.
    ("rmsnorm", "nn.RMSNorm([4, 5])", 139, [(3, 4, 5)], ONE),
    ("rmsnorm_eps", "nn.RMSNorm(6, eps=1e-3)", 140, [(2, 3, 6)], ONE),
    ("batchnorm3d", "nn.BatchNorm3d(3)", 141, [(2, 3, 3, 4, 2)], ONE),
    ("batchnorm3d_plain", "nn.BatchNorm3d(2, eps=1e-3, affine=False, track_running_stats=False)",
     142, [(3, 2, 2, 3, 2)], ONE),
    ("batchnorm2d_noaffine", "nn.BatchNorm2d(3, affine=False, momentum=None)", 143, [(4, 3, 2, 3)],
     ONE),
    ("instancenorm1d", "nn.InstanceNorm1d(3)", 144, [(2, 3, 5), (3, 6)], TWO),
    ("instancenorm1d_tracked", "nn.InstanceNorm1d(2, track_running_stats=True, momentum=None)", 145,
     [(3, 2, 4)], ONE),
    ("instancenorm2d", "nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.3)",
     146, [(2, 3, 4, 5)], ONE),
    ("instancenorm2d_affine", "nn.InstanceNorm2d(2, eps=1e-3, affine=True)", 147, [(2, 2, 3, 3)],
     ONE),
    ("prelu", "nn.PReLU()", 148, ACT, ONE),
    ("prelu3", "nn.PReLU(3, init=0.1)", 149, [(2, 3, 4)], ONE),
    ("softmax", "nn.Softmax(dim=1)", 150, [(3, 4, 5)], ONE),
    ("softmax_implicit", "nn.Softmax()", 151, [(3, 4, 5), (2, 3, 2, 2)], TWO),
    ("logsoftmax", "nn.LogSoftmax(dim=-1)", 152, [("uniform", -30.0, 30.0, (2, 3, 6))], ONE),
    ("maxpool1d", "nn.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True)", 153,
     [(2, 3, 10)], ONE),
    ("maxpool2d_ceil", "nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", 154, [(1, 2, 6, 7)],
     ONE),
    ("maxpool3d", "nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))", 155,
     [(2, 2, 3, 7, 6)], ONE),
    ("maxpool3d_ceil", "nn.MaxPool3d(2, ceil_mode=True)", 156, [(2, 3, 5, 4)], ONE),
    ("avgpool1d", "nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)",
     157, [(2, 3, 8)], ONE),
    ("avgpool2d_ceil", "nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)", 158, [(1, 2, 6, 6)],
     ONE),
    ("avgpool3d", "nn.AvgPool3d(3, stride=2, padding=1, ceil_mode=True)", 159, [(1, 2, 5, 6, 4)],
     ONE),
    ("avgpool3d_div", "nn.AvgPool3d((2, 3, 3), stride=(1, 2, 2), padding=(1, 1, 0), "
     "divisor_override=5)", 160, [(1, 2, 3, 5, 6)], ONE),
    ("adaptive_avgpool1d", "nn.AdaptiveAvgPool1d(3)", 161, [(2, 3, 7), (2, 5)], TWO),
    ("upsample_nearest", "nn.Upsample(scale_factor=2)", 162, [(1, 2, 3, 4)], ONE),
    ("upsample_nearest_frac", "nn.Upsample(scale_factor=1.7)", 163, [(1, 2, 4, 10)], ONE),
    ("upsample_nearest_recompute", "nn.Upsample(scale_factor=1.15, recompute_scale_factor=True)",
     164, [(2, 1, 10)], ONE),
    ("upsample_nearest3d", "nn.Upsample(size=(2, 5, 3))", 165, [(1, 2, 3, 2, 4)], ONE),
    ("upsample_bilinear", "nn.Upsample(scale_factor=(1.5, 2.5), mode='bilinear')", 166,
     [(1, 2, 4, 3)], ONE),
    ("upsample_bilinear_corners", "nn.Upsample(size=(5, 7), mode='bilinear', align_corners=True)",
     167, [(2, 1, 3, 4)], ONE),
]


def transformer_forward(calls):
    """One forward statement computing `output`, `output.1`, ... from the given calls."""
    outs = ", ".join("output" if i == 0 else f"output.{i}" for i in range(len(calls)))
    return f"{outs} = " + ", ".join(f"model({c})" for c in calls)


# The transformer cases' masks (S = T = 3, memory length 4, N = 2): causal as PyTorch makes
# it, key padding per batch element, and a boolean memory mask with no fully masked row. The
# last call of transformer_enc / transformer_dec runs on an empty sequence / an empty memory.
CAUSAL = "nn.Transformer.generate_square_subsequent_mask(3)"
PAD = "torch.tensor([[False, False, True], [False, True, True]])"
MEM_PAD = "torch.tensor([[False, False, False, True], [False, True, True, True]])"
MEM_MASK = ("torch.tensor([[False, True, False, True], [False, False, True, True], "
            "[True, False, False, False]])")
MEM_CAUSAL = "torch.ones(3, 4, dtype=torch.bool).triu(1)"
ENC_CALLS = ["input", f"input, src_mask={CAUSAL}, is_causal=True",
             f"input, src_key_padding_mask={PAD}",
             f"input, src_mask={CAUSAL}, src_key_padding_mask={PAD}, is_causal=True"]
DEC_CALLS = ["input, input.1", f"input, input.1, tgt_mask={CAUSAL}, tgt_is_causal=True",
             f"input, input.1, tgt_key_padding_mask={PAD}, memory_key_padding_mask={MEM_PAD}",
             f"input, input.1, memory_mask={MEM_MASK}",
             f"input, input.1, memory_mask={MEM_CAUSAL}, memory_is_causal=True"]
ENC = "nn.TransformerEncoderLayer(8, 2, dim_feedforward=16"
DEC = "nn.TransformerDecoderLayer(8, 2, dim_feedforward=16"
PRE_BF = ', activation="gelu", norm_first=True, batch_first=True)'
CASES += [
    ("transformer_enc", ENC + ")", 701, [(3, 2, 8)],
     transformer_forward(ENC_CALLS + ["input[:0]"])),
    ("transformer_enc_gelu_nf_bf", ENC + PRE_BF, 702, [(2, 3, 8)],
     transformer_forward(ENC_CALLS)),
    ("transformer_enc_nobias",
     ENC + ", dropout=0.2, layer_norm_eps=1e-3, norm_first=True, bias=False)", 703,
     [(3, 2, 8), (3, 8)], transformer_forward(ENC_CALLS + ["input.1"])),
    ("transformer_dec", DEC + ")", 704, [(3, 2, 8), (4, 2, 8)],
     transformer_forward(DEC_CALLS + ["input, input.1[:0]"])),
    ("transformer_dec_gelu_nf_bf", DEC + PRE_BF, 705, [(2, 3, 8), (2, 4, 8)],
     transformer_forward(DEC_CALLS)),
]
TRAIN_CASES = {"batchnorm1d", "batchnorm1d_3d", "batchnorm2d", "batchnorm3d", "batchnorm3d_plain",
               "batchnorm2d_noaffine", "instancenorm1d_tracked",
               "instancenorm2d", "instancenorm2d_affine"}
NORMS = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm, nn.RMSNorm,
         nn.modules.instancenorm._InstanceNorm, nn.PReLU)
NORM_SLOTS = ("weight", "bias", "running_mean", "running_var")
DTYPES = {torch.float32: "F32", torch.int64: "I64"}
GROUPS = ["init", "param", "input", "output", "train"]  # tensor name prefixes, summary order


def derived_seeds(seed):
    """(input_seed, param_seed): the generators for the inputs and for randomize()."""
    return 1000 + seed, 2000 + seed


def build(ctor, seed):
    """torch.manual_seed(seed) immediately followed by the constructor expression."""
    from transformers.pytorch_utils import Conv1D  # Hugging Face's transposed-layout linear

    env = {"nn": nn, "Net": Net, "BasicBlock": BasicBlock, "Conv1D": Conv1D}
    torch.manual_seed(seed)
    return eval(ctor, env)


def snapshot(model, prefix):
    """The state_dict as `prefix.<key>` tensors, owned and contiguous (safetensors needs both)."""
    out = {}
    for key, t in model.state_dict().items():
        want = torch.int64 if key.endswith("num_batches_tracked") else torch.float32
        if t.dtype != want:
            raise TypeError(f"{key}: dtype {t.dtype}, expected {want}")
        out[f"{prefix}.{key}"] = t.detach().clone().contiguous()
    return out


def randomize(model, g):
    """Replace trivial default inits (norm layers, MHA biases) by random values; return the keys."""
    changed = []
    with torch.no_grad():
        for name, mod in model.named_modules():
            pre = f"{name}." if name else ""
            if isinstance(mod, NORMS):
                for slot in NORM_SLOTS:
                    t = getattr(mod, slot, None)
                    if t is None:
                        continue
                    if slot == "running_var":
                        t.copy_(torch.empty(t.shape).uniform_(0.5, 2.0, generator=g))
                    else:
                        t.copy_(torch.randn(t.shape, generator=g))
                    changed.append(pre + slot)
            elif isinstance(mod, nn.MultiheadAttention):
                for key, t in ((pre + "in_proj_bias", mod.in_proj_bias),
                               (pre + "out_proj.bias", mod.out_proj.bias)):
                    if t is None:  # bias=False
                        continue
                    t.copy_(0.1 * torch.randn(t.shape, generator=g))
                    changed.append(key)
    return changed


def make_inputs(specs, g):
    """Draw the forward inputs, in order, from generator `g`."""
    out = []
    for spec in specs:
        if all(isinstance(d, int) for d in spec):
            out.append(torch.randn(spec, generator=g))
        elif spec[0] == "uniform":
            out.append(torch.empty(spec[3]).uniform_(spec[1], spec[2], generator=g))
        elif spec[0] == "indices":
            out.append(torch.randint(0, spec[1], spec[3], generator=g, dtype=torch.int64))
            out[-1][0, 1] = spec[2]  # e.g. make sure padding_idx is looked up
        else:
            raise ValueError(spec)
    return out


def numbered(base, i, sep="."):
    """Tensor name `base`, `base.1`, ... (sep="_" gives the Python variable used by exec)."""
    return base if i == 0 else f"{base}{sep}{i}"


def run_forward(model, forward, inputs):
    """exec the `forward` statement (input.k -> input_k); return the outputs in order."""
    code = re.sub(r"\b(input|output)\.(\d+)\b", r"\1_\2", forward)
    env = {"model": model, **{numbered("input", i, "_"): t for i, t in enumerate(inputs)}}
    with torch.no_grad():
        exec(code, {"torch": torch, "nn": nn}, env)
    n_out = len(set(re.findall(r"\boutput(?:\.\d+)?\b", forward.split("=")[0])))
    outs = [env[numbered("output", i, "_")] for i in range(n_out)]
    for i, t in enumerate(outs):
        if not isinstance(t, torch.Tensor) or t.dtype != torch.float32 or not t.isfinite().all():
            raise ValueError(f"{forward}: output {i} is not a finite float32 tensor")
    return [t.detach().clone().contiguous() for t in outs]


def names_of(model):
    """The names.json entry: module/parameter/buffer names and apply order, in PyTorch's order."""
    order = []
    model.apply(lambda m: order.append(type(m).__name__))
    return {
        "named_modules": [[n, type(m).__name__] for n, m in model.named_modules()],
        "named_children": [n for n, _ in model.named_children()],
        "named_parameters": [n for n, _ in model.named_parameters()],
        "named_buffers": [n for n, _ in model.named_buffers()],
        "state_dict": list(model.state_dict().keys()),
        "apply_order": order,
    }


def same(a, b):
    """Bitwise equality including dtype and shape."""
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


def write_case(case, ctor, seed, specs, forward):
    """Build, record and save one case; return its names.json entry."""
    model = build(ctor, seed)
    tensors = snapshot(model, "init")
    again = snapshot(build(ctor, seed), "init")  # construction must be reproducible
    if tensors.keys() != again.keys() or not all(same(tensors[k], again[k]) for k in tensors):
        raise RuntimeError(f"{case}: construction is not deterministic")

    in_seed, p_seed = derived_seeds(seed)
    changed = randomize(model, torch.Generator().manual_seed(p_seed))
    params = snapshot(model, "param")
    for key in model.state_dict():
        differs = not same(tensors["init." + key], params["param." + key])
        if differs != (key in changed):
            raise RuntimeError(f"{case}: {key} randomized={key in changed} but differs={differs}")
    tensors.update(params)

    inputs = make_inputs(specs, torch.Generator().manual_seed(in_seed))
    for i, t in enumerate(inputs):
        tensors[numbered("input", i)] = t
    model.eval()
    for i, t in enumerate(run_forward(model, forward, inputs)):
        tensors[numbered("output", i)] = t

    if case in TRAIN_CASES:
        trained = copy.deepcopy(model).train()
        [out] = run_forward(trained, forward, inputs[:1])
        tensors["train.output"] = out
        for key, t in trained.named_buffers():
            tensors["train." + key] = t.detach().clone().contiguous()
        # BatchNorm counts the batch; InstanceNorm never does (PyTorch's F.instance_norm).
        counted = 1 if isinstance(model, nn.modules.batchnorm._BatchNorm) else 0
        if "train.num_batches_tracked" in tensors and \
                tensors["train.num_batches_tracked"].item() != counted:
            raise RuntimeError(f"{case}: expected {counted} tracked batches")

    check_case(case, tensors)
    meta = {"case": case, "ctor": ctor, "seed": str(seed), "input_seed": str(in_seed),
            "param_seed": str(p_seed), "forward": forward, "torch": torch.__version__}
    path = os.path.join(OUT_DIR, f"{case}.safetensors")
    write_safetensors(path, tensors, meta)
    with safe_open(path, framework="pt") as f:  # read back: keys, values and metadata round-trip
        if f.metadata() != meta or set(f.keys()) != set(tensors):
            raise RuntimeError(f"{case}: round-trip mismatch")
        for k in f.keys():
            if not same(f.get_tensor(k), tensors[k]):
                raise RuntimeError(f"{case}: round-trip mismatch for {k}")
    if os.path.getsize(path) > MAX_CASE_BYTES:
        raise RuntimeError(f"{case}: {os.path.getsize(path)} bytes, too large")
    return names_of(model)


def write_safetensors(path, tensors, meta):
    """Write the safetensors format with sorted keys, so that re-runs give identical bytes.

    (safetensors' save_file emits the metadata in hash-map order.) Layout: u64 LE header length,
    JSON header padded with spaces to a multiple of 8, then the raw little-endian data.
    """
    header, blobs, offset = {"__metadata__": dict(sorted(meta.items()))}, [], 0
    # Like safetensors itself: wider dtypes first, so every tensor stays aligned to its dtype.
    for name in sorted(tensors, key=lambda k: (-tensors[k].element_size(), k)):
        t = tensors[name]
        blob = t.contiguous().numpy().tobytes()  # native order, little-endian (checked in main)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def check_case(case, t):
    """Case-specific sanity checks on what was recorded."""
    if case == "embedding":
        if not (t["input"] == 2).any() or t["init.weight"][2].any() or t["output"][0, 1].any():
            raise RuntimeError("embedding: padding_idx row must be zero and looked up")
    if case in ("dropout", "identity") and not same(t["output"], t["input"]):
        raise RuntimeError(f"{case}: eval output must equal the input")
    # Without running statistics both modes normalize with the input's own statistics.
    if case in TRAIN_CASES and "param.running_mean" in t and same(t["train.output"], t["output"]):
        raise RuntimeError(f"{case}: train and eval outputs should differ")
    if case.startswith("transformer"):
        outs = [t[k] for k in sorted(t) if k.startswith("output")]
        if any(same(outs[0], o) for o in outs[1:]):
            raise RuntimeError(f"{case}: every mask must change the output")
    if case.startswith("mha"):
        s = t["output.1"].sum(-1)
        if not torch.allclose(s, torch.ones_like(s)):
            raise RuntimeError(f"{case}: attention weights must sum to one")


def summary():
    """Print every case file on disk: ctor, seeds, forward, tensors with dtype and shape."""
    total = 0
    for case, *_ in CASES:
        path = os.path.join(OUT_DIR, f"{case}.safetensors")
        size = os.path.getsize(path)
        total += size
        with safe_open(path, framework="pt") as f:
            meta = f.metadata()
            print(f"## {case}  ({size} bytes)  seed={meta['seed']} input_seed={meta['input_seed']}"
                  f" param_seed={meta['param_seed']}")
            print(f"   ctor:    {meta['ctor']}")
            print(f"   forward: {meta['forward']}")
            for k in sorted(f.keys(), key=lambda k: (GROUPS.index(k.split(".")[0]), k)):
                x = f.get_slice(k)
                print(f"   {k:40s} {x.get_dtype():4s} {x.get_shape()}")
    names = os.path.join(OUT_DIR, "names.json")
    total += os.path.getsize(names)
    print(f"\n{len(CASES)} cases, {total} bytes in total, names.json included")
    return total


def main():
    cap = torch.backends.cpu.get_cpu_capability()
    if cap not in ("AVX2", "AVX512"):
        sys.exit(f"need PyTorch's AVX2/AVX512 CPU kernels, this build runs {cap}")
    if sys.argv[1:] == ["--list"]:
        summary()
        return
    if sys.argv[1:]:
        sys.exit(f"usage: {sys.argv[0]} [--list]")
    torch.set_num_threads(1)
    if sys.byteorder != "little":
        raise RuntimeError("write_safetensors assumes a little-endian machine")
    if torch.get_default_dtype() != torch.float32:
        raise RuntimeError("default dtype must be float32")
    names = [c[0] for c in CASES]
    if len(set(names)) != len(names) or len({c[2] for c in CASES}) != len(CASES):
        raise RuntimeError("case names and seeds must be unique")
    os.makedirs(OUT_DIR, exist_ok=True)
    expected = {f"{n}.safetensors" for n in names} | {"names.json"}
    stray = sorted(set(os.listdir(OUT_DIR)) - expected)
    if stray:
        raise RuntimeError(f"unexpected files in {OUT_DIR}: {stray}")

    all_names = {case: write_case(case, ctor, seed, specs, fwd)
                 for case, ctor, seed, specs, fwd in CASES}
    with open(os.path.join(OUT_DIR, "names.json"), "w") as f:
        json.dump(all_names, f, indent=1)
        f.write("\n")
    if summary() > MAX_TOTAL_BYTES:
        raise RuntimeError("fixtures exceed the total size budget")


if __name__ == "__main__":
    main()
