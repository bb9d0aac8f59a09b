//! Every way a config.json can be refused, with the exact message naming the key.

use init_ckpt::ModelConfig;

fn err(json: &str) -> String {
    ModelConfig::from_json(json).unwrap_err().to_string()
}

#[test]
fn unknown_keys_get_did_you_mean() {
    assert_eq!(
        err(r#"{"model_type": "llama", "num_atention_heads": 8}"#),
        "unknown key \"num_atention_heads\" in a llama config (did you mean \"num_attention_heads\"?)"
    );
    assert_eq!(
        err(r#"{"model_type": "gpt2", "n_embed": 8}"#),
        "unknown key \"n_embed\" in a gpt2 config (did you mean \"n_embd\"?)"
    );
    // A key of the other family: the model_type is the likely mistake.
    assert_eq!(
        err(r#"{"model_type": "llama", "n_layer": 2}"#),
        "unknown key \"n_layer\" in a llama config (a gpt2 key: is model_type right?)"
    );
    assert_eq!(
        err(r#"{"model_type": "gpt2", "sliding_window": 4096}"#),
        "unknown key \"sliding_window\" in a gpt2 config"
    );
}

#[test]
fn missing_and_unsupported_model_type() {
    assert_eq!(
        err(r#"{"hidden_size": 64}"#),
        "missing key \"model_type\": it names the model family (supported: \"gpt2\", \"llama\")"
    );
    assert_eq!(
        err(r#"{"model_type": "bert"}"#),
        "model_type \"bert\" is not supported; supported: \"gpt2\", \"llama\""
    );
    assert_eq!(err(r#"{"model_type": 3}"#), "key \"model_type\" must be a string, found 3");
}

#[test]
fn wrong_types_name_the_key_and_value() {
    assert_eq!(
        err(r#"{"model_type": "llama", "hidden_size": 64.5}"#),
        "key \"hidden_size\" must be an integer, found 64.5"
    );
    assert_eq!(
        err(r#"{"model_type": "llama", "tie_word_embeddings": "yes"}"#),
        "key \"tie_word_embeddings\" must be true or false, found \"yes\""
    );
    assert_eq!(
        err(r#"{"model_type": "gpt2", "n_inner": "4x"}"#),
        "key \"n_inner\" must be an integer or null, found \"4x\""
    );
    assert_eq!(
        err(r#"{"model_type": "llama", "eos_token_id": [1, "2"]}"#),
        "key \"eos_token_id\" must be an integer, a list of integers or null, found [1,\"2\"]"
    );
    assert_eq!(
        err(r#"{"model_type": "gpt2", "architectures": "GPT2"}"#),
        "key \"architectures\" must be a list of strings or null, found \"GPT2\""
    );
}

#[test]
fn values_out_of_range() {
    let cases = [
        (
            r#"{"model_type": "llama", "vocab_size": 0}"#,
            "key \"vocab_size\": must be at least 1, found 0",
        ),
        (
            r#"{"model_type": "llama", "num_hidden_layers": -2}"#,
            "key \"num_hidden_layers\": must be a non-negative integer, found -2",
        ),
        (
            r#"{"model_type": "llama", "hidden_size": 50, "num_attention_heads": 4, "head_dim": 16}"#,
            "key \"hidden_size\": 50 is not a multiple of num_attention_heads = 4",
        ),
        (
            r#"{"model_type": "llama", "num_attention_heads": 32, "num_key_value_heads": 5}"#,
            "key \"num_key_value_heads\": 5 does not divide num_attention_heads = 32",
        ),
        (
            r#"{"model_type": "llama", "initializer_range": 1.5}"#,
            "key \"initializer_range\": must be at most 1, found 1.5",
        ),
        (
            r#"{"model_type": "gpt2", "initializer_range": 0}"#,
            "key \"initializer_range\": must be a positive number, found 0 (transformers would draw some tensors with std 0.02 instead of 0)",
        ),
        (
            r#"{"model_type": "gpt2", "n_embd": 50, "n_head": 4}"#,
            "key \"n_embd\": 50 is not a multiple of n_head = 4",
        ),
        (
            r#"{"model_type": "llama", "vocab_size": 10, "pad_token_id": 10}"#,
            "key \"pad_token_id\": 10 is outside the vocabulary (vocab_size = 10, padding_idx must be in -10..10)",
        ),
        (
            r#"{"model_type": "gpt2", "hidden_size": 64, "n_embd": 32}"#,
            "key \"n_embd\": 32 disagrees with hidden_size = 64 (transformers' name for the same setting)",
        ),
        (
            r#"{"model_type": "llama", "hidden_act": "gelu_neww"}"#,
            "key \"hidden_act\": \"gelu_neww\" is not an activation transformers knows (did you mean \"gelu_new\"?)",
        ),
        (
            r#"{"model_type": "gpt2", "activation_function": "prelu"}"#,
            "key \"activation_function\": an activation with parameters of its own (prelu, xielu) is not supported",
        ),
        (
            r#"{"model_type": "llama", "architectures": ["LlamaForSequenceClassification"]}"#,
            "key \"architectures\": [\"LlamaForSequenceClassification\"] has no \"LlamaForCausalLM\": init-ckpt writes the state dict of LlamaForCausalLM only",
        ),
        (
            r#"{"model_type": "gpt2", "add_cross_attention": true}"#,
            "key \"add_cross_attention\": GPT-2 with cross-attention layers (true) is not supported",
        ),
    ];
    for (json, msg) in cases {
        assert_eq!(err(json), msg, "{json}");
    }
}

#[test]
fn not_json_or_not_an_object() {
    assert_eq!(err("[1, 2]"), "expected a JSON object, found an array");
    assert_eq!(
        err("{\"model_type\": \"llama\",\n}"),
        "not valid JSON: trailing comma at line 2 column 1"
    );
}

#[test]
fn aliases_and_negative_padding() {
    let ModelConfig::Gpt2(c) =
        ModelConfig::from_json(r#"{"model_type": "gpt2", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "max_position_embeddings": 8}"#)
            .unwrap()
    else {
        panic!()
    };
    assert_eq!((c.n_embd, c.n_layer, c.n_head, c.n_positions), (64, 2, 4, 8));
    let ModelConfig::Llama(c) =
        ModelConfig::from_json(r#"{"model_type": "llama", "vocab_size": 10, "pad_token_id": -1}"#)
            .unwrap()
    else {
        panic!()
    };
    // nn.Embedding(10, d, padding_idx=-1) zeroes row 9.
    assert_eq!(c.padding_row(), Some(9));
}

#[test]
fn a_tensor_too_large_to_address_names_its_key() {
    let c = ModelConfig::from_json(
        r#"{"model_type": "llama", "vocab_size": 4611686018427387904, "hidden_size": 64, "num_attention_heads": 4}"#,
    )
    .unwrap();
    let err = init_ckpt::plan(&c).unwrap_err().to_string();
    assert!(err.starts_with("model.embed_tokens.weight: "), "{err}");
}
