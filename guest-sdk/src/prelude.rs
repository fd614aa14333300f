//! Everything a reward program needs in one import: `use rewardsmith_guest::prelude::*;`.

pub use crate::Terms;
pub use crate::export_reward;
pub use crate::math::*;
pub use crate::shaping::{Sigmoid, all_of, exp_kernel, log_sigmoid, tolerance, tolerance_with};
