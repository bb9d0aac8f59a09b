//! The whole-model algorithms (`ModuleExt`) through trait objects: a `Box<dyn Module>` and a
//! `&mut dyn Module` initialize, give their state dict, save and load files; and a module
//! that overrides the provided traversals with lies changes none of them.

use std::path::{Path, PathBuf};

use init::ndarray::ArrayD;
use init::prelude::*;
use init::{ParamMut, StateDict, Visitor, VisitorMut};

const LOADED: &str = "loaded by load_state_dict";

/// A file path of its own for one test.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("init-dyn-{}-{name}.safetensors", std::process::id()))
}

/// A small tree with parameters and buffers (an `I64` one too), all zero.
fn net() -> Sequential {
    Sequential::new().push(Linear::<3, 4>::zeroed()).push(BatchNorm1d::<4>::new()).push(ReLU)
}

fn origins(m: &dyn Module) -> Vec<Option<String>> {
    m.parameters().iter().map(|p| p.origin().map(str::to_string)).collect()
}

/// Saves through a shared trait object, as a function generic code would write.
fn save(m: &dyn Module, path: &Path) {
    m.save_safetensors(path).unwrap();
}

#[test]
fn a_boxed_module_initializes_saves_and_loads() {
    let path = scratch("boxed");
    let mut trained: Box<dyn Module> = Box::new(net());
    trained.init_weights(&mut Seed::new(3)).unwrap();
    assert!(trained.parameters().iter().all(
        |p| p.origin() == Some("default: Linear") || p.origin() == Some("default: BatchNorm1d")
    ));
    trained.save_safetensors(&path).unwrap();

    let mut copy: Box<dyn Module> = Box::new(net());
    let (report, conversions) = copy.load_safetensors(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(report.is_clean() && conversions.is_empty());
    assert_eq!(report.loaded.len(), 7);
    assert_eq!(copy.state_dict(), trained.state_dict());
    assert!(origins(&*copy).iter().all(|o| o.as_deref() == Some(LOADED)));
}

#[test]
fn a_mutable_trait_object_saves_and_loads() {
    let path = scratch("mut-ref");
    let mut trained = net();
    let m: &mut dyn Module = &mut trained;
    m.init_weights(&mut Seed::new(5)).unwrap();
    save(m, &path);

    let mut target = net();
    let t: &mut dyn Module = &mut target;
    t.load_safetensors(path.as_path()).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(t.state_dict(), trained.state_dict());
    assert!(origins(&target).iter().all(|o| o.as_deref() == Some(LOADED)));
    assert_eq!(target.get_parameter("0.weight"), trained.get_parameter("0.weight"));
}

#[test]
fn init_weights_and_state_dict_through_dyn_match_the_concrete_type() {
    let concrete = Linear::<3, 2>::new(&mut Seed::new(0)).unwrap();
    let mut boxed: Box<dyn Module> = Box::new(Linear::<3, 2>::zeroed());
    boxed.init_weights(&mut Seed::new(0)).unwrap();
    assert_eq!(boxed.state_dict(), concrete.state_dict());
    assert_eq!(boxed.downcast_ref::<Linear<3, 2>>(), Some(&concrete));

    let mut sd = StateDict::new();
    sd.insert("weight", ArrayD::<f32>::ones(vec![2, 3]).into()).unwrap();
    sd.insert("bias", ArrayD::<f32>::zeros(vec![2]).into()).unwrap();
    let m: &mut dyn Module = &mut *boxed;
    assert!(m.load_state_dict(&sd).unwrap().is_clean());
    m.set_parameter("bias", ArrayD::from_elem(vec![2], 0.5).view()).unwrap();
    assert_eq!(boxed.bias().unwrap().as_slice(), [0.5, 0.5]);
    assert_eq!(boxed.bias().unwrap().origin(), Some("set by set_parameter"));
}

/// A module whose provided traversals all say it holds nothing.
struct Liar {
    fc: Linear<3, 2>,
}

impl Module for Liar {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("Liar")
    }
    fn visit<'a>(&'a self, visitor: &mut dyn Visitor<'a>) {
        visitor.module("fc", &self.fc);
    }
    fn visit_mut<'a>(&'a mut self, visitor: &mut dyn VisitorMut<'a>) {
        visitor.module("fc", &mut self.fc);
    }
    fn named_modules(&self) -> Vec<(String, &dyn Module)> {
        Vec::new()
    }
    fn named_parameters(&self) -> Vec<(String, &Param)> {
        Vec::new()
    }
    fn named_parameters_mut(&mut self) -> Vec<(String, ParamMut<'_>)> {
        Vec::new()
    }
    fn named_buffers(&self) -> Vec<(String, &Buffer)> {
        Vec::new()
    }
    fn get_parameter_mut(&mut self, _: &str) -> Option<ParamMut<'_>> {
        None
    }
    fn get_submodule(&self, _: &str) -> Option<&dyn Module> {
        None
    }
}

#[test]
fn overriding_a_traversal_changes_no_algorithm() {
    let mut liar = Liar { fc: Linear::zeroed() };
    liar.init_weights(&mut Seed::new(0)).unwrap();
    assert_eq!(liar.fc.weight().unwrap().origin(), Some("default: Linear"));
    assert!(liar.fc.weight().unwrap().as_slice().iter().any(|&w| w != 0.0));

    let sd = liar.state_dict();
    assert_eq!(sd.keys().collect::<Vec<_>>(), ["fc.weight", "fc.bias"]);
    let mut other = Liar { fc: Linear::zeroed() };
    assert_eq!(other.load_state_dict(&sd).unwrap().loaded, ["fc.weight", "fc.bias"]);
    assert_eq!(other.fc, liar.fc);

    other.set_parameter("fc.bias", ArrayD::from_elem(vec![2], 1.0).view()).unwrap();
    assert_eq!(other.fc.bias().unwrap().as_slice(), [1.0, 1.0]);
    let err = other.set_parameter("fc.gain", ArrayD::zeros(vec![2]).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fc.gain: no parameter at this path; the parameters under fc are fc.weight, fc.bias"
    );
    assert_eq!(Summary::of(&other).rows.len(), 2);
}
