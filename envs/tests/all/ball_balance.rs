//! Physics sanity tests for `ball_balance-v0` (being written).
