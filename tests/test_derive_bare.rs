//! Bare parameters and buffers of a derived struct: `#[param(shape = ...)]` and
//! `#[buffer(shape = ..., persistent = false)]`, their values, origins, and their places in
//! the state dict (own tensors before children, as PyTorch registers them).

use init::prelude::*;

const D: usize = 8;
const N: usize = 4;

#[derive(Module)]
struct Vit {
    patch_embed: Linear<12, D>,
    #[param(shape = [1, 1, D])]
    cls_token: Param,
    #[param(shape = [1, N + 1, D])]
    #[init(trunc_normal(std = 0.02))]
    pos_embed: Param,
    #[buffer(shape = [N + 1, N + 1], persistent = false)]
    #[init(ones)]
    mask: Buffer,
    #[buffer(shape = [D])]
    #[init(constant(0.5))]
    scale: Buffer,
    norm: LayerNorm<D>,
}

#[test]
fn own_parameters_and_buffers_come_before_children_in_pytorch_order() -> Result<(), InitError> {
    let vit = Vit::new(&mut Seed::new(0))?;
    let params: Vec<String> = vit.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        params,
        [
            "cls_token",
            "pos_embed",
            "patch_embed.weight",
            "patch_embed.bias",
            "norm.weight",
            "norm.bias"
        ]
    );
    let sd = vit.state_dict();
    let keys: Vec<&str> = sd.keys().collect();
    // timm's order: own parameters, own persistent buffers, then the children.
    assert_eq!(
        keys,
        [
            "cls_token",
            "pos_embed",
            "scale",
            "patch_embed.weight",
            "patch_embed.bias",
            "norm.weight",
            "norm.bias"
        ]
    );
    let buffers: Vec<String> = vit.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(buffers, ["mask", "scale"], "a non-persistent buffer is still a buffer");
    Ok(())
}

#[test]
fn shapes_values_and_origins() -> Result<(), InitError> {
    let vit = Vit::new(&mut Seed::new(0))?;
    assert_eq!(vit.cls_token.shape(), &[1, 1, D]);
    assert!(vit.cls_token.as_slice().iter().all(|&v| v == 0.0));
    assert_eq!(vit.cls_token.origin(), Some("zeros by #[param] on Vit.cls_token"));
    assert_eq!(vit.pos_embed.shape(), &[1, N + 1, D]);
    assert_eq!(
        vit.pos_embed.origin(),
        Some("trunc_normal(std = 0.02) by #[init] on Vit.pos_embed")
    );
    // 40 draws of N(0, 0.02): none is zero, none beyond 5 standard deviations.
    assert!(vit.pos_embed.as_slice().iter().all(|&v| v.abs() <= 0.1 && v != 0.0));
    assert_eq!(vit.mask.shape(), &[N + 1, N + 1]);
    assert!(vit.mask.as_f32().unwrap().iter().all(|&v| v == 1.0));
    assert!(!vit.mask.is_persistent());
    assert!(vit.scale.as_f32().unwrap().iter().all(|&v| v == 0.5));
    assert_eq!(vit.patch_embed.weight().unwrap().origin(), Some("default: Linear"));
    Ok(())
}

#[test]
fn a_rule_from_outside_beats_the_bare_default_and_reinit_resets_buffers() -> Result<(), InitError> {
    let mut vit = Vit::new(&mut Seed::new(0))?;
    vit.mask.as_f32_mut().unwrap().fill(7.0);
    Rules::new()
        .glob("cls_token", Init::Constant { value: 0.25 })
        .init_weights(&mut vit, &mut Seed::new(1))?;
    assert!(vit.cls_token.as_slice().iter().all(|&v| v == 0.25));
    assert_eq!(vit.cls_token.origin(), Some("constant(0.25) by rule \"cls_token\""));
    assert!(
        vit.mask.as_f32().unwrap().iter().all(|&v| v == 1.0),
        "buffers take their values again"
    );
    Ok(())
}

#[test]
fn a_struct_that_no_rule_touches_zeroes_its_bare_parameter() -> Result<(), InitError> {
    #[derive(Module)]
    struct Scale {
        #[param(shape = [3])]
        gamma: Param,
    }
    let mut s = Scale::new(&mut Seed::new(0))?;
    s.gamma.as_slice_mut().fill(3.0);
    s.init_weights(&mut Seed::new(0))?;
    assert_eq!(s.gamma.as_slice(), &[0.0; 3]);
    assert_eq!(s.gamma.origin(), Some("zeros by #[param] on Scale.gamma"));
    Ok(())
}

#[test]
fn loading_ignores_non_persistent_buffers() -> Result<(), InitError> {
    let trained = Vit::new(&mut Seed::new(3))?;
    let mut fresh = Vit::new(&mut Seed::new(4))?;
    fresh.load_state_dict(&trained.state_dict())?;
    assert_eq!(fresh.pos_embed, trained.pos_embed);
    Ok(())
}

#[derive(Module)]
struct LayerScale<const C: usize> {
    #[param(shape = [C])]
    #[init(constant(1e-6))]
    gamma: Param,
}

#[test]
fn a_generic_shape_follows_the_const_parameter() -> Result<(), InitError> {
    let ls = LayerScale::<5>::new(&mut Seed::new(0))?;
    assert_eq!(ls.gamma.shape(), &[5]);
    assert!(ls.gamma.as_slice().iter().all(|&v| v == 1e-6));
    Ok(())
}
