//! "Which way of initializing the weights of my layers is recommended?" The forum thread's
//! four methods, done the Rust way, and its silent shape bug shown as what it is here.
//!
//! Run: `cargo run --example forum_thread`

use init::ndarray::{Array, ArrayD, Axis, IxDyn};
use init::prelude::*;

/// Method 1, "assign the values in `__init__`": declared on the field, checked at compile
/// time against the layer's shape, filled once when the struct is built.
#[derive(Module)]
struct Net {
    #[init(values = [[0, 0, 0], [1, 1, 1], [2, 2, 2]])]
    conv1: Conv2d<1, 3, 3>,
    pool: MaxPool2d<2, 2>,
    fc: Linear<3, 10>,
}

// The thread's bug was a 1-channel kernel where the layer needs 3 output channels. A literal
// that does not fit the layer does not compile here. Writing
//     #[init(values = [[[0, 0, 0]], [[1, 1, 1]]])]
//     conv1: Conv2d<1, 3, 3>,
// stops the build with
//     error[E0080]: evaluation panicked: field `conv1`: values of shape [2, 1, 3] cannot be
//     broadcast to conv1.weight of shape [3, 1, 3, 3]

fn kernel() -> ArrayD<f32> {
    Array::from_shape_vec(IxDyn(&[3, 3]), vec![0., 0., 0., 1., 1., 1., 2., 2., 2.])
        .expect("9 values")
}

fn main() -> Result<(), InitError> {
    let mut rng = Seed::new(7);

    println!("Method 1: values declared in the struct");
    let net = Net::new(&mut rng)?;
    let w = net.conv1.weight().expect("conv1 has a weight");
    println!(
        "  conv1.weight {:?}, output channel 2 = {:?}",
        w.shape(),
        w.view().index_axis(Axis(0), 2).iter().collect::<Vec<_>>()
    );
    println!("  origin: {}", w.origin().unwrap_or("-"));

    println!("Method 2: assign after construction, by path, with a shape check");
    let mut net = Net::new(&mut rng)?;
    let mut conv_w = net.get_parameter_mut("conv1.weight").expect("path exists");
    let broadcast = kernel().broadcast(IxDyn(&[3, 1, 3, 3])).expect("fits").to_owned();
    conv_w.copy_from(&broadcast.view())?;
    println!("  copied a [3, 1, 3, 3] array; requires_grad is still {}", conv_w.requires_grad());
    // The thread's bug at run time: a 1-channel weight is refused and nothing changes.
    let one_channel = kernel().into_shape_with_order(IxDyn(&[1, 1, 3, 3])).expect("9 values");
    match conv_w.copy_from(&one_channel.view()) {
        Err(e) => println!("  a [1, 1, 3, 3] array is refused: {e}"),
        Ok(()) => unreachable!("a shape mismatch is always an error"),
    }

    println!("Method 3: load the values of a saved model");
    let trained = Net::new(&mut Seed::new(1))?;
    let mut fresh = <Net as Zeroed>::zeroed();
    let saved: Vec<(String, ArrayD<f32>)> =
        trained.named_parameters().into_iter().map(|(n, p)| (n, p.view().to_owned())).collect();
    for (name, value) in &saved {
        let mut p = fresh.get_parameter_mut(name).expect("same structure");
        p.copy_from(&value.view())?;
    }
    let same = fresh.parameters().iter().zip(trained.parameters()).all(|(a, b)| a == &b);
    println!("  {} tensors copied by name, every value equal: {same}", saved.len());

    println!("Method 4: the init_weights loop over modules, as in the thread's answer");
    let mut net = <Net as Zeroed>::zeroed();
    net.try_apply(&mut |path, m| {
        let at = |p: &str| if path.is_empty() { p.to_string() } else { format!("{path}.{p}") };
        match m.kind() {
            LayerKind::Conv2d | LayerKind::Linear => {
                if let Some(w) = m.weight_mut() {
                    init::kaiming_normal(
                        w,
                        &at("weight"),
                        0.0,
                        FanMode::FanOut,
                        Nonlinearity::Relu,
                        &mut rng,
                    )?;
                }
                if let Some(b) = m.bias_mut() {
                    init::zeros(b);
                }
            }
            LayerKind::BatchNorm2d => {
                if let Some(w) = m.weight_mut() {
                    init::ones(w);
                }
                if let Some(b) = m.bias_mut() {
                    init::zeros(b);
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    let fc = net.fc.weight().expect("fc has a weight").as_slice();
    let std = (fc.iter().map(|v| v * v).sum::<f32>() / fc.len() as f32).sqrt();
    println!(
        "  fc.weight: std {std:.3} over its {} values (kaiming, fan_out = 10: sqrt(2 / 10) = {:.3})",
        fc.len(),
        0.2f32.sqrt()
    );
    println!(
        "  the same in one attribute: #[init(Conv2d = kaiming_normal(mode = \"fan_out\", nonlinearity = \"relu\"))]"
    );
    Ok(())
}
