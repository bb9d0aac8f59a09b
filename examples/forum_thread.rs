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

/// Method 4 declared: Superklez's `initialize_weights` loop as the struct's rules.
#[derive(Module)]
#[init(
    Conv2d(weight = kaiming_normal(mode = "fan_out", nonlinearity = "relu"), bias = zeros),
    BatchNorm2d(weight = ones, bias = zeros),
    Linear(weight = normal(0.0, 0.01), bias = zeros)
)]
struct LoopNet {
    conv1: Conv2d<1, 3, 3>,
    bn: BatchNorm2d<3>,
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
    let broadcast = kernel().broadcast(IxDyn(&[3, 1, 3, 3])).expect("fits").to_owned();
    net.set_parameter("conv1.weight", broadcast.view())?;
    if let Some(mut w) = net.get_parameter_mut("conv1.weight") {
        w.set_origin("the thread's [3, 3] kernel, broadcast to 3 output channels");
    }
    let w = net.conv1.weight().expect("conv1 has a weight");
    println!(
        "  set conv1.weight from a [3, 1, 3, 3] array; requires_grad is still {}",
        w.requires_grad()
    );
    println!("  origin: {}", w.origin().unwrap_or("-"));
    // The thread's bug at run time: a 1-channel weight is refused and nothing changes.
    let one_channel = kernel().into_shape_with_order(IxDyn(&[1, 1, 3, 3])).expect("9 values");
    if let Err(e) = net.set_parameter("conv1.weight", one_channel.view()) {
        println!("  a [1, 1, 3, 3] array is refused: {e}");
    }

    println!("Method 3: load a saved state dict");
    let trained = Net::new(&mut Seed::new(1))?;
    let path = std::env::temp_dir().join("init-forum-thread-net.safetensors");
    trained.save_safetensors(&path)?;
    let mut fresh = <Net as Zeroed>::zeroed();
    let (report, _) = fresh.load_safetensors(&path)?;
    let same = fresh.parameters().iter().zip(trained.parameters()).all(|(a, b)| a == &b);
    println!("  {report} Every value equal: {same}");
    // A checkpoint holding the thread's 1-channel weight is refused as a whole: strict
    // loading checks every key first and changes nothing.
    let mut bad = trained.state_dict();
    bad.remove("conv1.weight");
    bad.insert("conv1.weight", one_channel.clone().into())?;
    if let Err(e) = fresh.load_state_dict(&bad) {
        println!("  a checkpoint with a [1, 1, 3, 3] conv1.weight is refused:\n    {e}");
    }

    println!("Method 4: Superklez's initialize_weights loop, imperative, then declared");
    // PyTorch: `for m in self.modules()`: Conv2d `kaiming_normal_(w, mode='fan_out',
    // nonlinearity='relu')`, BatchNorm2d weight 1, Linear `normal_(w, 0, 0.01)`, biases 0.
    // Each handle knows its path ("conv1.weight"), which keys its random stream.
    let mut looped = LoopNet::zeroed();
    looped.try_apply(&mut |m| {
        let w: Init = match m.kind() {
            LayerKind::Conv2d => {
                init::kaiming_normal().mode(FanMode::FanOut).nonlinearity(Nonlinearity::Relu).into()
            }
            LayerKind::BatchNorm2d => init::constant(1.0).into(),
            LayerKind::Linear => init::normal().mean(0.0).std(0.01).into(),
            _ => return Ok(()),
        };
        if let Some(p) = m.weight() {
            w.apply(p, &mut rng)?;
        }
        m.bias().map_or(Ok(()), |b| init::constant(0.0).fill(b))
    })?;
    let declared = LoopNet::new(&mut Seed::new(7))?;
    let same = looped.parameters().iter().zip(declared.parameters()).all(|(a, b)| a == &b);
    println!("  the loop and the declared rules give the same values: {same}");
    print!("{}", Summary::of(&declared));
    Ok(())
}
