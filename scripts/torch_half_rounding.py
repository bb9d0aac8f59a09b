#!/usr/bin/env python3
"""The f32 -> bf16 and f32 -> f16 roundings of PyTorch, as `tensor.to(torch.bfloat16)` and
`tensor.to(torch.float16)` do them on this machine's CPU, for the checkpoint writer's tests.

Run by hand from the repository root (CI has no PyTorch; the output is committed):

    .venv-torch/bin/python scripts/torch_half_rounding.py   # (re)write tests/fixtures/checkpoint/rounding.txt

Each line of the output is `<f32 bits> <bf16 bits> <f16 bits>` in hex. The inputs are the
edge cases (signed zeros, infinities, NaNs with and without payload, the largest finite
values, the values around each format's overflow threshold, its smallest normal and
subnormal, exact ties that round to even up and down) and then bit patterns drawn from
`torch.Generator().manual_seed(0)`, spread over every exponent.
"""

from pathlib import Path

import torch


def edge_cases() -> list[int]:
    cases = [
        0x00000000, 0x80000000,  # zeros
        0x7F800000, 0xFF800000,  # infinities
        0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF812345, 0x7FFFFFFF, 0x7FA00000,  # NaNs
        0x7F7FFFFF, 0xFF7FFFFF,  # largest finite f32
        0x00000001, 0x80000001, 0x007FFFFF, 0x00800000,  # f32 subnormals, smallest normal
        0x3F800000, 0x3F808000, 0x3F818000, 0x3F807FFF, 0x3F808001,  # bf16 ties at 1.0
        0x3F801000, 0x3F803000, 0x3F800FFF, 0x3F801001,  # f16 ties at 1.0
        0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x47800000,  # f16 overflow: 65504 .. 65536
        0x7F7F8000, 0x7F7F7FFF, 0x7F7FC000,  # bf16 overflow
        0x38800000, 0x387FFFFF, 0x387FE000, 0x387FF000,  # f16 smallest normal and below
        0x33800000, 0x33000000, 0x33000001, 0x32FFFFFF, 0x33C00000, 0x33A00000,  # f16 smallest subnormal
        0x34000000, 0x34400000, 0x34200000, 0x34600000,  # f16 subnormal ties
        0x3A800000, 0x3A801000, 0x3A802000, 0x3A7FF000,
    ]
    return cases + [c ^ 0x80000000 for c in cases if c & 0x80000000 == 0]


def random_cases(n: int) -> list[int]:
    g = torch.Generator().manual_seed(0)
    exponents = torch.randint(90, 160, (n,), generator=g)  # 2^-37 .. 2^32, where f16 changes
    mantissas = torch.randint(0, 1 << 23, (n,), generator=g)
    signs = torch.randint(0, 2, (n,), generator=g)
    return [
        (int(s) << 31) | (int(e) << 23) | int(m)
        for s, e, m in zip(signs.tolist(), exponents.tolist(), mantissas.tolist())
    ]


def main() -> None:
    bits = edge_cases() + random_cases(400)
    # Made from the bits (a Python float would quiet a signaling NaN on the way in).
    signed = [b - (1 << 32) if b >= 1 << 31 else b for b in bits]
    x = torch.tensor(signed, dtype=torch.int32).view(torch.float32)
    assert [b & 0xFFFFFFFF for b in x.view(torch.int32).tolist()] == bits
    bf = [b & 0xFFFF for b in x.to(torch.bfloat16).view(torch.int16).tolist()]
    hf = [b & 0xFFFF for b in x.to(torch.float16).view(torch.int16).tolist()]
    out = Path("tests/fixtures/checkpoint/rounding.txt")
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# torch {torch.__version__}: f32 bits, .to(torch.bfloat16) bits, .to(torch.float16) bits"]
    lines += [f"{a:08x} {b:04x} {c:04x}" for a, b, c in zip(bits, bf, hf)]
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}: {len(bits)} values")


if __name__ == "__main__":
    main()
