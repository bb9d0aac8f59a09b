//! Placeholder: this layer is being written.
