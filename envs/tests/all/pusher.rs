//! Physics sanity tests for `pusher-v0` (being written).
