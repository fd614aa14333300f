//! Physics sanity tests for `reacher-v0` (being written).
