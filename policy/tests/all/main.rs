//! rewardsmith-policy integration tests: the nets (gradients, optimizer, init, file format)
//! and the play loop.

mod nets;
mod play;
