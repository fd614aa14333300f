//! Physics sanity tests for `pendulum-v0` (being written).
