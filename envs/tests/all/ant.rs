//! Physics sanity tests for `ant-v0` (being written).
