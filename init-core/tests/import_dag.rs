//! The top-level modules of `init-core` import each other as a DAG: no module imports one that
//! imports it back (issue [6] item 1). A circle is where an algorithm has crept into the layer it
//! runs on (`module` calling the rule engine that walks modules); this test names it.
//!
//! It reads every file under `src/`, drops comments, string and char literals and
//! `#[cfg(test)]` items (and the files they declare), and collects the top-level module each
//! `crate::x` path names (and each `super::` that climbs to the crate root). Non-test code must
//! name the module an item comes from, not the root re-export (`crate::Seed`, `crate::{..}`),
//! so that the graph sees every edge.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Edges against the order that a pending change is to remove, each with why; each must still
/// exist (drop it from here when it is gone), and the graph without them must be a DAG.
/// Empty: the last one (`rng -> schemes`) went when `check.rs` moved below both.
const PENDING: &[(&str, &str, &str)] = &[];

/// A reference from one top-level module to another, with where it is.
struct Edge {
    from: String,
    to: String,
    at: String,
}

#[test]
fn top_level_modules_form_a_dag() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (edges, unnamed) = edges_of(&src);
    assert!(
        unnamed.is_empty(),
        "non-test code names items through the crate root; name their module instead:\n{}",
        unnamed.join("\n")
    );
    for (from, to, why) in PENDING {
        assert!(
            edges.iter().any(|e| e.from == *from && e.to == *to),
            "{from} -> {to} is gone: remove it from PENDING ({why})"
        );
    }
    let kept: Vec<&Edge> = edges
        .iter()
        .filter(|e| !PENDING.iter().any(|(f, t, _)| e.from == *f && e.to == *t))
        .collect();
    let cycles = cycles(&kept);
    assert!(cycles.is_empty(), "the top-level modules of init-core import in a circle:\n{}", {
        cycles.join("\n")
    });
}

#[test]
fn the_scanner_sees_paths_in_code_only() {
    let code = strip(
        "use crate::a::X; // crate::b\n/* crate::c */ let s = \"crate::d\"; let c = '\"';\n\
         fn f<'a>(x: &'a crate::e::Y) {}\n#[cfg(test)]\nmod tests { use crate::f; }\n\
         #[cfg(test)]\nmod tests_x;\n",
    );
    let (code, test_files) = drop_test_items(&code);
    let names: Vec<String> = paths(&code, 1).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["a", "e"]);
    assert_eq!(test_files, ["tests_x"]);
    assert_eq!(paths("super::x::Y", 1)[0].1, "x");
    assert!(paths("super::x::Y", 2).is_empty());
    assert!(paths("mod inner { use super::x::Y; }", 1).is_empty());
    let (code, _) = drop_test_items("#[cfg(all(test, unix))]\nmod t { use crate::g; }\n");
    assert!(paths(&code, 1).is_empty());
}

/// Every edge between top-level modules, and the root re-exports non-test code names.
fn edges_of(src: &Path) -> (Vec<Edge>, Vec<String>) {
    let tops = top_level_modules(src);
    let mut files: Vec<(PathBuf, String)> = rust_files(src)
        .into_iter()
        .map(|f| (f.strip_prefix(src).unwrap().to_path_buf(), fs::read_to_string(&f).unwrap()))
        .filter(|(rel, _)| rel != Path::new("lib.rs"))
        .collect();
    files.sort();
    let mut code = Vec::new();
    let mut skip = BTreeSet::new();
    for (rel, text) in &files {
        let (stripped, test_mods) = drop_test_items(&strip(text));
        let dir = child_dir(rel);
        for m in test_mods {
            skip.insert(dir.join(format!("{m}.rs")));
            skip.insert(dir.join(m));
        }
        code.push((rel, stripped));
    }
    let mut edges = Vec::new();
    let mut unnamed = Vec::new();
    for (rel, code) in code {
        if skip.iter().any(|s: &PathBuf| rel.starts_with(s)) {
            continue;
        }
        let from = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let from = from.trim_end_matches(".rs").to_string();
        for (line, name) in paths(&code, depth(rel)) {
            let at = format!("{}:{line}", rel.display());
            if tops.contains(&name) {
                if name != from {
                    edges.push(Edge { from: from.clone(), to: name, at });
                }
            } else {
                unnamed.push(format!("{at}: crate::{name}"));
            }
        }
    }
    (edges, unnamed)
}

/// The modules declared at the crate root: `x.rs` and `x/mod.rs`.
fn top_level_modules(src: &Path) -> BTreeSet<String> {
    fs::read_dir(src)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name()?.to_string_lossy().to_string();
            if path.is_dir() && path.join("mod.rs").exists() {
                Some(name)
            } else {
                name.strip_suffix(".rs").filter(|n| *n != "lib").map(str::to_string)
            }
        })
        .collect()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Where the files of the modules a file declares live: `a/` for `a/mod.rs`, `a/b/` for `a/b.rs`.
fn child_dir(rel: &Path) -> PathBuf {
    let parent = rel.parent().unwrap_or(Path::new("")).to_path_buf();
    match rel.file_stem().unwrap().to_str().unwrap() {
        "mod" | "lib" => parent,
        stem => parent.join(stem),
    }
}

/// How many `super::` lead from a file's module to the crate root.
fn depth(rel: &Path) -> usize {
    let n = rel.components().count();
    if rel.file_name().is_some_and(|f| f == "mod.rs") { n - 1 } else { n }
}

/// `src` with comments blanked and the contents of string and char literals removed; line
/// breaks are kept, so line numbers stay right.
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        match c[i] {
            '/' if next == Some('/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if c[i] == '\n' {
                            out.push('\n');
                        }
                        i += 1;
                    }
                }
            }
            'r' if matches!(next, Some('"' | '#')) && !ident_char(c.get(i.wrapping_sub(1))) => {
                let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
                if c.get(i + 1 + hashes) != Some(&'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                i += 2 + hashes;
                while i < c.len() {
                    let closes = c[i] == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#'));
                    if closes {
                        i += 1 + hashes;
                        break;
                    }
                    if c[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
                out.push_str("\"\"");
            }
            '"' => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    if c[i] == '\n' {
                        out.push('\n');
                    }
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            // A char literal ('x', '\n', '\''); otherwise a lifetime ('a).
            '\'' if next == Some('\\') || c.get(i + 2) == Some(&'\'') => {
                i += 1;
                while i < c.len() && c[i] != '\'' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("' '");
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// `code` without its test-only items (`#[cfg(test)]`, `#[cfg(all(test, ..))]`), blanked to
/// the end of their block or `;`, and the names of the `mod name;` files such items declare.
fn drop_test_items(code: &str) -> (String, Vec<String>) {
    let mut out: Vec<char> = code.chars().collect();
    let mut files = Vec::new();
    let mut i = 0;
    while i < out.len() {
        let Some(attr_end) = test_attr_at(&out, i) else {
            i += 1;
            continue;
        };
        let rest: String = out[attr_end..].iter().collect();
        let rest = rest.trim_start();
        let decl = rest.strip_prefix("pub(crate) ").unwrap_or(rest);
        if let Some(decl) = decl.strip_prefix("mod ") {
            let decl = decl.trim_start();
            let name: String = decl.chars().take_while(|&c| ident_char(Some(&c))).collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                files.push(name);
            }
        }
        let mut j = i;
        let mut depth = 0;
        while j < out.len() {
            let ch = out[j];
            if ch != '\n' {
                out[j] = ' ';
            }
            j += 1;
            match ch {
                '{' if j > attr_end => depth += 1,
                '}' if j > attr_end => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ';' if depth == 0 => break,
                _ => {}
            }
        }
        i = j;
    }
    (out.into_iter().collect(), files)
}

/// Where a `#[cfg(..)]` attribute at `i` that requires `test` ends.
fn test_attr_at(code: &[char], i: usize) -> Option<usize> {
    let head: Vec<char> = "#[cfg(".chars().collect();
    if !code[i..].starts_with(&head) {
        return None;
    }
    let end = i + code[i..].iter().position(|&c| c == ']')? + 1;
    let attr: String = code[i..end].iter().collect();
    let words: Vec<&str> = attr.split(|c: char| !ident_char(Some(&c))).collect();
    (words.contains(&"test") && !attr.contains("not(")).then_some(end)
}

/// The first segment after `crate::` (or after `super::`s that reach the crate root from a
/// file `depth` modules down, counting inline `mod x { .. }` blocks), with its line number;
/// `{` for a grouped import.
fn paths(code: &str, depth: usize) -> Vec<(usize, String)> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut line, mut braces) = (1, 0usize);
    let mut inline_mods: Vec<usize> = Vec::new();
    let mut pending_mod = false;
    let mut i = 0;
    while i < c.len() {
        let word_start = !ident_char(i.checked_sub(1).map(|p| &c[p])) && c[i].is_alphabetic();
        match c[i] {
            '\n' => line += 1,
            '{' => {
                braces += 1;
                if pending_mod {
                    inline_mods.push(braces);
                    pending_mod = false;
                }
            }
            '}' => {
                if inline_mods.last() == Some(&braces) {
                    inline_mods.pop();
                }
                braces = braces.saturating_sub(1);
            }
            ';' => pending_mod = false,
            _ if word_start => {
                let word: String = c[i..].iter().take_while(|&&ch| ident_char(Some(&ch))).collect();
                let after_colon = i > 0 && c[i - 1] == ':';
                let tail: String = c[i..].iter().take(200).collect();
                if word == "mod" {
                    pending_mod = true;
                } else if !after_colon && (word == "crate" || word == "super") {
                    let mut t = tail.as_str();
                    let mut supers = 0;
                    while let Some(s) = t.strip_prefix("super::") {
                        t = s;
                        supers += 1;
                    }
                    let root = if supers == 0 { t.strip_prefix("crate::") } else { Some(t) };
                    let reaches = supers == 0 || supers >= depth + inline_mods.len();
                    if let Some(t) = root.filter(|_| reaches) {
                        let name: String =
                            t.chars().take_while(|&ch| ident_char(Some(&ch))).collect();
                        out.push((
                            line,
                            if name.is_empty() { t.chars().take(1).collect() } else { name },
                        ));
                    }
                }
                i += word.chars().count();
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Each circle among the modules, as `a -> b -> a` with where each step is written.
fn cycles(edges: &[&Edge]) -> Vec<String> {
    let mut graph: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for e in edges {
        graph.entry(&e.from).or_default().entry(&e.to).or_insert(&e.at);
    }
    let mut found = Vec::new();
    let mut seen_sets = BTreeSet::new();
    for &start in graph.keys() {
        // The shortest way back to `start`, breadth first.
        let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut back = None;
        while let Some(m) = queue.pop_front() {
            for &to in graph.get(m).into_iter().flat_map(|t| t.keys()) {
                if to == start {
                    back = Some(m);
                    break;
                }
                if !prev.contains_key(to) {
                    prev.insert(to, m);
                    queue.push_back(to);
                }
            }
            if back.is_some() {
                break;
            }
        }
        let Some(mut m) = back else { continue };
        let mut ring = vec![start, m];
        while m != start {
            m = prev.get(m).copied().unwrap_or(start);
            ring.push(m);
        }
        ring.reverse();
        let set: BTreeSet<&str> = ring.iter().copied().collect();
        if seen_sets.insert(set) {
            let steps: Vec<String> = ring
                .windows(2)
                .map(|w| format!("{} -> {} ({})", w[0], w[1], graph[w[0]][w[1]]))
                .collect();
            found.push(format!("  {}", steps.join(", ")));
        }
    }
    found
}
