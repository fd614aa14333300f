//! Adam over flat buffers, with PyTorch's update rule (CleanRL's PPO optimizer).

/// Adam state for one flat parameter buffer. Betas and eps default to CleanRL's PPO
/// (0.9, 0.999, 1e-5); the learning rate is passed to each [`Adam::step`] so it can anneal.
#[derive(Clone, Debug)]
pub struct Adam {
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    m: Vec<f32>,
    v: Vec<f32>,
    t: u64,
}

impl Adam {
    /// Zeroed moments for `len` parameters.
    pub fn new(len: usize) -> Self {
        Self { beta1: 0.9, beta2: 0.999, eps: 1e-5, m: vec![0.0; len], v: vec![0.0; len], t: 0 }
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One update: `p -= lr * m̂ / (sqrt(v̂) + eps)`, in PyTorch's operation order.
    ///
    /// # Panics
    /// If `params` or `grads` is not the length given to [`Adam::new`].
    pub fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32) {
        assert_eq!(params.len(), self.m.len(), "params length differs from the optimizer's");
        assert_eq!(grads.len(), self.m.len(), "grads length differs from the optimizer's");
        self.t += 1;
        // Bias corrections in f64 via libm (not powi) so the bits match on wasm32.
        let t = self.t as f64;
        let bc1 = 1.0 - libm::pow(f64::from(self.beta1), t);
        let bc2 = 1.0 - libm::pow(f64::from(self.beta2), t);
        let step_size = (f64::from(lr) / bc1) as f32;
        let bc2_sqrt = libm::sqrt(bc2) as f32;
        let (b1, b2) = (self.beta1, self.beta2);
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(&mut self.m).zip(&mut self.v) {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            let denom = libm::sqrtf(*v) / bc2_sqrt + self.eps;
            *p -= step_size * *m / denom;
        }
    }
}

/// Scales `grads` in place so their global L2 norm is at most `max_norm` (PyTorch's
/// `clip_grad_norm_`, including its 1e-6 guard) and returns the norm before clipping.
pub fn clip_grad_norm(grads: &mut [f32], max_norm: f32) -> f32 {
    // f64 sequential sum: accurate for large buffers and still one fixed order.
    let sq: f64 = grads.iter().map(|&g| f64::from(g) * f64::from(g)).sum();
    let norm = libm::sqrt(sq) as f32;
    let coef = max_norm / (norm + 1e-6);
    if coef < 1.0 {
        grads.iter_mut().for_each(|g| *g *= coef);
    }
    norm
}
