//! Observation normalisation: running statistics while training (Welford/Chan merge in f64,
//! as Gymnasium's `RunningMeanStd`), frozen f32 statistics for acting.
//!
//! Acting only ever uses the frozen [`ObsNorm`] (f32 arithmetic, IEEE-exact operations), so a
//! saved policy normalises identically natively and in the browser.

/// Running mean and variance of observations, per dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct RunningMeanStd {
    mean: Vec<f64>,
    var: Vec<f64>,
    count: f64,
}

impl RunningMeanStd {
    /// Statistics for `dim`-float observations: mean 0, variance 1, Gymnasium's tiny prior count.
    pub fn new(dim: usize) -> Self {
        Self { mean: vec![0.0; dim], var: vec![1.0; dim], count: 1e-4 }
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Observations seen (plus the 1e-4 prior).
    pub fn count(&self) -> f64 {
        self.count
    }

    /// Merges a batch of observations (`[n, dim]` row-major) into the statistics.
    ///
    /// # Panics
    /// If `batch.len()` is not a multiple of `dim`.
    pub fn update(&mut self, batch: &[f32]) {
        let dim = self.dim();
        assert_eq!(batch.len() % dim, 0, "batch length is not a multiple of the observation size");
        let n = (batch.len() / dim) as f64;
        if n == 0.0 {
            return;
        }
        for d in 0..dim {
            let col = batch.iter().skip(d).step_by(dim).map(|&x| f64::from(x));
            let bmean = col.clone().sum::<f64>() / n;
            let bvar = col.map(|x| (x - bmean) * (x - bmean)).sum::<f64>() / n;
            let delta = bmean - self.mean[d];
            let tot = self.count + n;
            let m2 = self.var[d] * self.count + bvar * n + delta * delta * self.count * n / tot;
            self.mean[d] += delta * n / tot;
            self.var[d] = m2 / tot;
        }
        self.count += n;
    }

    /// The current statistics, frozen for acting.
    pub fn freeze(&self, clip: f32) -> ObsNorm {
        ObsNorm {
            mean: self.mean.iter().map(|&m| m as f32).collect(),
            var: self.var.iter().map(|&v| v as f32).collect(),
            clip,
        }
    }

    /// Continues from saved statistics (e.g. when fine-tuning a saved policy).
    pub fn from_frozen(norm: &ObsNorm, count: f64) -> Self {
        Self {
            mean: norm.mean.iter().map(|&m| f64::from(m)).collect(),
            var: norm.var.iter().map(|&v| f64::from(v)).collect(),
            count,
        }
    }
}

/// Frozen statistics: `clamp((obs − mean) / √(var + 1e-8), −clip, clip)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ObsNorm {
    pub mean: Vec<f32>,
    pub var: Vec<f32>,
    /// Normalised values are clipped to ±`clip` (Gymnasium and SB3 use 10).
    pub clip: f32,
}

impl ObsNorm {
    /// Normalises one or more observations (`obs.len()` a multiple of the dimension) into `out`.
    ///
    /// # Panics
    /// If the lengths differ or are not a multiple of the dimension.
    pub fn apply(&self, obs: &[f32], out: &mut [f32]) {
        let dim = self.mean.len();
        assert_eq!(obs.len(), out.len(), "obs and out lengths differ");
        assert_eq!(obs.len() % dim.max(1), 0, "obs length is not a multiple of the observation size");
        for (orow, yrow) in obs.chunks_exact(dim).zip(out.chunks_exact_mut(dim)) {
            for d in 0..dim {
                let z = (orow[d] - self.mean[d]) / libm::sqrtf(self.var[d] + 1e-8);
                yrow[d] = z.clamp(-self.clip, self.clip);
            }
        }
    }
}
