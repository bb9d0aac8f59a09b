//! Checkpoints written straight from a [`Plan`]: what a state dict holds (keys, shapes, how
//! each value is made), computed chunk by chunk and written as Hugging Face's sharded
//! safetensors layout, by one process or many without communication.

mod entry;
mod from_module;
mod plan;

pub use entry::{Entry, Source};
pub use plan::Plan;
