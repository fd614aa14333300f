use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
const X: &str = "abc
