//! Checkpoints written straight from a [`Plan`]: what a state dict holds (keys, shapes, how
//! each value is made), computed chunk by chunk and written as Hugging Face's sharded
//! safetensors layout, by one process or many without communication, and any tensor-parallel
//! block of an entry filled alone.

mod block;
mod dtype;
mod entry;
mod fingerprint;
mod from_module;
mod index;
mod plan;
mod rank;
mod shard_file;
mod shards;
mod write;
mod writeback;

#[cfg(test)]
mod tests;

pub use block::{TensorParallel, split_range};
pub use dtype::FloatDtype;
pub use entry::{Entry, Source};
pub use plan::Plan;
pub use rank::Rank;
pub use shards::{DEFAULT_MAX_SHARD_SIZE, INDEX_FILE, SINGLE_FILE, Shard};
pub use write::{Checkpoint, WriteReport};
