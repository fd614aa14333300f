//! `pendulum-v0`: not implemented yet (being written).

use crate::registry::Registration;

pub(crate) fn register(_r: &mut Vec<Registration>) {}
