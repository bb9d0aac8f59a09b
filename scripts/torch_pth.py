"""PyTorch `.pth` fixtures for `init_core::load_pytorch`: files written by `torch.save` itself,
each beside the safetensors file of what it must load to, plus hostile files.

    .venv-torch/bin/python scripts/torch_pth.py            # (re)write tests/fixtures/pth/
    .venv-torch/bin/python scripts/torch_pth.py --check    # torch.load(weights_only=True) agrees

For every `<name>.pth` there is a `<name>.expected.safetensors`: the state dict the Rust loader
must give, bit for bit, each tensor made contiguous and converted as the loader converts
(`float16`/`bfloat16`/`float64` to `float32` by `.float()`, `bool` to `int64` by `.long()`).
The interop models of tests/fixtures/state/ are saved with `torch.save` as `<model>.pth` and
compared with their own safetensors files.

`hostile/<case>.pth` are files no loader should accept; tests/test_pytorch.rs pins the error
of each. Most are built here byte by byte (a pickle written by hand, a zip written with
`zipfile`), so that each breaks exactly one rule.
"""

import io
import os
import struct
import sys
import tarfile
import zipfile
from collections import OrderedDict

import numpy as np
import torch
from safetensors.torch import load_file, save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "pth")
HOSTILE = os.path.join(OUT, "hostile")
INTEROP = ["forum_net", "lstm", "resnet", "text"]


def put(z, name, data, compress=zipfile.ZIP_STORED):
    """`z.writestr` with a fixed timestamp, so that the fixtures are the same on every run."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = compress
    z.writestr(info, data)


def expected(sd):
    """The state dict the loader gives: contiguous, f32 or i64."""
    out = OrderedDict()
    for k, t in sd.items():
        t = t.detach()
        if t.dtype == torch.float16:
            # IEEE conversion, NaN payloads kept (numpy's, and the safetensors loader's):
            # PyTorch's CPU `.float()` turns the half NaN 0x7e00 into 0x7fffffff instead.
            t = torch.from_numpy(t.contiguous().numpy().astype(np.float32))
        elif t.dtype in (torch.bfloat16, torch.float64):
            t = t.float()
        elif t.dtype == torch.bool:
            t = t.long()
        out[k] = t.contiguous().clone()
    return out


def small_model():
    g = torch.Generator().manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
        m[1].running_mean.copy_(torch.randn(4, generator=g))
        m[1].running_var.copy_(torch.rand(4, generator=g) + 0.5)
        m[1].num_batches_tracked.fill_(7)
    return m


def views():
    """Tensors that are views into shared storages: offsets, strides, non-contiguous,
    expanded (stride 0), two keys on one storage, a scalar, an empty tensor."""
    g = torch.Generator().manual_seed(1)
    base = torch.randn(24, generator=g)
    w = torch.randn(3, 5, generator=g)
    sd = OrderedDict()
    sd["slice"] = base[2:7]  # offset 2
    sd["matrix"] = base[4:16].view(3, 4)  # offset 4, same storage
    sd["transposed"] = w.t()  # strides (1, 5)
    sd["every_other"] = w[:, ::2]  # strides (5, 2)
    sd["expanded"] = torch.randn(1, 4, generator=g).expand(3, 4)  # stride (0, 1)
    sd["tied_a"] = w
    sd["tied_b"] = w  # the same tensor under two keys
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["column"] = base.view(4, 6)[1:, 3:4]  # offset 9, shape (3, 1), strides (6, 1)
    return sd


def dtypes():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(2, 3, generator=g) * 100
    sd = OrderedDict()
    sd["f32"] = x.clone()
    sd["f16"] = x.half()
    sd["bf16"] = x.bfloat16()
    sd["f64"] = x.double() / 3
    sd["i64"] = torch.tensor([[-(2**62), -1, 0], [1, 2**40, 2**62]], dtype=torch.int64)
    sd["bool"] = torch.tensor([[True, False, True], [False, False, True]])
    # Values that must survive exactly: NaN, infinities, -0.0, subnormals.
    sd["special_f16"] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 6e-8, 65504.0]).half()
    return sd


def save_pair(name, obj, sd, **kw):
    torch.save(obj, os.path.join(OUT, name + ".pth"), **kw)
    save_file(expected(sd), os.path.join(OUT, name + ".expected.safetensors"))


def big_endian(src, dst, sizes):
    """`src` rewritten as a big-endian file: byteorder `big`, each storage's elements
    byte-reversed (`sizes`: storage key -> element size)."""
    zin = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            folder, _, rest = info.filename.partition("/")
            if rest == "byteorder":
                data = b"big"
            elif rest.startswith("data/"):
                n = sizes[rest[len("data/"):]]
                data = b"".join(data[i : i + n][::-1] for i in range(0, len(data), n))
            put(zout, info.filename, data)


def generate_valid():
    torch.manual_seed(0)
    m = small_model()
    sd = m.state_dict()
    save_pair("state_dict", sd, sd)
    save_pair("checkpoint", {"state_dict": sd, "epoch": 3, "lr": 0.1, "tag": "best"}, sd)
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m(torch.randn(5, 3)).sum().backward()
    opt.step()
    # The optimizer's state is keyed by ints: not a candidate, so `model` is found alone.
    save_pair("with_optimizer", {"model": sd, "optimizer": opt.state_dict(), "epoch": 1}, sd)
    other = small_model().state_dict()
    save_pair("two_state_dicts", {"model": sd, "ema": other}, sd)
    save_pair("parameters", m.state_dict(keep_vars=True), sd)
    save_pair("views", views(), views())
    save_pair("dtypes", dtypes(), dtypes())
    save_pair("empty", OrderedDict(), OrderedDict())
    big_endian(
        os.path.join(OUT, "dtypes.pth"),
        os.path.join(OUT, "dtypes_big_endian.pth"),
        storage_sizes(os.path.join(OUT, "dtypes.pth")),
    )
    save_file(expected(dtypes()), os.path.join(OUT, "dtypes_big_endian.expected.safetensors"))
    for name in INTEROP:
        sd = load_file(os.path.join(ROOT, "tests", "fixtures", "state", name + ".safetensors"))
        keys = list(sd.keys())
        # safetensors keeps the keys sorted; the order does not matter for the comparison.
        torch.save(OrderedDict((k, sd[k]) for k in keys), os.path.join(OUT, name + ".pth"))


def storage_sizes(path):
    """Storage key -> element size, from the pickle of a torch.save file."""
    sizes = {}

    import pickle

    z = zipfile.ZipFile(path)
    folder = z.namelist()[0].split("/")[0]

    class U(pickle.Unpickler):
        def persistent_load(self, pid):
            _, storage_type, key, _, numel = pid
            sizes[key] = storage_type(0).element_size() if callable(storage_type) else 1
            return None

        def find_class(self, module, name):
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return lambda *a: None
            return super().find_class(module, name)

    U(io.BytesIO(z.read(folder + "/data.pkl"))).load()
    return sizes


# ---- hostile files -------------------------------------------------------------------------


class P:
    """A protocol-2 pickle written opcode by opcode."""

    def __init__(self):
        self.b = bytearray(b"\x80\x02")

    def op(self, raw):
        self.b += raw
        return self

    def glob(self, module, name):
        return self.op(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def s(self, text):
        t = text.encode()
        return self.op(b"X" + struct.pack("<I", len(t)) + t)

    def i(self, n):
        if 0 <= n < 256:
            return self.op(b"K" + bytes([n]))
        if -(2**31) <= n < 2**31:
            return self.op(b"J" + struct.pack("<i", n))
        return self.op(b"\x8a\x08" + struct.pack("<q", n))

    def ints(self, xs):
        self.op(b"(")
        for x in xs:
            self.i(x)
        return self.op(b"t")

    def tensor(self, key, storage="FloatStorage", numel=4, offset=0, size=(4,), stride=(1,), args=None):
        """`_rebuild_tensor_v2` of storage `key`."""
        self.glob("torch._utils", "_rebuild_tensor_v2")
        self.op(b"(")
        self.op(b"(").s("storage").glob("torch", storage).s(key).s("cpu").i(numel).op(b"tQ")
        self.i(offset).ints(size).ints(stride).op(b"\x89")
        self.glob("collections", "OrderedDict").op(b")R")
        if args is not None:
            self.op(args)
        return self.op(b"tR")

    def stop(self):
        return bytes(self.b + b".")


def one_tensor(**kw):
    """A state dict `{"w": tensor}`."""
    p = P().op(b"}(").s("w")
    p.tensor("0", **kw)
    return p.op(b"u").stop()


def archive(pkl, data=None, folder="archive", byteorder=b"little", compress=None, extra=()):
    """A torch.save-like zip archive holding the pickle `pkl` and storages `data`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        put(z, folder + "/data.pkl", pkl, compress or zipfile.ZIP_STORED)
        if byteorder is not None:
            put(z, folder + "/byteorder", byteorder)
        for key, raw in (data or {}).items():
            put(z, folder + "/data/" + key, raw)
        for name, raw in extra:
            put(z, name, raw)
        put(z, folder + "/version", b"3\n")
    return buf.getvalue()


FOUR_F32 = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)


def hostile_cases():
    cases = {}
    good = archive(one_tensor(), {"0": FOUR_F32})
    cases["empty_file"] = b""
    cases["text_file"] = b"this is not a checkpoint\n"
    legacy = io.BytesIO()
    torch.save({"w": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    cases["legacy_pickle"] = legacy.getvalue()
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as t:
        info = tarfile.TarInfo("pickle")
        info.size = 4
        t.addfile(info, io.BytesIO(b"\x80\x02N."))
    cases["legacy_tar"] = tar.getvalue()
    cases["truncated_zip"] = good[: len(good) // 2]
    cases["truncated_end_record"] = good[:-5]
    # The end record says the central directory starts beyond the file.
    eocd = good.rfind(b"PK\x05\x06")
    cases["central_directory_outside"] = good[: eocd + 16] + struct.pack("<I", len(good) * 2) + good[eocd + 20 :]
    # The end record claims 65534 entries in a directory of a few hundred bytes.
    cases["entry_count_bomb"] = good[: eocd + 8] + struct.pack("<HH", 0xFFFE, 0xFFFE) + good[eocd + 12 :]
    # A data byte flipped: the CRC no longer matches.
    at = good.find(FOUR_F32)
    cases["wrong_crc_data"] = good[:at] + bytes([good[at] ^ 0xFF]) + good[at + 1 :]
    pkl = one_tensor()
    at = good.find(pkl)
    cases["wrong_crc_pickle"] = good[: at + 5] + bytes([good[at + 5] ^ 0x01]) + good[at + 6 :]
    cases["zip_bomb_deflate"] = archive(b"\x80\x02" + b"N0" * 500_000 + b"}.", compress=zipfile.ZIP_DEFLATED)
    # The encryption flag set in the central directory entry of data.pkl.
    cd = good.find(b"PK\x01\x02")
    flags = struct.unpack("<H", good[cd + 8 : cd + 10])[0] | 1
    cases["encrypted_entry"] = good[: cd + 8] + struct.pack("<H", flags) + good[cd + 10 :]
    with_dup = io.BytesIO()
    with zipfile.ZipFile(with_dup, "w") as z:
        put(z, "archive/data.pkl", one_tensor())
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            put(z, "archive/data/0", FOUR_F32)
            put(z, "archive/data/0", FOUR_F32)
    cases["duplicate_zip_entry"] = with_dup.getvalue()
    cases["no_data_pkl"] = archive(b"", extra=()).replace(b"archive/data.pkl", b"archive/data.pkx")
    script = io.BytesIO()
    torch.jit.save(torch.jit.script(torch.nn.Linear(1, 1)), script)
    cases["torchscript_archive"] = script.getvalue()
    cases["bad_byteorder"] = archive(one_tensor(), {"0": FOUR_F32}, byteorder=b"middle")

    cases["global_os_system"] = archive(P().glob("os", "system").s("echo pwned").op(b"\x85R").stop())
    cases["global_posix_system"] = archive(P().glob("posix", "system").s("id").op(b"\x85R").stop())
    cases["global_builtins_eval"] = archive(P().glob("builtins", "eval").s("1+1").op(b"\x85R").stop())
    cases["global_builtins_exec"] = archive(P().glob("__builtin__", "exec").s("x=1").op(b"\x85R").stop())

    class Evil:
        def __reduce__(self):
            import subprocess

            return (subprocess.Popen, (["true"],))

    import pickle

    cases["reduce_subprocess"] = archive(pickle.dumps({"w": Evil()}, protocol=2))
    cases["global_numpy_reconstruct"] = archive(
        P().glob("numpy.core.multiarray", "_reconstruct").op(b")R").stop()
    )
    cases["global_getattr"] = archive(P().glob("builtins", "getattr").op(b")R").stop())
    cases["stack_global_os_system"] = archive(P().s("os").s("system").op(b"\x93").stop())
    cases["opcode_inst"] = archive(P().op(b"(ios\nsystem\n").stop())
    cases["opcode_newobj"] = archive(P().glob("collections", "OrderedDict").op(b")\x81").stop())
    cases["opcode_ext1"] = archive(P().op(b"\x82\x01").stop())
    cases["protocol_1"] = archive(b"\x80\x01}.")
    # torch.save(pickle_protocol=4): FRAME, which torch.load(weights_only=True) refuses too.
    p4 = io.BytesIO()
    torch.save({"w": torch.ones(1)}, p4, pickle_protocol=4)
    cases["protocol_4_frame"] = p4.getvalue()
    cases["ordered_dict_with_args"] = archive(
        P().glob("collections", "OrderedDict").op(b"]").s("k").op(b"a\x85R").stop()
    )
    cases["call_storage_type"] = archive(P().glob("torch", "FloatStorage").op(b")R").stop())
    cases["build_on_list"] = archive(P().op(b"]}b").stop())
    # Memo bomb: level k is a list of 10 references to level k-1, 40 levels: 10^40 leaves if
    # copied or walked, 400 BINGETs as written. The levels are items of the list under "w".
    p = P().op(b"}").s("w").op(b"]")
    p.op(b"]q\x00a")
    for k in range(1, 41):
        p.op(b"](" + b"".join(b"h" + bytes([k - 1]) for _ in range(10)) + b"e")
        p.op(b"q" + bytes([k]) + b"a")
    cases["memo_bomb"] = archive(p.op(b"s").stop())
    cases["recursion_bomb_marks"] = archive(P().op(b"(" * 100_000).stop())
    cases["recursion_bomb_tuples"] = archive(P().op(b"N" + b"\x85" * 100_000).stop())
    cases["self_referencing_dict"] = archive(P().op(b"}q\x00").s("w").op(b"h\x00s").stop())
    cases["memo_key_never_set"] = archive(P().op(b"h\x05").stop())
    cases["pickle_without_stop"] = archive(P().op(b"}").b)
    cases["bytes_after_stop"] = archive(P().op(b"}").stop() + b"N.")
    cases["string_length_bomb"] = archive(P().op(b"X\xff\xff\xff\xff").stop())
    cases["long1_too_wide"] = archive(P().op(b"\x8a\x10" + b"\x01" * 16).stop())
    cases["top_level_list"] = archive(P().op(b"]").stop())
    cases["storage_offset_outside"] = archive(one_tensor(offset=100), {"0": FOUR_F32})
    cases["view_past_storage"] = archive(one_tensor(size=(2, 3), stride=(3, 1)), {"0": FOUR_F32})
    cases["shape_overflow"] = archive(one_tensor(size=(2**62, 2**62), stride=(1, 1)), {"0": FOUR_F32})
    cases["stride_overflow"] = archive(one_tensor(size=(2, 2), stride=(2**62, 1)), {"0": FOUR_F32})
    cases["negative_stride"] = archive(one_tensor(stride=(-1,)), {"0": FOUR_F32})
    cases["too_many_dims"] = archive(one_tensor(size=(1,) * 65, stride=(1,) * 65), {"0": FOUR_F32})
    cases["missing_storage"] = archive(one_tensor(), {})
    cases["storage_size_mismatch"] = archive(one_tensor(numel=8), {"0": FOUR_F32})
    cases["expand_bomb"] = archive(one_tensor(numel=1, size=(2**28, 4), stride=(0, 0)), {"0": FOUR_F32[:4]})
    cases["unsupported_storage"] = archive(one_tensor(storage="IntStorage"), {"0": FOUR_F32})
    cases["bad_persistent_id"] = archive(P().op(b"(").s("storage").op(b"tQ").stop())
    cases["rebuild_wrong_arity"] = archive(
        P().op(b"}").s("w").glob("torch._utils", "_rebuild_tensor_v2").op(b")Rs").stop()
    )
    p = P().op(b"}(").s("w")
    p.tensor("0")
    p.s("w")
    p.tensor("0")
    cases["duplicate_keys"] = archive(p.op(b"u").stop(), {"0": FOUR_F32})
    p = P().op(b"}(").i(1)
    p.tensor("0")
    cases["int_key"] = archive(p.op(b"u").stop(), {"0": FOUR_F32})
    cases["value_not_a_tensor"] = archive(P().op(b"}").s("w").s("text").op(b"s").stop())
    cases["ambiguous_state_dicts"] = ambiguous()
    # Central directory entries edited one field at a time: data.pkl, byteorder, then data/0,
    # the third, whose fields are changed.
    cd0 = good.find(b"PK\x01\x02")
    cd1 = good.find(b"PK\x01\x02", good.find(b"PK\x01\x02", cd0 + 4) + 4)
    # Its local header offset moved 1 byte on: no local header there.
    local = struct.unpack("<I", good[cd1 + 42 : cd1 + 46])[0]
    cases["local_header_moved"] = good[: cd1 + 42] + struct.pack("<I", local + 1) + good[cd1 + 46 :]
    # Its sizes (compressed and not) claim 1 GiB, as does the pickle (a storage of 2^28
    # floats, of which the tensor views 4): the data would run into the directory.
    claims = archive(one_tensor(numel=1 << 28), {"0": FOUR_F32})
    c1 = claims.find(b"PK\x01\x02", claims.find(b"PK\x01\x02", claims.find(b"PK\x01\x02") + 4) + 4)
    big = struct.pack("<II", 1 << 30, 1 << 30)
    cases["entry_size_past_directory"] = claims[: c1 + 20] + big + claims[c1 + 28 :]
    # Its sizes differ although it is stored.
    cases["stored_sizes_differ"] = good[: cd1 + 20] + struct.pack("<I", 8) + good[cd1 + 24 :]
    # The end record's entry count is 0xffff (zip64's marker) with no zip64 locator.
    cases["zip64_locator_missing"] = good[: eocd + 8] + struct.pack("<HH", 0xFFFF, 0xFFFF) + good[eocd + 12 :]
    # The same storage key named as FloatStorage of 4, then LongStorage of 2.
    p = P().op(b"}(").s("a")
    p.tensor("0")
    p.s("b")
    p.tensor("0", storage="LongStorage", numel=2, size=(2,))
    cases["storage_named_twice"] = archive(p.op(b"u").stop(), {"0": FOUR_F32})
    # _rebuild_tensor_v2 given an int where the storage goes.
    p = P().op(b"}").s("w").glob("torch._utils", "_rebuild_tensor_v2").op(b"(")
    p.i(1).i(0).ints((4,)).ints((1,)).op(b"\x89")
    p.glob("collections", "OrderedDict").op(b")R")
    cases["storage_not_a_storage"] = archive(p.op(b"tRs").stop(), {"0": FOUR_F32})
    # _rebuild_parameter around a string instead of a tensor.
    p = P().op(b"}").s("w").glob("torch._utils", "_rebuild_parameter").op(b"(").s("data").op(b"\x88")
    p.glob("collections", "OrderedDict").op(b")R")
    cases["parameter_of_a_string"] = archive(p.op(b"tRs").stop())
    cases["missing_named_entry"] = good
    return cases


def ambiguous():
    sd = OrderedDict(w=torch.ones(2))
    buf = io.BytesIO()
    torch.save({"model": sd, "ema": sd}, buf)
    return buf.getvalue()


def generate_hostile():
    os.makedirs(HOSTILE, exist_ok=True)
    for name in os.listdir(HOSTILE):
        os.remove(os.path.join(HOSTILE, name))
    for name, data in hostile_cases().items():
        with open(os.path.join(HOSTILE, name + ".pth"), "wb") as f:
            f.write(data)


def check():
    """torch.load(weights_only=True) reads every valid file as its expected state dict, and
    refuses the hostile ones that PyTorch also refuses (printed, for the record)."""
    for name in sorted(os.listdir(OUT)):
        if not name.endswith(".pth"):
            continue
        obj = torch.load(os.path.join(OUT, name), weights_only=True)
        print("loads:", name, type(obj).__name__)
    refused = []
    for name in sorted(os.listdir(HOSTILE)):
        try:
            torch.load(os.path.join(HOSTILE, name), weights_only=True)
        except Exception as e:  # noqa: BLE001 (recording what PyTorch says)
            refused.append(name)
            print("torch refuses", name, "->", type(e).__name__, (str(e).splitlines() or [""])[0][:100])
        else:
            print("torch loads  ", name)
    print(len(refused), "of", len(os.listdir(HOSTILE)), "hostile files refused by torch")


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--check" in sys.argv:
        check()
        return
    generate_valid()
    generate_hostile()


if __name__ == "__main__":
    main()
