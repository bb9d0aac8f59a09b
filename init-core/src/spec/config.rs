//! The rules on a layer's const-generic configuration (`Conv2d<3, 8, 3, 1, 0, 1, 2>`: the
//! groups must divide the channels), as a `const` verdict. A layer states its verdict as
//! [`LayerSpec::CONFIG`](super::LayerSpec::CONFIG); its constructors fail to compile on it,
//! and `#[derive(Module)]` checks it on the user's field, where `cargo check` reports it.

use super::message::Msg;

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

    /// The verdict: empty when every rule holds.
    pub(crate) const fn verdict(self) -> Msg {
        self.verdict
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
}
