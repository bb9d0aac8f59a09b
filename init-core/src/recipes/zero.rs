//! [`ZerO`]: deterministic initialization with zeros and ones (Zhao et al. 2022).

use super::{Recipe, arg_error, glob_rules, globs, labelled};
use crate::error::Result;
use crate::module::{LayerKind, Module};
use crate::rules::Rule;
use crate::rules::{Rules, glob};
use crate::schemes::{Init, Values};

/// The Sylvester Hadamard matrix of order `2^m` (entries ±1, `H Hᵀ = 2^m I`), row-major:
/// `H[i][j] = (-1)^popcount(i & j)`, as `scipy.linalg.hadamard`. `None` above `m = 15`
/// (a 2³⁰-element matrix), where a parameter's dimension could not need it.
///
/// ```
/// assert_eq!(init_core::hadamard(1), Some(vec![1.0, 1.0, 1.0, -1.0]));
/// ```
pub fn hadamard(m: u32) -> Option<Vec<f32>> {
    if m > 15 {
        return None;
    }
    let n = 1usize << m;
    let sign = |i: usize, j: usize| if (i & j).count_ones().is_multiple_of(2) { 1.0 } else { -1.0 };
    Some((0..n * n).map(|k| sign(k / n, k % n)).collect())
}

/// ZerO initialization (Zhao, Schäfer & Anandkumar, TMLR 2022, "ZerO Initialization:
/// Initializing Neural Networks with only Zeros and Ones", algorithm 1): no randomness. For
/// each weight seen as a matrix `P × Q` (out × in; a convolution's centre tap, the other taps
/// 0):
///
/// - `P = Q`: the identity;
/// - `P < Q`: the partial identity `I*` (ones on the leading diagonal);
/// - `P > Q`: `c · I* H_m I*`, i.e. `c · H_m[:P, :Q]`, with `m = ceil(log2 P)` and `c =
///   2^(-(m-1)/2)` (the paper's constant; the authors' MNIST notebook divides by `2^(m/2)`
///   instead, see their issue 1).
///
/// The last layer of each residual branch is 0 (the paper's ResNet rule): name it with
/// [`zero`](ZerO::zero) (by default none). Which weights get ZerO: every `Linear`,
/// `Conv1d`, `Conv2d` and `Conv3d` weight (grouped convolutions per group's `P × Q`).
/// Biases are 0. The rules hold the computed matrices, so [`rules`](Recipe::rules) reads the
/// model's shapes; a parameter whose `P` needs a Hadamard matrix above order 2¹⁵ is an error.
///
/// ```
/// use init_core::{Linear, Module, ModuleExt, Recipe, Seed, Sequential, ZerO};
/// let mut net = Sequential::new().push(Linear::<2, 3>::zeroed());
/// ZerO::new().init(&mut net, &mut Seed::new(0))?;
/// // P = 3 > Q = 2: m = 2, c = 2^(-1/2), H_2[:3, :2] = [[1, 1], [1, -1], [1, 1]].
/// let c = 0.5f32.sqrt();
/// assert_eq!(net.get_parameter("0.weight").unwrap().as_slice(), &[c, c, c, -c, c, c]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZerO {
    zero: Vec<String>,
}

impl ZerO {
    /// ZerO on every Linear and convolution weight.
    pub fn new() -> Self {
        ZerO { zero: Vec::new() }
    }

    /// The weights set to 0 instead (the last layer of each residual branch), by glob.
    #[must_use]
    pub fn zero<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Self {
        self.zero = globs(patterns);
        self
    }

    /// ZerO's matrix for a weight of `shape` (`[out, in, taps...]`), row-major.
    fn matrix(path: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let (p, q) = (shape[0], shape[1]);
        let taps: usize = shape[2..].iter().product();
        // The centre tap of a kernel: PyTorch's `dirac_` centre, `k // 2` on each axis.
        let centre = shape[2..].iter().fold(0, |at, &k| at * k + k / 2);
        let (c, h, n) = if p > q {
            let m = usize::BITS - (p - 1).leading_zeros();
            let h = hadamard(m).ok_or_else(|| {
                arg_error("zero", format!("{path}: {p} output features need a Hadamard matrix of order 2^{m}, above 2^15"))
            })?;
            (2f64.powf(-(f64::from(m) - 1.0) / 2.0) as f32, h, 1usize << m)
        } else {
            (1.0, Vec::new(), 0)
        };
        let mut out = vec![0.0f32; p * q * taps];
        for i in 0..p {
            for j in 0..q {
                let v = if p > q {
                    c * h[i * n + j]
                } else if i == j {
                    1.0
                } else {
                    0.0
                };
                out[(i * q + j) * taps + centre] = v;
            }
        }
        Ok(out)
    }
}

impl Recipe for ZerO {
    fn name(&self) -> &'static str {
        "zero"
    }

    fn rules(&self, model: &dyn Module) -> Result<Rules> {
        let name = self.name();
        let mut rules = glob_rules(&self.zero, &Init::Zeros, name, "last layer of a branch")
            .fold(Rules::new(), Rules::rule);
        let kinds = [LayerKind::Linear, LayerKind::Conv1d, LayerKind::Conv2d, LayerKind::Conv3d];
        for (path, module) in model.named_modules() {
            if !kinds.contains(&module.kind()) {
                continue;
            }
            let Some(weight) = module.get_parameter("weight") else { continue };
            let key = if path.is_empty() { "weight".to_string() } else { format!("{path}.weight") };
            if self.zero.iter().any(|g| glob::matches(g, &key)) {
                // A module-path rule would win over the glob: leave the weight to it.
                continue;
            }
            let shape = weight.shape().to_vec();
            let values = Values::new(shape.clone(), ZerO::matrix(&key, &shape)?)?;
            let rule = Rule::module(path.clone(), "weight", Init::Values(values));
            rules = rules.rule(labelled(rule, name, "ZerO matrix"));
        }
        for kind in kinds {
            rules = rules
                .rule(labelled(Rule::kind(kind, "bias", Init::Zeros), name, "bias").optional());
        }
        Ok(rules)
    }
}
