//! Glob patterns over dotted parameter paths.

/// Whether `path` matches `pattern`, where `*` matches any run of characters (dots
/// included, so `"*.bias"` matches `"h.0.mlp.bias"`) and `?` matches one character.
pub(crate) fn matches(pattern: &str, path: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), path.chars().collect());
    // Classic two-pointer glob match with one backtrack point for the last `*`.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_cross_dots_and_question_marks_take_one_char() {
        assert!(matches("*.bias", "h.0.mlp.bias"));
        assert!(matches("*.bias", "fc.bias"));
        assert!(!matches("*.bias", "bias"));
        assert!(matches("h.*.mlp_proj.weight", "h.11.mlp_proj.weight"));
        assert!(!matches("h.*.mlp_proj.weight", "h.1.mlp_proj.bias"));
        assert!(matches("layer?.0.conv1.weight", "layer3.0.conv1.weight"));
        assert!(!matches("layer?.0.conv1.weight", "layer10.0.conv1.weight"));
        assert!(matches("*", ""));
        assert!(matches("fc.weight", "fc.weight"));
        assert!(!matches("fc.weight", "fc.weights"));
        assert!(matches("**.weight", "a.b.weight"));
    }
}
