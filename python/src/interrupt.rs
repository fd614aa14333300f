//! Long native work that Ctrl-C can stop: the work runs on a worker thread with the GIL
//! released while the calling thread wakes every 100 ms to let Python handle signals.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pyo3::prelude::*;

/// Runs `work` on a worker thread; the first signal Python raises (`KeyboardInterrupt`)
/// sets `cancel`, which the work checks, and is returned once the work has stopped (so what
/// it writes stays complete).
pub fn interruptible<T: Send>(py: Python<'_>, cancel: &AtomicBool, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    std::thread::scope(|s| {
        let worker = s.spawn(work);
        let mut interrupted = None;
        while !worker.is_finished() {
            py.detach(|| std::thread::sleep(Duration::from_millis(100)));
            if interrupted.is_none()
                && let Err(e) = py.check_signals()
            {
                cancel.store(true, Ordering::SeqCst);
                interrupted = Some(e);
            }
        }
        let done = py.detach(|| worker.join()).expect("the worker thread does not panic");
        match interrupted {
            Some(e) => Err(e),
            None => Ok(done),
        }
    })
}
