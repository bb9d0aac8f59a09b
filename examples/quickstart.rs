//! The PyTorch forum thread's `Net`, with its initialization declared on the fields: built
//! and initialized in one line, its parameters printed as a table, a forward pass, and its
//! weights saved as safetensors (loadable by PyTorch's `load_state_dict(strict=True)`).
//!
//! Run: `cargo run --example quickstart`

use init::ndarray::{ArrayD, ArrayViewD};
use init::prelude::*;

/// Conv2d(1, 3, 3) -> ReLU -> MaxPool2d(2, 2) -> flatten -> Linear(3, 10), as in the thread.
#[derive(Module)]
struct Net {
    /// The thread's Method 1: a fixed 3x3 kernel for every (out, in) channel pair.
    #[init(values = [[0, 0, 0], [1, 1, 1], [2, 2, 2]])]
    conv1: Conv2d<1, 3, 3>,
    pool: MaxPool2d<2, 2>,
    /// The thread's Method 4, declared instead of looped over.
    #[init(kaiming_normal(nonlinearity = "relu"))]
    fc: Linear<3, 10>,
}

impl Forward for Net {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let x = ReLU.forward(self.conv1.forward(x)?.view())?;
        let x = Flatten::default().forward(self.pool.forward(x.view())?.view())?;
        self.fc.forward(x.view())
    }
}

fn main() -> Result<(), InitError> {
    // Allocate and initialize: one fill per parameter, reproducible from the seed.
    let net = Net::new(&mut Seed::new(0))?;
    println!("{}", Summary::of(&net));

    // A batch of two 4x4 single-channel images.
    let x =
        ArrayD::from_shape_fn(vec![2, 1, 4, 4], |i| (i[2] * 4 + i[3]) as f32 / 16.0 - i[0] as f32);
    let y = net.forward(x.view())?;
    println!("forward: input {:?} -> output {:?}", x.shape(), y.shape());
    for (n, row) in y.outer_iter().enumerate() {
        let row: Vec<String> = row.iter().map(|v| format!("{v:+.3}")).collect();
        println!("  sample {n}: [{}]", row.join(", "));
    }

    // Save the weights (atomically) and load them into a fresh network.
    let path = std::env::temp_dir().join("init-quickstart-net.safetensors");
    net.save_safetensors(&path)?;
    let mut copy = <Net as Zeroed>::zeroed();
    let (report, _) = copy.load_safetensors(&path)?;
    println!("saved {} and loaded it back: {report}", path.display());
    assert!(copy.parameters().iter().zip(net.parameters()).all(|(a, b)| a == &b));
    Ok(())
}
