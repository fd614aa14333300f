"""Peer trainer: Stable-Baselines3 PPO on a Gymnasium env with rewardsmith's PPO config mapped onto it.

Used by ppo_vs_sb3.sh, which feeds it the JSON of `rewardsmith train --env E --print-config`
(CleanRL field names) so both sides train with the same hyperparameters. Prints ONE JSON object:
steps, wall_s, sps, final_return, solved_at_step, solved_at_s (+ context). Only `model.learn()`
is timed: no evaluation runs inside it. "Solved" = the first step at which the mean over the
last 100 finished training episodes (all 100 of them) reaches the threshold, read from the
Monitor infos at every vector step.

Differences SB3 cannot express are listed in the output's `unmatched` (stderr too):
- clip_vloss: SB3 uses the clipped value loss alone, CleanRL the max of clipped and unclipped.
- target_kl: SB3 stops when a minibatch's KL exceeds 1.5 × target_kl, CleanRL after an epoch.
- bootstrap_truncated=false: SB3 always bootstraps from the critic at a time-limit end.

    python bench/sb3_ppo.py --env CartPole-v1 --config cfg.json --steps 100000 --seed 0 --threads 2
"""
import argparse
import json
import sys
import time
from collections import deque

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

# What "solved" reads from the Monitor's episode info, and the bar (Gymnasium's usual ones).
SOLVED = {"CartPole-v1": ("l", 475.0), "Pendulum-v1": ("r", -200.0)}
WINDOW = 100


class SolveWatch(BaseCallback):
    """Keeps the last 100 finished episodes and notes when their mean first reaches the bar."""

    def __init__(self, key: str, threshold: float, t0: list):
        super().__init__()
        self.key, self.threshold, self.t0 = key, threshold, t0
        self.returns = deque(maxlen=WINDOW)
        self.lengths = deque(maxlen=WINDOW)
        self.episodes = 0
        self.solved_at_step = None
        self.solved_at_s = None

    def _on_step(self) -> bool:
        ended = False
        for info in self.locals["infos"]:
            ep = info.get("episode")
            if ep is not None:
                self.returns.append(ep["r"])
                self.lengths.append(ep["l"])
                self.episodes += 1
                ended = True
        if ended and self.solved_at_step is None and len(self.returns) == WINDOW:
            window = self.lengths if self.key == "l" else self.returns
            if float(np.mean(window)) >= self.threshold:
                self.solved_at_step = self.num_timesteps
                self.solved_at_s = time.perf_counter() - self.t0[0]
        return True


def sb3_kwargs(cfg: dict) -> tuple[dict, list]:
    """Maps CleanRL-named fields to PPO's keyword arguments; returns them and what did not map."""
    lr = float(cfg["learning_rate"])
    batch = cfg["num_envs"] * cfg["num_steps"]
    unmatched = []
    if cfg.get("clip_vloss"):
        unmatched.append("clip_vloss: SB3 clips the value loss alone (CleanRL takes the max with the unclipped)")
    if cfg.get("target_kl") is not None:
        unmatched.append("target_kl: SB3 stops per minibatch at 1.5x, CleanRL per epoch at 1x")
    if cfg.get("bootstrap_truncated") is False:
        unmatched.append("bootstrap_truncated=false: SB3 always bootstraps at time-limit ends")
    kwargs = dict(
        n_steps=cfg["num_steps"],
        batch_size=batch // cfg["num_minibatches"],
        n_epochs=cfg["update_epochs"],
        learning_rate=(lambda f: f * lr) if cfg["anneal_lr"] else lr,
        gamma=cfg["gamma"],
        gae_lambda=cfg["gae_lambda"],
        clip_range=cfg["clip_coef"],
        clip_range_vf=cfg["clip_coef"] if cfg["clip_vloss"] else None,
        ent_coef=cfg["ent_coef"],
        vf_coef=cfg["vf_coef"],
        max_grad_norm=cfg["max_grad_norm"],
        target_kl=cfg["target_kl"],
        normalize_advantage=cfg["norm_adv"],
        policy_kwargs=dict(
            net_arch=dict(pi=list(cfg["hidden"]), vf=list(cfg["hidden"])),
            activation_fn=torch.nn.Tanh,
            log_std_init=float(cfg.get("init_log_std", 0.0)),
        ),
    )
    return kwargs, unmatched


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--env", required=True, choices=sorted(SOLVED))
    ap.add_argument("--config", required=True, help="JSON file: rewardsmith's --print-config output")
    ap.add_argument("--steps", type=int, help="total env steps (default: the config's total_steps)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    with open(args.config) as f:
        cfg = json.load(f)
    # Ours prints f32s widened to f64 (0.2 -> 0.20000000298023224); give SB3 the intended values.
    cfg = {k: float(f"{v:.7g}") if isinstance(v, float) else v for k, v in cfg.items()}
    steps = args.steps or int(cfg["total_steps"])
    torch.set_num_threads(args.threads)
    kwargs, unmatched = sb3_kwargs(cfg)
    for u in unmatched:
        print(f"sb3_ppo.py: not matched: {u}", file=sys.stderr)

    venv = make_vec_env(args.env, n_envs=cfg["num_envs"], seed=args.seed, vec_env_cls=DummyVecEnv)
    norm_reward = bool(cfg.get("norm_reward", False))
    if cfg["norm_obs"] or norm_reward:
        venv = VecNormalize(venv, norm_obs=bool(cfg["norm_obs"]), norm_reward=norm_reward, gamma=cfg["gamma"])
    model = PPO("MlpPolicy", venv, seed=args.seed, device="cpu", verbose=0, **kwargs)

    key, threshold = SOLVED[args.env]
    t0 = [0.0]
    watch = SolveWatch(key, threshold, t0)
    t0[0] = time.perf_counter()
    model.learn(total_timesteps=steps, callback=watch)
    wall = time.perf_counter() - t0[0]

    done = model.num_timesteps
    print(json.dumps({
        "env": args.env,
        "seed": args.seed,
        "threads": args.threads,
        "steps": done,
        "wall_s": wall,
        "sps": done / wall,
        "final_return": float(np.mean(watch.returns)) if watch.returns else None,
        "final_length": float(np.mean(watch.lengths)) if watch.lengths else None,
        "episodes": watch.episodes,
        "solved_on": {"l": "mean episode length", "r": "mean return"}[key],
        "solved_threshold": threshold,
        "solved_at_step": watch.solved_at_step,
        "solved_at_s": watch.solved_at_s,
        "unmatched": unmatched,
        "versions": {"stable_baselines3": __import__("stable_baselines3").__version__, "torch": torch.__version__},
    }))


if __name__ == "__main__":
    main()
