//! [`Sequential`]: layers applied one after another, named `0`, `1`, ...

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::module::{
    Features, Forward, ForwardModule, LayerKind, Module, Visitor, VisitorMut, Width,
};
use crate::spec::FilledLater;

/// PyTorch's `nn.Sequential`: children named `"0"`, `"1"`, ... in the order they were
/// pushed; the forward pass feeds each layer's output to the next.
///
/// ```
/// use init_core::{Forward, Linear, Module, ReLU, Seed, Sequential};
/// use ndarray::ArrayD;
///
/// let mut mlp = Sequential::new()
///     .push(Linear::<4, 8>::zeroed())
///     .push(ReLU)
///     .push(Linear::<8, 2>::zeroed());
/// mlp.reset_parameters("", &mut Seed::new(0))?; // one fill per parameter, keyed "0.weight", ...
/// let names: Vec<String> = mlp.named_modules().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["", "0", "1", "2"]);
/// let y = mlp.forward(ArrayD::zeros(vec![5, 4]).view())?;
/// assert_eq!(y.shape(), &[5, 2]);
/// // An error names the layer that failed by its index:
/// let err = mlp.forward(ArrayD::zeros(vec![5, 3]).view()).unwrap_err();
/// assert_eq!(err.to_string(), "0: Linear: input of shape [5, 3] must have last dimension 4 (in_features)");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Default)]
pub struct Sequential {
    layers: Vec<Box<dyn ForwardModule>>,
}

impl Sequential {
    /// An empty sequence (its forward pass is the identity).
    pub fn new() -> Self {
        Sequential { layers: Vec::new() }
    }

    /// Append a layer; it will be named by its index.
    #[must_use]
    pub fn push(mut self, layer: impl ForwardModule + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// Append a layer that is already boxed.
    #[must_use]
    pub fn push_boxed(mut self, layer: Box<dyn ForwardModule>) -> Self {
        self.layers.push(layer);
        self
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The layer at `index`.
    pub fn get(&self, index: usize) -> Option<&dyn Module> {
        self.layers.get(index).map(|l| (**l).as_module())
    }

    /// The layer at `index`, mutable.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut dyn Module> {
        self.layers.get_mut(index).map(|l| (**l).as_module_mut())
    }
}

/// `#[module(filled_later)]` on a `Sequential` field: empty until the user pushes layers.
impl FilledLater for Sequential {
    fn empty() -> Self {
        Sequential::new()
    }
}

impl std::fmt::Debug for Sequential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.layers.iter().map(|l| l.kind())).finish()
    }
}

impl Module for Sequential {
    fn kind(&self) -> LayerKind {
        LayerKind::Sequential
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for (i, layer) in self.layers.iter().enumerate() {
            v.module(&i.to_string(), (**layer).as_module());
        }
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        for (i, layer) in self.layers.iter_mut().enumerate() {
            v.module(&i.to_string(), (**layer).as_module_mut());
        }
    }
}

impl Forward for Sequential {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        let mut x = input.to_owned();
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x.view()).map_err(|e| {
                let path =
                    if e.path().is_empty() { i.to_string() } else { format!("{i}.{}", e.path()) };
                e.at(path)
            })?;
        }
        Ok(x)
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for Sequential {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Any;
}
