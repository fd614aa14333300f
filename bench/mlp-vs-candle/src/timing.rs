//! Best-of-N timing: the machine is shared and noisy, so the fastest repetition is the
//! closest estimate of what the code itself costs.

use std::time::{Duration, Instant};

/// Each repetition runs the closure at least this long, so timer resolution doesn't matter.
const MIN_REP: Duration = Duration::from_millis(25);

/// Nanoseconds per call of `f`: the minimum over `reps` repetitions of the mean per call.
pub fn best_ns(reps: usize, mut f: impl FnMut()) -> f64 {
    // Warm up caches and allocators, and size a repetition.
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        if t.elapsed() >= MIN_REP {
            break;
        }
        iters *= 2;
    }
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .fold(f64::INFINITY, f64::min)
}
