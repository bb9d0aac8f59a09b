//! The rules on a layer's const-generic configuration (`Conv2d<3, 8, 3, 1, 0, 1, 2>`: the
//! groups must divide the channels), as a `const` verdict. A layer states its verdict as
//! [`LayerSpec::CONFIG`](super::LayerSpec::CONFIG); its constructors fail to compile on it,
//! and `#[derive(Module)]` checks it on the user's field, where `cargo check` reports it.

use super::message::{Msg, str_eq};
use crate::error::{InitError, Result};

/// A layer's rules, checked in order; the first broken one gives the message.
#[derive(Clone, Copy)]
pub(crate) struct Rules {
    layer: &'static str,
    verdict: Msg,
}

impl Rules {
    /// No rule checked yet, for `layer` (`"Conv2d"`).
    pub(crate) const fn new(layer: &'static str) -> Self {
        Rules { layer, verdict: Msg::new() }
    }

    const fn broken(&self) -> bool {
        self.verdict.message().is_some()
    }

    const fn start(&self) -> Msg {
        Msg::new().str(self.layer).str(": ")
    }

    /// `what` must be > 0.
    pub(crate) const fn positive(mut self, what: &str, value: usize) -> Self {
        if !self.broken() && value == 0 {
            self.verdict = self.start().str(what).str(" must be > 0, got 0");
        }
        self
    }

    /// `what` must be a multiple of `by_what` (a zero `by` is left to [`positive`](Self::positive)).
    pub(crate) const fn divisible(
        mut self,
        (what, value): (&str, usize),
        (by_what, by): (&str, usize),
    ) -> Self {
        if !self.broken() && by != 0 && !value.is_multiple_of(by) {
            self.verdict = self
                .start()
                .str(what)
                .str(" = ")
                .num(value)
                .str(" is not divisible by ")
                .str(by_what)
                .str(" = ")
                .num(by);
        }
        self
    }

    /// `what` must be at most half of `of_what`.
    pub(crate) const fn at_most_half(
        mut self,
        (what, value): (&str, usize),
        (of_what, of): (&str, usize),
    ) -> Self {
        if !self.broken() && value > of / 2 {
            self.verdict = self
                .start()
                .str(what)
                .str(" = ")
                .num(value)
                .str(" must be at most half of ")
                .str(of_what)
                .str(" = ")
                .num(of);
        }
        self
    }

    /// `what` must be smaller than `a` or than `b`.
    pub(crate) const fn below_either(
        mut self,
        (what, value): (&str, usize),
        (a_what, a): (&str, usize),
        (b_what, b): (&str, usize),
    ) -> Self {
        if !self.broken() && value >= a && value >= b {
            self.verdict = self
                .start()
                .str(what)
                .str(" = ")
                .num(value)
                .str(" must be smaller than either ")
                .str(a_what)
                .str(" = ")
                .num(a)
                .str(" or ")
                .str(b_what)
                .str(" = ")
                .num(b);
        }
        self
    }

    /// A rule in words: `ok` must hold, else `rule` is the message.
    pub(crate) const fn holds(mut self, ok: bool, rule: &str) -> Self {
        if !self.broken() && !ok {
            self.verdict = self.start().str(rule);
        }
        self
    }

    /// A rule on a runtime keyword value (`dropout = 1.5`), `broken` being the verdict of
    /// one of the value rules below ([`probability`], ...): "`layer`: `what` `broken`".
    pub(crate) const fn keyword(mut self, what: &str, broken: Option<&str>) -> Self {
        if let (false, Some(rule)) = (self.broken(), broken) {
            self.verdict = self.start().str(what).str(" ").str(rule);
        }
        self
    }

    /// A rule of `spec/settings.rs` on a runtime setting: its words when broken.
    pub(crate) const fn setting(mut self, verdict: super::settings::Verdict) -> Self {
        if let (false, Err(rule)) = (self.broken(), verdict) {
            self.verdict = self.start().str(rule);
        }
        self
    }

    /// The verdict: empty when every rule holds.
    pub(crate) const fn verdict(self) -> Msg {
        self.verdict
    }
}

// Rules on one value of a layer's runtime configuration, a constructor keyword that is not a
// const generic (`dropout = 0.1`, `layer_norm_eps = 1e-5`, `activation = "gelu"`). Each is a
// `const fn` giving `None` when the value satisfies it, else what the value must be, in words
// that follow the keyword's name. The layer's builder checks it at run time (`check_keyword`,
// which adds the value); `#[derive(Module)]` can evaluate it on a literal at compile time
// (`Rules::keyword`). One rule, one set of words, both times.

/// A probability (Dropout's `p`, the transformer layers' `dropout`): in `[0, 1]`, not NaN.
pub const fn probability(p: f64) -> Option<&'static str> {
    if p >= 0.0 && p <= 1.0 { None } else { Some("must be in [0, 1]") }
}

/// A normalization's `eps` (`eps`, `layer_norm_eps`): finite and `>= 0`.
pub const fn eps(eps: f64) -> Option<&'static str> {
    // The rule is `settings::eps`'s; this form words it for `check_keyword`.
    if super::settings::eps(eps).is_ok() { None } else { Some("must be finite and >= 0") }
}

/// The transformer layers' `activation`, by PyTorch's name: `"relu"` or `"gelu"`.
pub const fn transformer_activation(name: &str) -> Option<&'static str> {
    match TransformerActivation::from_name(name) {
        Some(_) => None,
        None => Some(r#"must be "relu" or "gelu""#),
    }
}

/// The activation of a transformer layer's feed-forward block: PyTorch accepts the strings
/// `"relu"` and `"gelu"` (`F.relu`, `F.gelu` with `approximate="none"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TransformerActivation {
    Relu,
    Gelu,
}

impl TransformerActivation {
    /// The activation PyTorch's string names, if it names one.
    pub(crate) const fn from_name(name: &str) -> Option<Self> {
        if str_eq(name, "relu") {
            Some(TransformerActivation::Relu)
        } else if str_eq(name, "gelu") {
            Some(TransformerActivation::Gelu)
        } else {
            None
        }
    }

    /// PyTorch's name.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            TransformerActivation::Relu => "relu",
            TransformerActivation::Gelu => "gelu",
        }
    }
}

/// The compile-time verdict on one keyword value, for `#[derive(Module)]` to evaluate in a
/// `const` on a literal: `keyword_verdict("TransformerEncoderLayer", "dropout",
/// probability(1.5))` says "TransformerEncoderLayer: dropout must be in [0, 1]".
pub const fn keyword_verdict(layer: &'static str, what: &str, broken: Option<&str>) -> Msg {
    Rules::new(layer).keyword(what, broken).verdict()
}

/// A keyword value checked at run time against its rule: `Err` "`layer`: `what` `rule`, got
/// `value`" when `broken` (the rule's verdict on `value`) is `Some`.
pub(crate) fn check_keyword(
    layer: &'static str,
    what: &str,
    value: impl std::fmt::Debug,
    broken: Option<&str>,
) -> Result<()> {
    match broken {
        None => Ok(()),
        Some(rule) => Err(InitError::config(layer, format!("{what} {rule}, got {value:?}"))),
    }
}

/// Fail (at compile time, in a `const`) with the verdict's message, if any: a layer's own
/// check for when it is built outside a derived struct.
pub(crate) const fn assert_valid(verdict: &Msg) {
    if let Some(message) = verdict.message() {
        panic!("{}", message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_broken_rule_speaks() {
        let verdict = |groups| {
            Rules::new("Conv2d")
                .positive("groups", groups)
                .divisible(("in_channels", 3), ("groups", groups))
                .verdict()
        };
        assert_eq!(verdict(1).message(), None);
        assert_eq!(verdict(0).message(), Some("Conv2d: groups must be > 0, got 0"));
        assert_eq!(
            verdict(2).message(),
            Some("Conv2d: in_channels = 3 is not divisible by groups = 2")
        );
        let pad = Rules::new("AvgPool2d").at_most_half(("padding", 2), ("kernel_size", 3));
        assert_eq!(
            pad.verdict().message(),
            Some("AvgPool2d: padding = 2 must be at most half of kernel_size = 3")
        );
    }

    #[test]
    fn keyword_rules_give_one_set_of_words_at_compile_and_run_time() {
        const LATE: Msg = Rules::new("TransformerEncoderLayer")
            .keyword("dropout", probability(1.5))
            .keyword("layer_norm_eps", eps(-1.0))
            .verdict();
        const ONE: Msg = keyword_verdict("TransformerEncoderLayer", "dropout", probability(1.5));
        assert_eq!(ONE.message(), LATE.message());
        assert_eq!(keyword_verdict("Dropout", "p", probability(0.5)).message(), None);
        assert_eq!(LATE.message(), Some("TransformerEncoderLayer: dropout must be in [0, 1]"));
        let run = check_keyword("TransformerEncoderLayer", "dropout", 1.5, probability(1.5));
        assert_eq!(
            run.unwrap_err().to_string(),
            "TransformerEncoderLayer: dropout must be in [0, 1], got 1.5"
        );
        for p in [0.0, 0.1, 1.0] {
            assert_eq!(probability(p), None);
        }
        for p in [-0.0001, 1.0001, f64::NAN, f64::INFINITY] {
            assert_eq!(probability(p), Some("must be in [0, 1]"), "{p}");
        }
        for e in [0.0, 1e-5, 1e300] {
            assert_eq!(eps(e), None);
        }
        for e in [-1e-12, f64::NAN, f64::INFINITY] {
            assert_eq!(eps(e), Some("must be finite and >= 0"), "{e}");
        }
        const ACT: Msg = Rules::new("TransformerDecoderLayer")
            .keyword("activation", transformer_activation("tanh"))
            .verdict();
        assert_eq!(
            ACT.message(),
            Some(r#"TransformerDecoderLayer: activation must be "relu" or "gelu""#)
        );
        assert_eq!(transformer_activation("gelu"), None);
        for name in ["relu", "gelu"] {
            let act = TransformerActivation::from_name(name).unwrap();
            assert_eq!(act.name(), name);
        }
        assert_eq!(TransformerActivation::from_name("Relu"), None);
    }
}
