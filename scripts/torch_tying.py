"""Facts about tied parameters in PyTorch, safetensors and Hugging Face transformers, pinned in
tests/fixtures/tying/facts.json for tests/test_derive_tie.rs (CI has no PyTorch).

Run: .venv-torch/bin/python scripts/torch_tying.py
"""
import json
import os
import tempfile

import safetensors.torch
import torch
from torch import nn


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(5, 3)
        self.ln_f = nn.LayerNorm(3)


class Tiny(nn.Module):
    """GPT-2's shape in miniature: lm_head.weight is transformer.wte.weight."""

    def __init__(self):
        super().__init__()
        self.transformer = Transformer()
        self.lm_head = nn.Linear(3, 5, bias=False)
        self.lm_head.weight = self.transformer.wte.weight


def main():
    torch.manual_seed(0)
    m = Tiny()
    facts = {
        "state_dict": list(m.state_dict().keys()),
        "named_parameters": [n for n, _ in m.named_parameters()],
        "named_parameters_keep_duplicates": [
            n for n, _ in m.named_parameters(remove_duplicate=False)
        ],
        "num_parameters": sum(p.numel() for p in m.parameters()),
        "same_storage": m.lm_head.weight.data_ptr() == m.transformer.wte.weight.data_ptr(),
    }
    with tempfile.TemporaryDirectory() as d:
        try:
            safetensors.torch.save_file(m.state_dict(), os.path.join(d, "a.safetensors"))
            facts["save_file_refuses_shared"] = False
        except RuntimeError:
            facts["save_file_refuses_shared"] = True
        safetensors.torch.save_model(m, os.path.join(d, "b.safetensors"))
        facts["save_model_keys"] = sorted(
            safetensors.torch.load_file(os.path.join(d, "b.safetensors")).keys()
        )
    try:
        from transformers import GPT2Config, GPT2LMHeadModel

        cfg = GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=16, n_positions=8)
        gpt = GPT2LMHeadModel(cfg)
        with tempfile.TemporaryDirectory() as d:
            gpt.save_pretrained(d)
            keys = safetensors.torch.load_file(os.path.join(d, "model.safetensors")).keys()
            facts["hf_gpt2_saved_has_wte"] = "transformer.wte.weight" in keys
            facts["hf_gpt2_saved_has_lm_head"] = "lm_head.weight" in keys
            facts["hf_gpt2_state_dict_has_lm_head"] = "lm_head.weight" in gpt.state_dict()
    except ImportError:
        pass
    out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "tying", "facts.json")
    with open(out, "w") as f:
        json.dump(facts, f, indent=1)
        f.write("\n")
    print(json.dumps(facts, indent=1))


if __name__ == "__main__":
    main()
