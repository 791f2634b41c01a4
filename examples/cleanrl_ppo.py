"""CleanRL-style single-file PPO for HelixDesk's MultiDiscrete action, on the native vector env.

One categorical head per action dimension (the joint log-prob is the sum over dimensions),
optional per-dimension action masks from ``info["action_mask"]`` (``--masks``), GAE, the
clipped surrogate objective, a clipped value loss and an entropy bonus.

Autoreset: the vector env uses Gymnasium's ``NEXT_STEP`` mode. The step that reports
``truncated`` returns the episode's *final* observation; the next step for that sub-env is a
reset step (its action is ignored, reward 0, both flags false). Such reset-step transitions
are masked out of the loss, and GAE never runs across an episode boundary: at the truncation
step the return bootstraps from the value of the final observation (truncation is a time
limit, not a terminal state).

    python examples/cleanrl_ppo.py --total-timesteps 300000 --masks
    python examples/cleanrl_ppo.py --smoke          # 4 envs x 64 steps x 2 updates
"""

from __future__ import annotations

import argparse
import time
from collections import deque

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical

import helixdesk  # noqa: F401  (registers helixdesk/HelixDesk-v0)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--config", default=None, help="HelixDesk config YAML (default: built-in)")
    p.add_argument("--total-timesteps", type=int, default=300_000)
    p.add_argument("--num-envs", type=int, default=16)
    p.add_argument("--num-steps", type=int, default=128, help="rollout length per env")
    p.add_argument("--learning-rate", type=float, default=3e-4)
    p.add_argument("--anneal-lr", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--num-minibatches", type=int, default=4)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--vf-coef", type=float, default=0.5)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--masks", action="store_true", help="mask invalid choices per dimension")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--log-every", type=int, default=1, help="print every N updates")
    p.add_argument("--smoke", action="store_true", help="tiny run: 4 envs x 64 steps x 2 updates")
    args = p.parse_args(argv)
    if args.smoke:
        args.num_envs, args.num_steps = 4, 64
        args.total_timesteps = 2 * args.num_envs * args.num_steps
    args.batch_size = args.num_envs * args.num_steps
    args.minibatch_size = max(1, args.batch_size // args.num_minibatches)
    args.num_updates = max(1, args.total_timesteps // args.batch_size)
    return args


def layer(n_in: int, n_out: int, gain: float = float(np.sqrt(2))) -> nn.Linear:
    lin = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(lin.weight, gain)
    nn.init.zeros_(lin.bias)
    return lin


class Agent(nn.Module):
    """Separate actor and critic MLPs; the actor emits ``sum(nvec)`` logits, split per dim."""

    def __init__(self, obs_dim: int, nvec: np.ndarray, hidden: int) -> None:
        super().__init__()
        self.splits = [int(n) for n in nvec]
        self.critic = nn.Sequential(
            layer(obs_dim, hidden),
            nn.Tanh(),
            layer(hidden, hidden),
            nn.Tanh(),
            layer(hidden, 1, 1.0),
        )
        self.actor = nn.Sequential(
            layer(obs_dim, hidden),
            nn.Tanh(),
            layer(hidden, hidden),
            nn.Tanh(),
            layer(hidden, sum(self.splits), 0.01),
        )

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(obs).squeeze(-1)

    def act(
        self, obs: torch.Tensor, mask: torch.Tensor | None, action: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (action (B, D), joint log-prob, joint entropy, value)."""
        logits = self.actor(obs)
        if mask is not None:
            logits = torch.where(mask, logits, torch.full_like(logits, -1e8))
        dists = [Categorical(logits=chunk) for chunk in torch.split(logits, self.splits, dim=-1)]
        if action is None:
            action = torch.stack([d.sample() for d in dists], dim=-1)
        logprob = torch.stack([d.log_prob(action[:, i]) for i, d in enumerate(dists)]).sum(0)
        entropy = torch.stack([d.entropy() for d in dists]).sum(0)
        return action, logprob, entropy, self.value(obs)


def compute_gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_value: torch.Tensor,
    ended: torch.Tensor,
    valid: torch.Tensor,
    gamma: float,
    lam: float,
) -> torch.Tensor:
    """GAE over a ``(steps, envs)`` rollout with NEXT_STEP autoreset.

    ``delta_t = r_t + gamma * V(s_{t+1}) - V(s_t)``; at a truncation step ``s_{t+1}`` is the
    episode's final observation, so the return bootstraps through the time limit. The
    recursion is cut where ``ended`` is 1, and reset steps (``valid`` 0: the action was
    ignored) get advantage 0 and are dropped from the loss.
    """
    steps = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    lastgaelam = torch.zeros_like(next_value)
    for t in reversed(range(steps)):
        nv = next_value if t == steps - 1 else values[t + 1]
        delta = rewards[t] + gamma * nv - values[t]
        lastgaelam = (delta + gamma * lam * (1.0 - ended[t]) * lastgaelam) * valid[t]
        advantages[t] = lastgaelam
    return advantages


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    kwargs = {} if args.config is None else {"config": args.config}
    envs = gym.make_vec(
        "helixdesk/HelixDesk-v0",
        num_envs=args.num_envs,
        vectorization_mode="vector_entry_point",
        **kwargs,
    )
    envs = gym.wrappers.vector.RecordEpisodeStatistics(envs)  # info["episode"], as CleanRL logs
    assert isinstance(envs.single_action_space, gym.spaces.MultiDiscrete)
    nvec = envs.single_action_space.nvec
    obs_dim = int(np.prod(envs.single_observation_space.shape))
    agent = Agent(obs_dim, nvec, args.hidden)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)

    n_s, n_e, n_a = args.num_steps, args.num_envs, int(nvec.sum())
    obs_buf = torch.zeros((n_s, n_e, obs_dim))
    mask_buf = torch.ones((n_s, n_e, n_a), dtype=torch.bool)
    act_buf = torch.zeros((n_s, n_e, len(nvec)), dtype=torch.long)
    logp_buf = torch.zeros((n_s, n_e))
    rew_buf = torch.zeros((n_s, n_e))
    trunc_buf = torch.zeros((n_s, n_e))  # 1 where this step ended the episode
    valid_buf = torch.zeros((n_s, n_e))  # 0 for NEXT_STEP reset steps (action ignored)
    val_buf = torch.zeros((n_s, n_e))

    raw_obs, info = envs.reset(seed=args.seed)
    next_obs = torch.as_tensor(raw_obs, dtype=torch.float32)
    next_mask = torch.as_tensor(info["action_mask"], dtype=torch.bool)
    # True for sub-envs whose next step() is an autoreset step.
    resetting = np.zeros(n_e, dtype=np.bool_)
    returns: deque[float] = deque(maxlen=100)
    global_step, start = 0, time.time()

    for update in range(1, args.num_updates + 1):
        if args.anneal_lr:
            frac = 1.0 - (update - 1) / args.num_updates
            optimizer.param_groups[0]["lr"] = frac * args.learning_rate

        for t in range(n_s):
            global_step += n_e
            obs_buf[t], mask_buf[t] = next_obs, next_mask
            valid_buf[t] = torch.as_tensor(~resetting, dtype=torch.float32)
            with torch.no_grad():
                action, logp, _, value = agent.act(next_obs, next_mask if args.masks else None)
            act_buf[t], logp_buf[t], val_buf[t] = action, logp, value
            raw_obs, reward, terminated, truncated, info = envs.step(action.numpy())
            rew_buf[t] = torch.as_tensor(reward, dtype=torch.float32)
            # HelixDesk never terminates (episodes end on the email budget), but handle it:
            # a terminated step also ends the episode and must not bootstrap.
            if np.any(terminated):
                raise NotImplementedError("terminal states are not expected in HelixDesk")
            trunc_buf[t] = torch.as_tensor(truncated, dtype=torch.float32)
            resetting = np.asarray(truncated, dtype=np.bool_)
            next_obs = torch.as_tensor(raw_obs, dtype=torch.float32)
            next_mask = torch.as_tensor(info["action_mask"], dtype=torch.bool)
            if "episode" in info:
                returns.extend(info["episode"]["r"][info["_episode"]].tolist())

        with torch.no_grad():
            advantages = compute_gae(
                rew_buf,
                val_buf,
                agent.value(next_obs),
                trunc_buf,
                valid_buf,
                args.gamma,
                args.gae_lambda,
            )
            ret_buf = advantages + val_buf

        b_obs = obs_buf.reshape(-1, obs_dim)
        b_mask = mask_buf.reshape(-1, n_a)
        b_act = act_buf.reshape(-1, len(nvec))
        b_logp, b_adv = logp_buf.reshape(-1), advantages.reshape(-1)
        b_ret, b_val = ret_buf.reshape(-1), val_buf.reshape(-1)
        keep = torch.nonzero(valid_buf.reshape(-1)).squeeze(-1)  # drop reset steps

        clipfracs: list[float] = []
        pg_loss = v_loss = entropy_loss = torch.zeros(())
        for _ in range(args.update_epochs):
            perm = keep[torch.randperm(len(keep))]
            for lo in range(0, len(perm), args.minibatch_size):
                mb = perm[lo : lo + args.minibatch_size]
                _, newlogp, entropy, newval = agent.act(
                    b_obs[mb], b_mask[mb] if args.masks else None, b_act[mb]
                )
                logratio = newlogp - b_logp[mb]
                ratio = logratio.exp()
                with torch.no_grad():
                    clipfracs.append(((ratio - 1.0).abs() > args.clip_coef).float().mean().item())
                adv = b_adv[mb]
                if len(mb) > 1:
                    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                pg_loss = torch.max(
                    -adv * ratio, -adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)
                ).mean()
                v_clipped = b_val[mb] + (newval - b_val[mb]).clamp(-args.clip_coef, args.clip_coef)
                v_loss = (
                    0.5 * torch.max((newval - b_ret[mb]) ** 2, (v_clipped - b_ret[mb]) ** 2).mean()
                )
                entropy_loss = entropy.mean()
                loss = pg_loss - args.ent_coef * entropy_loss + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()

        if update % args.log_every == 0 or update == args.num_updates:
            sps = int(global_step / (time.time() - start))
            mean_ret = f"{np.mean(returns):.2f}" if returns else "n/a"
            print(
                f"update={update}/{args.num_updates} global_step={global_step} SPS={sps} "
                f"episodes={len(returns)} mean_return={mean_ret} pg_loss={pg_loss.item():.4f} "
                f"v_loss={v_loss.item():.4f} entropy={entropy_loss.item():.3f} "
                f"clipfrac={np.mean(clipfracs) if clipfracs else 0.0:.3f}",
                flush=True,
            )
    envs.close()


if __name__ == "__main__":
    main()
