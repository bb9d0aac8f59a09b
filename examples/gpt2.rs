//! Hugging Face's `GPT2LMHeadModel(GPT2Config())`: GPT-2 small, 124M parameters, declared.
//! `c_attn`, `c_proj` and `c_fc` are HF's `Conv1D` (weight `[in, out]`, so GPT-2 checkpoints
//! load as they are); `lm_head.weight` is `transformer.wte.weight`, one parameter under both
//! keys; `GPT2PreTrainedModel._init_weights` is `GPT2Model`'s struct rules, and its `c_proj`
//! rescaling the expression on the two `c_proj` fields (its `nn.Linear` branch reaches only
//! the tied `lm_head`, whose draws the tie discards). No `impl Module` by hand.
//!
//! [`hf_program`] replays `torch.manual_seed(seed); GPT2LMHeadModel(config)` draw for draw
//! (`tests/test_real_models.rs` checks it bit for bit against transformers on a two-layer
//! configuration, and the logits). `gpt2!` declares the model for one configuration: stable
//! Rust cannot write `3 * n_embd` over a const generic in a type, so the sizes are consts.
//!
//! Run: `cargo run --release --example gpt2` (2.2 s; a debug build, which leaves init-core
//! unoptimized, takes 51 s to draw the 124M values about three times each).
#![allow(missing_docs)] // `pub` for tests/models/, which check these very declarations

/// GPT-2's modules and [`hf_program`] for one `GPT2Config`.
#[macro_export]
macro_rules! gpt2 {
    (n_embd = $e:expr, vocab_size = $v:expr, n_positions = $p:expr, n_layer = $l:expr, n_head = $h:expr) => {
        use init::prelude::*;

        pub const N_EMBD: usize = $e;
        pub const VOCAB_SIZE: usize = $v;
        pub const N_POSITIONS: usize = $p;
        pub const N_LAYER: usize = $l;
        pub const N_HEAD: usize = $h;

        #[derive(Module)]
        pub struct GPT2LMHeadModel {
            pub transformer: GPT2Model,
            #[module(tie(weight = transformer.wte.weight))]
            pub lm_head: Linear<N_EMBD, VOCAB_SIZE, false>,
        }

        #[derive(Module)]
        #[init(
            Conv1D(weight = normal(std = 0.02), bias = zeros),
            Embedding = normal(std = 0.02),
            LayerNorm(weight = ones, bias = zeros)
        )]
        pub struct GPT2Model {
            pub wte: Embedding<VOCAB_SIZE, N_EMBD>,
            pub wpe: Embedding<N_POSITIONS, N_EMBD>,
            #[layer(p = 0.1)]
            pub drop: Dropout,
            #[module(len = N_LAYER)]
            pub h: ModuleList<GPT2Block>,
            #[layer(eps = 1e-5)]
            pub ln_f: LayerNorm<N_EMBD>,
        }

        #[derive(Module)]
        pub struct GPT2Block {
            #[layer(eps = 1e-5)]
            pub ln_1: LayerNorm<N_EMBD>,
            pub attn: GPT2Attention,
            #[layer(eps = 1e-5)]
            pub ln_2: LayerNorm<N_EMBD>,
            pub mlp: GPT2MLP,
        }

        #[derive(Module)]
        pub struct GPT2Attention {
            pub c_attn: Conv1D<{ 3 * N_EMBD }, N_EMBD>,
            #[init(normal(std = 0.02 / sqrt(2.0 * N_LAYER as f64)))]
            pub c_proj: Conv1D<N_EMBD, N_EMBD>,
            #[layer(p = 0.1)]
            pub attn_dropout: Dropout,
            #[layer(p = 0.1)]
            pub resid_dropout: Dropout,
        }

        #[derive(Module)]
        pub struct GPT2MLP {
            pub c_fc: Conv1D<{ 4 * N_EMBD }, N_EMBD>,
            #[init(normal(std = 0.02 / sqrt(2.0 * N_LAYER as f64)))]
            pub c_proj: Conv1D<N_EMBD, { 4 * N_EMBD }>,
            pub act: NewGELUActivation,
            #[layer(p = 0.1)]
            pub dropout: Dropout,
        }

        /// HF's name for the tanh GELU: no parameters, its own class name.
        #[derive(Module)]
        pub struct NewGELUActivation {}

        /// `torch.manual_seed(seed); GPT2LMHeadModel(config)` in transformers 5.x: `GPT2Model`
        /// builds its layers (defaults drawn) and ends with `post_init` (`_init_weights` in
        /// post-order); `lm_head` is built (Linear's default) and the outer `post_init`
        /// reaches it alone (`normal_(0, 0.02)`); `tie_weights` discards both head draws.
        pub fn hf_program(seed: u64) -> Result<(GPT2LMHeadModel, TorchGenerator), InitError> {
            let (mut m, mut rng) = (GPT2LMHeadModel::zeroed(), TorchGenerator::new(seed));
            m.transformer.init_weights_torch(&mut rng, TorchLoop::Apply)?;
            Rules::new()
                .kind(LayerKind::Linear, "weight", Init::Normal { mean: 0.0, std: 0.02 })
                .init_weights_torch(&mut m.lm_head, &mut rng, TorchLoop::Apply)?;
            m.tie_weights()?;
            Ok((m, rng))
        }
    };
}

gpt2!(n_embd = 768, vocab_size = 50257, n_positions = 1024, n_layer = 12, n_head = 12);

fn main() -> Result<(), InitError> {
    let (model, _) = hf_program(0)?;
    print!("{}", Summary::of(&model));
    let (wte, head) = (model.transformer.wte.weight(), model.lm_head.weight());
    let tied = head.zip(wte).is_some_and(|(h, w)| h.shares_storage_with(w));
    println!("lm_head.weight is transformer.wte.weight: {tied}");
    Ok(())
}
