//! The real models (ResNet-18, the DCGAN tutorial's pair, GPT-2 in a two-layer config,
//! ViT-tiny) saved by `torch.save`, loaded by `load_pytorch` and `ModuleExt::load_pytorch`.
//!
//! Whole files would be 0.7 to 47 MB, so `scripts/torch_pth_models.py` commits each as a
//! skeleton (`tests/fixtures/pth/models/<case>.skeleton`: torch's file with the bytes of every
//! storage cut out; its pickle, zip headers and CRC-32s as torch wrote them) and a
//! `<case>.json` saying where each storage's bytes were and which state-dict key holds them.
//! Each test builds the model in Rust with `TorchGenerator` and the case's seed (bit-identical
//! to the library's: tests/test_real_models.rs), pours its tensors' bytes back into the holes
//! and loads the file. The loader checks every entry's CRC-32 against torch's, so the rebuilt
//! file is torch's own; each loaded tensor must then equal the safetensors version of the
//! state dict (the JSON's hash of its exact bits, first eight values, or int64 values, read
//! back from `safetensors.torch.save` by the script) and the model's own state dict.

mod models;

use std::path::PathBuf;

use init::prelude::*;
use init::{ErrorKind, FileError, StateDict, Tensor, TorchLoop, pytorch_from_bytes};
use serde_json::Value;

/// One case of `tests/fixtures/pth/models/`.
struct Case {
    name: &'static str,
    json: Value,
    skeleton: Vec<u8>,
}

impl Case {
    fn load(name: &'static str) -> Case {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pth/models");
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let json = serde_json::from_str(&text).unwrap();
        let skeleton = std::fs::read(dir.join(format!("{name}.skeleton"))).unwrap();
        Case { name, json, skeleton }
    }

    fn seed(&self) -> u64 {
        self.json["seed"].as_u64().unwrap()
    }

    /// torch's file: the skeleton with each storage's bytes, taken from `state`, back in its
    /// hole.
    fn rebuild(&self, state: &StateDict) -> Vec<u8> {
        let len = self.json["file_len"].as_u64().unwrap() as usize;
        let mut file = Vec::with_capacity(len);
        let mut at = 0;
        for hole in self.json["holes"].as_array().unwrap() {
            let (offset, size) = (hole[0].as_u64().unwrap() as usize, hole[1].as_u64().unwrap());
            let key = hole[3].as_str().unwrap();
            let gap = offset - file.len();
            file.extend_from_slice(&self.skeleton[at..at + gap]);
            at += gap;
            let before = file.len();
            match state.get(key).unwrap_or_else(|| panic!("{}: no key {key}", self.name)) {
                Tensor::F32(a) => file.extend(a.iter().flat_map(|v| v.to_le_bytes())),
                Tensor::I64(a) => file.extend(a.iter().flat_map(|v| v.to_le_bytes())),
            }
            assert_eq!((file.len() - before) as u64, size, "{}: bytes of {key}", self.name);
        }
        file.extend_from_slice(&self.skeleton[at..]);
        assert_eq!(file.len(), len, "{}: file length", self.name);
        file
    }

    /// Every tensor of `loaded` against the safetensors version's facts: keys in order,
    /// dtype, shape, and the bits.
    fn assert_safetensors_version(&self, loaded: &StateDict) {
        let facts = self.json["tensors"].as_array().unwrap();
        let keys: Vec<&str> = facts.iter().map(|t| t[0].as_str().unwrap()).collect();
        assert_eq!(loaded.keys().collect::<Vec<_>>(), keys, "{}: keys and order", self.name);
        for t in facts {
            let key = t[0].as_str().unwrap();
            let shape: Vec<usize> =
                t[2].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
            let ours = loaded.get(key).unwrap();
            assert_eq!(ours.shape(), shape.as_slice(), "{}: shape of {key}", self.name);
            match (t[1].as_str().unwrap(), ours) {
                ("float32", Tensor::F32(a)) => {
                    let values = a.as_slice().unwrap();
                    let hash = u64::from_str_radix(t[3]["hash"].as_str().unwrap(), 16).unwrap();
                    let head: Vec<String> =
                        values.iter().take(8).map(|v| format!("{:08x}", v.to_bits())).collect();
                    let want: Vec<&str> = t[3]["head"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|h| h.as_str().unwrap())
                        .collect();
                    assert_eq!(models::bits_hash(values), hash, "{}: bits of {key}", self.name);
                    assert_eq!(head, want, "{}: first values of {key}", self.name);
                }
                ("int64", Tensor::I64(a)) => {
                    let want: Vec<i64> = t[3]["values"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_i64().unwrap())
                        .collect();
                    assert_eq!(a.iter().copied().collect::<Vec<_>>(), want, "{}: {key}", self.name);
                }
                (dtype, ours) => {
                    panic!("{}: {key} is {dtype} in torch, {:?} here", self.name, ours.dtype())
                }
            }
        }
    }
}

/// Same keys in the same order, same dtypes, shapes and bits.
fn assert_bits_eq(a: &StateDict, b: &StateDict, what: &str) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{what}: keys");
    for ((key, x), (_, y)) in a.iter().zip(b.iter()) {
        assert_eq!(x.shape(), y.shape(), "{what}: shape of {key}");
        match (x, y) {
            (Tensor::F32(x), Tensor::F32(y)) => {
                assert!(x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()), "{what}: {key}")
            }
            (Tensor::I64(x), Tensor::I64(y)) => assert_eq!(x, y, "{what}: {key}"),
            _ => panic!("{what}: dtype of {key}"),
        }
    }
}

/// The whole check of one case: `model` initialized as the library does, `fresh` a zeroed
/// model of the same structure to load into.
fn check(case: &Case, model: &dyn Module, fresh: &mut dyn Module) {
    let state = model.state_dict();
    let file = case.rebuild(&state);
    let loaded = pytorch_from_bytes(&file, None).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert!(loaded.conversions.is_empty(), "{}: nothing to convert", case.name);
    case.assert_safetensors_version(&loaded.state);
    assert_bits_eq(&loaded.state, &state, case.name);

    // Through a file, into a model: strict, every key used.
    let path =
        std::env::temp_dir().join(format!("init-pth-{}-{}.pth", case.name, std::process::id()));
    std::fs::write(&path, &file).unwrap();
    let result = fresh.load_pytorch(&path);
    std::fs::remove_file(&path).unwrap();
    let (report, conversions) = result.unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert!(report.is_clean() && conversions.is_empty(), "{}: {report:?}", case.name);
    assert_bits_eq(&fresh.state_dict(), &state, case.name);
}

#[test]
fn resnet18_saved_by_torch_loads_bit_for_bit() {
    let case = Case::load("resnet18");
    let mut net = models::resnet::resnet18();
    net.init_weights_torch(&mut TorchGenerator::new(case.seed()), TorchLoop::Modules).unwrap();
    check(&case, &net, &mut models::resnet::resnet18());
}

#[test]
fn dcgan_saved_by_torch_loads_bit_for_bit() {
    let case = Case::load("dcgan");
    let dcgan = || models::dcgan::DCGAN {
        netG: models::dcgan::generator(),
        netD: models::dcgan::discriminator(),
    };
    let mut net = dcgan();
    let mut rng = TorchGenerator::new(case.seed());
    net.netG.init_weights_torch(&mut rng, TorchLoop::Apply).unwrap();
    net.netD.init_weights_torch(&mut rng, TorchLoop::Apply).unwrap();
    check(&case, &net, &mut dcgan());
}

#[test]
fn gpt2_saved_by_torch_loads_bit_for_bit_with_its_tied_head() {
    let case = Case::load("gpt2_small_config");
    let (m, _) = models::gpt2::small::hf_program(case.seed()).unwrap();
    // torch.save writes the tied weight once: 29 keys, 28 storages.
    assert_eq!(case.json["holes"].as_array().unwrap().len(), 28);
    let mut fresh = models::gpt2::small::GPT2LMHeadModel::zeroed();
    check(&case, &m, &mut fresh);
    let (wte, head) = (fresh.transformer.wte.weight().unwrap(), fresh.lm_head.weight().unwrap());
    assert!(head.shares_storage_with(wte), "still tied after the load");
}

#[test]
fn vit_tiny_saved_by_torch_loads_bit_for_bit() {
    let case = Case::load("vit_tiny_patch16_224");
    // Saved with erfinv in float64 (the script's docs): the values TorchGenerator gives.
    assert_eq!(case.json["erfinv_f64"], Value::Bool(true));
    let (vit, _) = models::vit_timm::timm_create_model(case.seed()).unwrap();
    check(&case, &vit, &mut models::vit::vit_tiny_patch16_224());
}

#[test]
fn a_storage_byte_not_torchs_is_caught_by_its_crc() {
    let case = Case::load("gpt2_small_config");
    let (m, _) = models::gpt2::small::hf_program(case.seed()).unwrap();
    let mut file = case.rebuild(&m.state_dict());
    let hole = &case.json["holes"][3];
    file[hole[0].as_u64().unwrap() as usize + 5] ^= 1;
    let err = pytorch_from_bytes(&file, None).unwrap_err();
    let entry = hole[2].as_str().unwrap();
    assert!(
        matches!(err.kind(), ErrorKind::File(FileError::Zip { entry: e, rule })
            if e == entry && rule.starts_with("CRC-32 is ")),
        "{err}"
    );
}
