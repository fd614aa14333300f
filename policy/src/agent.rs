//! A trained policy as it is saved and run: observation normalisation, the actor net and,
//! for continuous actions, the state-independent log-std. What the CLI's `eval` and the
//! browser demo load; the trainer's critic is saved beside it but is not needed to act.
//!
//! File format (safetensors, all F32): `actor.{2k}.weight` / `actor.{2k}.bias` (PyTorch
//! `nn.Sequential` names), `log_std` `[act]` for continuous policies (its absence means a
//! categorical policy over the actor's outputs), `obs_norm.mean` / `obs_norm.var` `[obs]`
//! and `obs_norm.clip` `[1]` when observations are normalised. Layer sizes are read from
//! the shapes, so the file describes itself.

use super::gaussian::{categorical_sample, diag_gaussian_sample};
use super::mlp::{Mlp, NamedTensor, PolicyError};
use super::normalize::ObsNorm;
use rand::RngCore;

/// How the actor's outputs become actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// Logits of a categorical over `n` actions; the action is the index (one float).
    Discrete { n: usize },
    /// The mean of a diagonal Gaussian over `dim` floats.
    Continuous { dim: usize },
}

/// A policy that can act.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub actor: Mlp,
    /// Per-dimension log standard deviation (continuous only; empty for discrete).
    pub log_std: Vec<f32>,
    pub obs_norm: Option<ObsNorm>,
}

impl Policy {
    /// Discrete when there is no log-std.
    pub fn kind(&self) -> ActionKind {
        if self.log_std.is_empty() {
            ActionKind::Discrete { n: self.actor.out_dim() }
        } else {
            ActionKind::Continuous { dim: self.log_std.len() }
        }
    }

    /// Floats per action (1 for discrete).
    pub fn action_dim(&self) -> usize {
        match self.kind() {
            ActionKind::Discrete { .. } => 1,
            ActionKind::Continuous { dim } => dim,
        }
    }

    /// The actor's output for a raw observation (normalised first when the policy has stats).
    pub fn actor_output(&self, obs: &[f32], out: &mut [f32]) {
        match &self.obs_norm {
            Some(n) => {
                let mut z = vec![0.0; obs.len()];
                n.apply(obs, &mut z);
                self.actor.forward(&z, out);
            }
            None => self.actor.forward(obs, out),
        }
    }

    /// The deterministic action for evaluation and demos: the most likely index (lowest
    /// on ties) or the Gaussian mean. Same bits on every platform.
    pub fn act_deterministic(&self, obs: &[f32], action: &mut [f32]) {
        assert_eq!(action.len(), self.action_dim(), "action length differs from the policy's");
        let mut out = vec![0.0; self.actor.out_dim()];
        self.actor_output(obs, &mut out);
        match self.kind() {
            ActionKind::Discrete { .. } => action[0] = argmax(&out) as f32,
            ActionKind::Continuous { .. } => action.copy_from_slice(&out),
        }
    }

    /// A sampled action (the training distribution), drawing from `rng`.
    pub fn act_sampled<R: RngCore + ?Sized>(&self, obs: &[f32], rng: &mut R, action: &mut [f32]) {
        assert_eq!(action.len(), self.action_dim(), "action length differs from the policy's");
        let mut out = vec![0.0; self.actor.out_dim()];
        self.actor_output(obs, &mut out);
        match self.kind() {
            ActionKind::Discrete { .. } => action[0] = categorical_sample(&out, rng) as f32,
            ActionKind::Continuous { .. } => diag_gaussian_sample(&out, &self.log_std, rng, action),
        }
    }

    /// The tensors of the file format above.
    pub fn to_tensors(&self) -> Vec<NamedTensor> {
        let mut t = self.actor.to_safetensors("actor");
        if !self.log_std.is_empty() {
            t.push(NamedTensor { name: "log_std".into(), shape: vec![self.log_std.len()], data: self.log_std.clone() });
        }
        if let Some(n) = &self.obs_norm {
            t.push(NamedTensor { name: "obs_norm.mean".into(), shape: vec![n.mean.len()], data: n.mean.clone() });
            t.push(NamedTensor { name: "obs_norm.var".into(), shape: vec![n.var.len()], data: n.var.clone() });
            t.push(NamedTensor { name: "obs_norm.clip".into(), shape: vec![1], data: vec![n.clip] });
        }
        t
    }

    /// Rebuilds a policy from the tensors of a file (other tensors, such as the critic's,
    /// are ignored). Layer sizes come from the shapes.
    pub fn from_tensors(tensors: &[NamedTensor]) -> Result<Self, PolicyError> {
        let sizes = layer_sizes(tensors, "actor")?;
        let actor = Mlp::from_safetensors(&sizes, tensors, "actor")?;
        let get = |name: &str| tensors.iter().find(|t| t.name == name);
        let expect = |t: &NamedTensor, len: usize| -> Result<Vec<f32>, PolicyError> {
            if t.shape != [len] {
                return Err(PolicyError::ShapeMismatch {
                    name: t.name.clone(),
                    expected: vec![len],
                    got: t.shape.clone(),
                });
            }
            if let Some((index, &value)) = t.data.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                return Err(PolicyError::NonFinite { name: t.name.clone(), index, value });
            }
            Ok(t.data.clone())
        };
        let log_std = match get("log_std") {
            Some(t) => expect(t, actor.out_dim())?,
            None => Vec::new(),
        };
        let obs_norm = match (get("obs_norm.mean"), get("obs_norm.var"), get("obs_norm.clip")) {
            (None, None, None) => None,
            (Some(m), Some(v), Some(c)) => Some(ObsNorm {
                mean: expect(m, actor.in_dim())?,
                var: expect(v, actor.in_dim())?,
                clip: expect(c, 1)?[0],
            }),
            _ => {
                return Err(PolicyError::MissingTensor {
                    name: "obs_norm.mean, obs_norm.var and obs_norm.clip".into(),
                });
            }
        };
        Ok(Self { actor, log_std, obs_norm })
    }
}

/// `[in, hidden..., out]` from `{prefix}.{2k}.weight` shapes (`[out, in]`), k = 0, 1, ...
pub fn layer_sizes(tensors: &[NamedTensor], prefix: &str) -> Result<Vec<usize>, PolicyError> {
    let mut sizes = Vec::new();
    for k in 0.. {
        let name = format!("{prefix}.{}.weight", 2 * k);
        let Some(t) = tensors.iter().find(|t| t.name == name) else { break };
        let [out, inp] = t.shape[..] else {
            return Err(PolicyError::ShapeMismatch { name, expected: vec![0, 0], got: t.shape.clone() });
        };
        if let Some(&last) = sizes.last()
            && last != inp
        {
            return Err(PolicyError::ShapeMismatch { name, expected: vec![out, last], got: t.shape.clone() });
        }
        if sizes.is_empty() {
            sizes.push(inp);
        }
        sizes.push(out);
    }
    if sizes.is_empty() {
        return Err(PolicyError::MissingTensor { name: format!("{prefix}.0.weight") });
    }
    Ok(sizes)
}

/// Index of the largest value, the lowest index on ties (NaN never wins).
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
