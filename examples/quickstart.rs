//! The forum thread's network, initialized parameter by parameter with declarative `Init`
//! values, printed as a table, then the thread's silent shape bug shown as the error it is here.
//!
//! Run: `cargo run --example quickstart`

use init::ndarray::{self, ArrayD};
use init::prelude::*;

fn main() -> Result<(), InitError> {
    // Conv2d(1, 3, 3) -> ReLU -> MaxPool2d(2, 2) -> Linear(3 * 13 * 13, 10), as in the thread.
    let kernel = Values::new(vec![3, 3], vec![0., 0., 0., 1., 1., 1., 2., 2., 2.])?;
    let relu = |mode| Init::KaimingNormal {
        a: 0.0,
        mode,
        nonlinearity: Nonlinearity::Relu,
        axes: FanAxes::TORCH,
    };
    let plan: Vec<(&str, Vec<usize>, Init)> = vec![
        ("conv1.weight", vec![3, 1, 3, 3], Init::Values(kernel)),
        ("conv1.bias", vec![3], Init::Uniform { a: -1.0 / 3.0, b: 1.0 / 3.0 }),
        ("fc.weight", vec![10, 507], relu(FanMode::FanIn)),
        ("fc.bias", vec![10], Init::Zeros),
    ];

    let mut rng = Seed::new(42);
    println!("{:<14} {:<14} {:<62} {:>9} {:>9}", "parameter", "shape", "init", "mean", "std");
    let mut params = Vec::new();
    for (path, shape, init) in &plan {
        let mut p = Param::zeros(shape);
        init.apply(&mut p, path, &mut rng)?;
        let n = p.numel() as f64;
        let mean = p.as_slice().iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        let var = p.as_slice().iter().map(|&x| (f64::from(x) - mean).powi(2)).sum::<f64>() / n;
        println!(
            "{path:<14} {:<14} {:<62} {mean:>9.5} {:>9.5}",
            format!("{shape:?}"),
            init.to_string(),
            var.sqrt()
        );
        params.push(p);
    }

    // Every output channel of conv1 got the 3x3 kernel, broadcast as in the thread's Method 1.
    println!("\nconv1.weight[2, 0] =\n{}", params[0].view().slice(ndarray::s![2, 0, .., ..]));

    // The thread's bug: replacing a [3, 1, 3, 3] weight with a [1, 1, 3, 3] tensor. PyTorch's
    // `.data =` accepts it silently; here a parameter's shape cannot change.
    let wrong = ArrayD::<f32>::ones(vec![1, 1, 3, 3]);
    match params[0].copy_from(&wrong.view()) {
        Ok(()) => println!("unexpected: the copy was accepted"),
        Err(e) => println!("\nconv1.weight.copy_from(1x1x3x3): {}", e.at("conv1.weight")),
    }

    // The same seed gives the same bits; the same path under another seed does not.
    let mut again = Param::zeros(&[10, 507]);
    plan[2].2.apply(&mut again, "fc.weight", &mut Seed::new(42))?;
    println!("\nrebuilt fc.weight with seed 42: identical = {}", again == params[2]);
    Ok(())
}
