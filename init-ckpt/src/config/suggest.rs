//! "Did you mean": the known key closest to a mistyped one.

/// The candidate nearest to `typo` by edit distance (insertions, deletions, substitutions and
/// swaps of neighbours), if it is within a third of the typo's length (at least 1, at most 3).
/// Ties go to the first candidate.
pub(crate) fn closest<'a>(
    typo: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let typo = typo.to_ascii_lowercase();
    let limit = (typo.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(&typo, &c.to_ascii_lowercase());
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance between `a` and `b`, by characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the dynamic programme: i - 2, i - 1, i.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("hidden_size", "hidden_size"), 0);
        assert_eq!(distance("hiden_size", "hidden_size"), 1);
        assert_eq!(distance("hidedn_size", "hidden_size"), 1); // a swap of neighbours
        assert_eq!(distance("n_embed", "n_embd"), 1);
        assert_eq!(distance("abc", ""), 3);
    }

    #[test]
    fn closest_within_a_third_of_the_length() {
        let keys = ["num_attention_heads", "num_key_value_heads", "num_hidden_layers"];
        assert_eq!(closest("num_atention_heads", keys), Some("num_attention_heads"));
        assert_eq!(closest("Num_Hidden_Layers", keys), Some("num_hidden_layers"));
        assert_eq!(closest("layers", keys), None);
        assert_eq!(closest("n_ctx", ["n_embd", "n_inner"]), None);
    }
}
