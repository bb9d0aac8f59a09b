"""What `save_pretrained` writes for tiny Llama and GPT-2 configurations, and the statistics of
Hugging Face's initialization of each tensor, pinned in init-ckpt/tests/fixtures/*.json for
init-ckpt's tests (CI has no PyTorch).

For each case: the config.json that `save_pretrained` writes, the state-dict keys in order
with shapes, the keys that reach the file (tied `lm_head.weight` and non-persistent buffers
do not), the keys of each shard of a sharded save (the order the shards are filled in), and
per saved tensor its dtype, mean, std, the constant value of a constant tensor and the rows
of a matrix that are all zero (an Embedding's padding_idx). For the configs from the Hub in
fixtures/hub/: the model class, its parameter count and tensor count (built on the meta
device).

Run: .venv-torch/bin/python scripts/hf_ckpt_layout.py
"""
import json
import os
import tempfile

import safetensors
import torch
import transformers
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

OUT = os.path.join(os.path.dirname(__file__), "..", "init-ckpt", "tests", "fixtures")

CASES = {
    # GQA (4 query heads, 2 key/value heads), untied head.
    "llama_gqa": (LlamaConfig, LlamaForCausalLM, dict(
        vocab_size=96, hidden_size=64, intermediate_size=112, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, initializer_range=0.05,
        max_position_embeddings=64)),
    # Tied head, biases on attention and MLP, head_dim apart from hidden / heads, a padding row.
    "llama_tied_bias": (LlamaConfig, LlamaForCausalLM, dict(
        vocab_size=80, hidden_size=48, intermediate_size=72, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=1, head_dim=20, attention_bias=True,
        mlp_bias=True, tie_word_embeddings=True, pad_token_id=3, initializer_range=0.03,
        max_position_embeddings=64)),
    # GPT-2 as it ships: tied head, n_inner = 4 * n_embd, scaled c_proj.
    "gpt2_tied": (GPT2Config, GPT2LMHeadModel, dict(
        vocab_size=96, n_positions=40, n_embd=64, n_layer=3, n_head=4, initializer_range=0.04)),
    # Untied head and an explicit n_inner.
    "gpt2_inner_untied": (GPT2Config, GPT2LMHeadModel, dict(
        vocab_size=72, n_positions=24, n_embd=48, n_layer=4, n_head=6, n_inner=80,
        tie_word_embeddings=False, initializer_range=0.02)),
}


def stats(t):
    t = t.detach().to(torch.float64)
    flat = t.reshape(-1)
    out = {
        "mean": flat.mean().item(),
        "std": flat.std(unbiased=False).item() if flat.numel() > 1 else 0.0,
        "constant": flat[0].item() if bool((flat == flat[0]).all()) else None,
    }
    if t.dim() == 2:
        out["zero_rows"] = [i for i in range(t.shape[0]) if bool((t[i] == 0).all())]
    return out


def shards(model, dir_):
    model.save_pretrained(dir_, max_shard_size="24KB")
    index = json.load(open(os.path.join(dir_, "model.safetensors.index.json")))
    files = sorted(set(index["weight_map"].values()))
    result = []
    for f in files:
        # HF fills shards in state-dict order; sort each file's keys back into that order.
        order = list(model.state_dict().keys())
        with safetensors.safe_open(os.path.join(dir_, f), "pt") as h:
            keys = sorted(h.keys(), key=order.index)
        result.append({"file": f, "keys": keys})
    return {"max_shard_size": "24KB", "total_size": index["metadata"]["total_size"],
            "shards": result}


def case(name, config_cls, model_cls, kwargs):
    torch.manual_seed(0)
    config = config_cls(**kwargs)
    model = model_cls(config)
    sd = model.state_dict()
    with tempfile.TemporaryDirectory() as d:
        model.save_pretrained(d)
        config_json = json.load(open(os.path.join(d, "config.json")))
        with safetensors.safe_open(os.path.join(d, "model.safetensors"), "pt") as h:
            saved = {k: h.get_tensor(k) for k in h.keys()}
    with tempfile.TemporaryDirectory() as d:
        sharded = shards(model, d)
    saved_in_order = [k for k in sd.keys() if k in saved]
    assert len(saved_in_order) == len(saved)
    return {
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "config": config_json,
        "state_dict": [{"key": k, "shape": list(v.shape)} for k, v in sd.items()],
        "saved": [
            {"key": k, "shape": list(saved[k].shape), "dtype": str(saved[k].dtype),
             **stats(saved[k])}
            for k in saved_in_order
        ],
        "sharded": sharded,
    }


def compact(facts):
    """JSON with one list item per line: small, and readable in a diff."""
    lines = ["{"]
    for i, (k, v) in enumerate(facts.items()):
        sep = "," if i + 1 < len(facts) else ""
        if isinstance(v, list):
            items = [json.dumps(x, default=str) for x in v]
            lines.append(f" {json.dumps(k)}: [\n  " + ",\n  ".join(items) + f"\n ]{sep}")
        else:
            lines.append(f" {json.dumps(k)}: {json.dumps(v, default=str)}{sep}")
    return "\n".join(lines) + "\n}\n"


def defaults():
    """The keys and default values of both configurations, as `to_dict()` gives them, and the
    activation names transformers knows (`ACT2FN`, what `hidden_act` and
    `activation_function` name), each with whether the activation has parameters of its own
    (which would add state-dict keys)."""
    from transformers.activations import ACT2FN

    return {
        "llama": LlamaConfig().to_dict(),
        "gpt2": GPT2Config().to_dict(),
        "activations": {
            name: len(list(ACT2FN[name].parameters())) > 0 for name in sorted(ACT2FN.keys())
        },
    }


def hub_counts():
    """Parameters (tied ones once) of the models of the Hub configs in fixtures/hub/, built on
    the meta device (no memory), and their state-dict keys that reach the file."""
    from transformers import AutoConfig, AutoModelForCausalLM

    counts = {}
    hub = os.path.join(OUT, "hub")
    for f in sorted(os.listdir(hub)):
        config = AutoConfig.from_pretrained(os.path.join(hub, f))
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
        counts[f] = {
            "class": type(model).__name__,
            "parameters": sum(p.numel() for p in model.parameters()),
            "tensors": len(list(model.parameters())),
        }
    return counts


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (config_cls, model_cls, kwargs) in CASES.items():
        facts = case(name, config_cls, model_cls, kwargs)
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w") as f:
            f.write(compact(facts))
        print(path, len(facts["saved"]), "tensors")
    path = os.path.join(OUT, "config_defaults.json")
    with open(path, "w") as f:
        json.dump(defaults(), f, indent=1, default=str)
        f.write("\n")
    print(path)
    path = os.path.join(OUT, "hub_counts.json")
    with open(path, "w") as f:
        json.dump(hub_counts(), f, indent=1)
        f.write("\n")
    print(path)


if __name__ == "__main__":
    main()
