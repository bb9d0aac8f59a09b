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
    let broadcast = kernel().broadcast(IxDyn(&[3, 1, 3, 3])).expect("fits").to_owned();
    net.set_parameter("conv1.weight", broadcast.view())?;
    // Say where the values come from; the summary shows it.
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

    println!("Method 4: the init_weights loop over modules, as in the thread's answer");
    // PyTorch:
    //     for m in self.modules():
    //         if isinstance(m, nn.Conv2d):
    //             nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
    //             if m.bias is not None: nn.init.constant_(m.bias, 0)
    //         elif isinstance(m, nn.BatchNorm2d):
    //             nn.init.constant_(m.weight, 1); nn.init.constant_(m.bias, 0)
    //         elif isinstance(m, nn.Linear):
    //             nn.init.normal_(m.weight, 0, 0.01); nn.init.constant_(m.bias, 0)
    // Each handle knows its path ("conv1.weight"), which keys its random stream.
    let mut net = <Net as Zeroed>::zeroed();
    net.try_apply(&mut |m| {
        match m.kind() {
            LayerKind::Conv2d => {
                if let Some(w) = m.weight() {
                    init::kaiming_normal()
                        .mode(FanMode::FanOut)
                        .nonlinearity(Nonlinearity::Relu)
                        .fill(w, &mut rng)?;
                }
                if let Some(b) = m.bias() {
                    init::constant(0.0).fill(b)?;
                }
            }
            LayerKind::BatchNorm2d => {
                if let Some(w) = m.weight() {
                    init::constant(1.0).fill(w)?;
                }
                if let Some(b) = m.bias() {
                    init::constant(0.0).fill(b)?;
                }
            }
            LayerKind::Linear => {
                if let Some(w) = m.weight() {
                    init::normal().mean(0.0).std(0.01).fill(w, &mut rng)?;
                }
                if let Some(b) = m.bias() {
                    init::constant(0.0).fill(b)?;
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    let fc = net.fc.weight().expect("fc has a weight").as_slice();
    let std = (fc.iter().map(|v| v * v).sum::<f32>() / fc.len() as f32).sqrt();
    println!("  fc.weight: std {std:.4} over its {} values (normal, std = 0.01)", fc.len());
    print!("{}", Summary::of(&net));
    println!(
        "  the conv rule in one attribute: #[init(Conv2d = kaiming_normal(mode = \"fan_out\", nonlinearity = \"relu\"))]"
    );
    Ok(())
}
