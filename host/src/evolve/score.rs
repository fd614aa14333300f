//! The human-normalised score: how far the best reward moved the task fitness from the
//! sparse reward's, in units of the human baseline's improvement over it (Eureka's
//! `(F − F_sparse) / |F_human − F_sparse|`).
//!
//! Eureka divides by the gap whatever its size, so when the human and sparse rewards score
//! alike the score is noise over noise (a short ant run once reported −46.4). Here the score
//! is defined only when that gap is real: larger than the standard error of the difference
//! of the two means (`sqrt(σ_h²/n_h + σ_s²/n_s)`, σ over the final seeds) and larger than
//! [`MIN_RELATIVE_GAP`] of the larger baseline. Otherwise it is undefined, with the reason.

use crate::train::MeanStd;

/// Smallest human–sparse gap, as a fraction of the larger of the two means, that the score
/// divides by. Default 1 %.
pub const MIN_RELATIVE_GAP: f64 = 0.01;

/// The score, or why it is undefined (a sentence for reports and terminals).
pub fn human_normalized(best: &MeanStd, human: &MeanStd, sparse: &MeanStd) -> Result<f64, String> {
    let gap = (human.mean - sparse.mean).abs();
    let se = (human.std.powi(2) / human.n.max(1) as f64 + sparse.std.powi(2) / sparse.n.max(1) as f64).sqrt();
    let relative = MIN_RELATIVE_GAP * human.mean.abs().max(sparse.mean.abs());
    let floor = se.max(relative);
    if gap > floor && gap > 0.0 {
        return Ok((best.mean - sparse.mean) / gap);
    }
    Err(format!(
        "undefined: the human ({:.3}) and sparse ({:.3}) rewards score alike — their gap {gap:.3} is not above \
         {floor:.3} (the larger of the standard error of their difference and {}% of the larger), so there is \
         no range to normalise by",
        human.mean,
        sparse.mean,
        MIN_RELATIVE_GAP * 100.0
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(mean: f64, std: f64, n: usize) -> MeanStd {
        MeanStd { mean, std, n }
    }

    #[test]
    fn eurekas_formula_where_the_gap_is_real() {
        // The README's cartpole run: 1.000 ± 0, human 1.000 ± 0, sparse 0.791 ± 0.265 (5 seeds).
        let s = human_normalized(&ms(1.0, 0.0, 5), &ms(1.0, 0.0, 5), &ms(0.791, 0.265, 5)).unwrap();
        assert!((s - 1.0).abs() < 1e-12, "{s}");
        let s = human_normalized(&ms(0.6, 0.0, 3), &ms(0.8, 0.01, 3), &ms(0.4, 0.01, 3)).unwrap();
        assert!((s - 0.5).abs() < 1e-12, "{s}");
        // A human baseline worse than sparse: the gap is |…|, as in Eureka.
        let s = human_normalized(&ms(0.7, 0.0, 3), &ms(0.5, 0.0, 3), &ms(0.9, 0.0, 3)).unwrap();
        assert!((s - -0.5).abs() < 1e-12, "{s}");
    }

    #[test]
    fn undefined_when_human_and_sparse_score_alike() {
        // The ant run that reported −46.4: baselines 0.6 % apart, best well below both.
        let e = human_normalized(&ms(30.0, 2.0, 2), &ms(36.8, 1.5, 2), &ms(36.6, 1.8, 2)).unwrap_err();
        assert!(e.starts_with("undefined: the human (36.800) and sparse (36.600)"), "{e}");
        // Exactly equal, no noise (one seed each).
        assert!(human_normalized(&ms(1.0, 0.0, 1), &ms(0.9, 0.0, 1), &ms(0.9, 0.0, 1)).is_err());
        // A gap of 0.05 inside a standard error of ~0.07.
        assert!(human_normalized(&ms(0.9, 0.0, 2), &ms(0.85, 0.1, 2), &ms(0.80, 0.1, 2)).is_err());
    }

    #[test]
    fn never_divides_by_less_than_the_floor() {
        // Over many baselines, a defined score is bounded by |best − sparse| / floor.
        for i in 0..200 {
            let h = 0.5 + 0.002 * i as f64;
            let (best, human, sparse) = (ms(0.0, 0.0, 5), ms(h, 0.01, 5), ms(0.5, 0.01, 5));
            if let Ok(s) = human_normalized(&best, &human, &sparse) {
                let floor = (0.01f64.powi(2) * 2.0 / 5.0).sqrt().max(0.01 * h);
                assert!(s.abs() <= 0.5 / floor, "{i}: {s}");
            }
        }
    }
}
