"""The Gymnasium face of the simulator."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from helixdesk.config import HelixConfig, load_config
from helixdesk.rewards import COMPONENT_INFO_KEYS, component_info
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.dynamics.events import EventLog
from helixdesk.simulator.generator.email_text import RenderedEmail, render_email
from helixdesk.simulator.generator.tape import Tape
from helixdesk.simulator.schema import Scalar
from helixdesk.spaces import action_space, check_actions, layout_for, observation_space

# The keys of ``info`` (the Information section of HelixDeskEnv), for this env and the
# vector env alike.
REWARD_RAW = "reward_raw"
REWARD_SETTLEMENT = "reward_settlement"
ACTION_MASK = "action_mask"
APPLIED_ACTION = "applied_action"
EMAIL_INDEX = "email_index"
SIM_HOURS = "sim_hours"
# Every key, in the order a step's ``info`` holds them.
INFO_KEYS = (
    *COMPONENT_INFO_KEYS,
    REWARD_RAW,
    REWARD_SETTLEMENT,
    ACTION_MASK,
    APPLIED_ACTION,
    EMAIL_INDEX,
    SIM_HOURS,
)


class HelixDeskEnv(gym.Env[np.ndarray, np.ndarray]):
    """Triage a company's customer-support inbox, one email per step.

    ## Description

    Emails arrive over a simulated shift (Poisson arrivals, ~9 per hour in weekday business
    hours by default, fewer at night and at weekends (``env.arrival_profile``), more while a
    category surges). For each email the agent classifies it, sets a
    priority, assigns an employee (or nobody) and may auto-reply from the knowledge base or
    alert the general manager. Between emails the clock runs: employees work their queues in
    priority order (a more urgent ticket interrupts a less urgent one), SLA deadlines pass,
    customers rate the service, complaints reopen. So a decision's consequences arrive steps
    later. All randomness is drawn at ``reset`` onto an
    *episode tape*; the dynamics are a deterministic function of tape and actions, so the same
    seed gives every agent the same inbox.

    ## Action Space

    ``MultiDiscrete([3, 4, n_employees + 1, 3])`` (default ``[3, 4, 6, 3]``):

    | Dim | Name           | Choices                                                     |
    |-----|----------------|-------------------------------------------------------------|
    | 0   | classification | 0 query, 1 complaint, 2 flag_for_review                     |
    | 1   | priority       | 0 critical, 1 high, 2 medium, 3 normal (orders complaints)  |
    | 2   | assignment     | 0..n-1 employee_i, n no_assignment                          |
    | 3   | secondary      | 0 auto_reply_from_kb, 1 alert_gm, 2 none                    |

    *Flag-for-review rule*: classification 2 forces dims 1–3 to (normal, no_assignment, none)
    and sends the email to the review queue; rewards and the event log see the forced action
    (``info["applied_action"]``). Priority only orders complaints: a query is worked at normal
    priority. A query or complaint with no assignee stays with nobody and is abandoned at its
    deadline. A successful auto-reply closes the email and the assignment is unused; a failed
    one leaves it to the assignee. Every combination is valid; ``action_masks()`` advises.

    ## Observation Space

    ``Box(-1, 1, (42,), float32)`` for the default config (``n_employees`` adds 2 per employee,
    each category adds 1 to the trend block; ``HelixDeskEnv().layout`` names every index):

    | Index | Group            | Features                                                    |
    |-------|------------------|-------------------------------------------------------------|
    | 0–9   | current email    | sentiment [-1,1] (noisy), keyword flag, tier one-hot (3),   |
    |       |                  | category code (5 slots, one-hot then overflow codes)        |
    | 10–14 | queue state      | open tickets by assigned priority / team capacity,          |
    |       |                  | review queue / review capacity                              |
    | 15–24 | team state       | per employee: queue length / capacity, avg service hours /  |
    |       |                  | ``sla.normal_hours``                                        |
    | 25–28 | SLA state        | overdue share, near-deadline share, mean SLA time used,     |
    |       |                  | critical-overdue flag                                       |
    | 29–36 | trend state      | per category: watchdog growth (fast vs slow rate) in [-1,1] |
    | 37–38 | time             | hour of day / 24, day of week / 7                           |
    | 39–41 | episode progress | emails remaining / total, mean reward so far, upstream      |
    |       |                  | classifier confidence for this email                        |

    Sentiment, confidence and the trend signal are noisy; some emails are deliberately
    ambiguous (their tone contradicts their type). The email text (``email_text()``) carries
    more than the numbers do.

    ## Rewards

    Per step, the sum of twelve components (``info["reward_<component>"]``), clipped to
    ``[-env.reward_clip, env.reward_clip]`` (raw sum in ``info["reward_raw"]``). Triage
    components fire on the step's email; outcome components (marked *) fire for every ticket
    that settles while the clock runs to the next email. One occurrence is worth
    ``weight × rewards.scale`` (weights below, scale 0.2 by default, so the clip rarely binds).
    The last step's settlement — what happens after the shift while the backlog drains
    (``env.drain_at_end``) — is added to its clipped reward unclipped.

    | Component              | Weight  | Fires when                                            |
    |------------------------|---------|-------------------------------------------------------|
    | resolve_on_time *      | +1.0    | an employee or the reviewer resolves before deadline, |
    |                        |         | or an auto-reply answers the email (once per ticket:  |
    |                        |         | not again after a reopen)                             |
    | csat_high *            | +0.8    | a resolution or auto-reply is rated 4 or 5 (once per  |
    |                        |         | ticket: not again after a reopen)                     |
    | trend_prevented        | +0.6    | GM alerted about a category inside a ground-truth     |
    |                        |         | surge of it, first alert of that surge                |
    | correct_classification | +0.5    | applied classification equals the true type           |
    | balanced_assignment    | +0.4    | the assignment lowers the std of employee queues      |
    | kb_updated *           | +0.3    | an employee answers a query the KB lacked; KB learns  |
    | missed_deadline *      | -1.0    | a ticket's SLA deadline passes unresolved (once)      |
    | bad_autoreply          | -0.8    | an auto-reply fails (not a query, or no KB entry):    |
    |                        |         | the customer rates it 1 or 2                          |
    | unnecessary_escalation | -0.6    | flagged for review but not a review case, or GM       |
    |                        |         | alerted with no fresh surge in the email's category   |
    | misclassification      | -0.5    | query/complaint label differs from the true type      |
    | complaint_reopened *   | -0.4    | a resolved complaint or review case reopens           |
    | keyword_flag_missed    | -0.3    | keyword email not handled as complaint + critical     |

    ## Starting State

    Empty queues, the KB holding each category's most common topics, the watchdog at its
    baseline, a start hour drawn from the scenario's window (``env.start_days``,
    ``env.start_hours``: any hour of the week by default); the first email has arrived.

    ## Episode End

    No termination. After ``env.episode_emails`` steps the episode is *truncated*; the last
    step runs the clock to the end of the shift (with ``env.drain_at_end``, until every open
    ticket is resolved or past its deadline). Stepping again needs ``reset``.

    ## Information

    Every step (and ``reset``) returns the same keys, each a NumPy value (no nested dict and
    no plain Python number, so that vectorising stacks every key into one array and TorchRL
    can spec it):

    | Key                    | Type                | Meaning                                   |
    |------------------------|---------------------|-------------------------------------------|
    | ``reward_raw``         | float64             | the components' sum before clipping       |
    | ``reward_settlement``  | float64             | the part of ``reward_raw`` that settled   |
    |                        |                     | after the shift (last step; else 0); the  |
    |                        |                     | reward is clip(raw - settlement) plus it  |
    | ``reward_<component>`` | float64             | one key per component above, e.g.         |
    |                        |                     | ``reward_missed_deadline`` (0.0 at reset) |
    | ``action_mask``        | bool[sum(nvec)]     | see ``action_masks``                      |
    | ``applied_action``     | int64[4]            | the action after the flag rule (-1s at    |
    |                        |                     | reset)                                    |
    | ``email_index``        | int64               | index of the email awaiting triage        |
    | ``sim_hours``          | float64             | simulated hours since the shift began     |

    ``helixdesk.env.INFO_KEYS`` lists the keys in the order ``info`` holds them (the
    components first); ``helixdesk.rewards.components_from_info(info)`` gathers the
    components into a dict. Episode statistics are not reported: wrap the env in Gymnasium's
    ``RecordEpisodeStatistics`` (it owns ``info["episode"]``).

    ## Arguments

    ``HelixDeskEnv(config=None, render_mode=None, record_events=True)``: ``config`` is
    ``None`` (packaged defaults), a YAML path or a partial nested dict merged over the
    defaults; ``render_mode`` ``"ansi"`` (text) or ``"rgb_array"`` (a ``(400, 800, 3)`` uint8
    frame of the email, its triage, the queue, the team's load, SLA pressure and trend
    alerts; drawn with Pillow, which only a rendering env loads); ``record_events`` keeps the
    episode's event log (``env.event_log``) for graders and metrics (turn off for maximal
    speed).

    ## Version History

    * v0: initial release. Since then, within v0: ``render_mode="rgb_array"``; ``info``
      flattened (``reward_<component>`` keys replace the ``reward_components`` dict, every
      value a NumPy value).
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        config: HelixConfig | str | Path | Mapping[str, Any] | None = None,
        render_mode: str | None = None,
        record_events: bool = True,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None")
        self.config = load_config(config)
        self.render_mode = render_mode
        self.layout = layout_for(self.config)
        self.observation_space = observation_space(self.config)
        self.action_space = action_space(self.config)
        self._nvec = self.action_space.nvec
        self._n_employees = self.config.env.n_employees
        self._sim = BatchSimulator(self.config, 1, record_events)
        self._record_events = record_events
        self._tape: Tape | None = None
        self._done = False
        self._action = np.zeros((1, 4), dtype=np.int64)
        self._step_kernel = self._sim.bind_step(self._action)
        self._nvec_list = self._nvec.tolist()
        self._n_emails = self.config.env.episode_emails
        self._out = self._sim.out
        self.event_log = EventLog()

    # -- Gymnasium API ---------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._sim.reset([0], [self.np_random])
        self._tape = self._sim.tape(0)
        self._done = False
        self.event_log = EventLog()
        self._collect_events()
        info = dict.fromkeys(COMPONENT_INFO_KEYS, np.float64(0.0))
        self._complete_info(info, np.float64(0.0), np.float64(0.0), np.full(4, -1, dtype=np.int64))
        return self._out.obs[0].copy(), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._tape is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        if self._done:
            raise gym.error.ResetNeeded("the episode is over (truncated); call reset()")
        self._action[0] = self._checked_action(action)
        self._step_kernel()
        self._collect_events()
        out = self._out
        info = component_info(self._sim.state.counts[0], self._sim.model.values)
        self._complete_info(info, out.raw_rewards[0], out.settlements[0], out.applied[0].copy())
        self._done = bool(info[EMAIL_INDEX] >= self._n_emails)
        return out.obs[0].copy(), float(out.rewards[0]), False, self._done, info

    def render(self) -> str | np.ndarray | None:
        """The desk now: text (``"ansi"``), an ``(400, 800, 3)`` uint8 frame (``"rgb_array"``)
        or ``None`` without a render mode."""
        if self.render_mode is None:
            return None
        if self._tape is None:
            raise gym.error.ResetNeeded("call reset() before render()")
        from helixdesk import render  # Pillow and the drawing code load on the first frame

        view = render.desk(self._sim, 0)
        return render.render_ansi(view) if self.render_mode == "ansi" else render.render_rgb(view)

    # -- copies --------------------------------------------------------------------------
    # The step closure is bound to this instance's arrays: a copy or an unpickled env binds
    # its own (every other attribute, compiled kernels included, copies and pickles).

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_step_kernel"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._step_kernel = self._sim.bind_step(self._action)

    # -- extras ----------------------------------------------------------------------------

    def action_masks(self) -> np.ndarray:
        """Flat bool mask of length ``sum(nvec)``, one block per action dimension.

        Only per-dimension facts are masked: an employee whose queue is at capacity, and
        the auto-reply when the KB has no entry for this email's topic. Masked choices stay
        legal (a full employee bounces the ticket to nobody; a failed auto-reply is rated 1–2).
        """
        return self._out.masks[0].copy()

    @property
    def records_events(self) -> bool:
        """Whether ``event_log`` is kept (graders and metrics need it)."""
        return self._record_events

    @property
    def email_index(self) -> int:
        """Index (within the episode) of the email awaiting triage."""
        return int(self._sim.state.scalars[0, Scalar.EMAIL])

    def email_text(self) -> RenderedEmail:
        """Sender, subject and body of the email awaiting triage (for LLM agents; not cheap)."""
        if self.email_index >= self.config.env.episode_emails:
            raise gym.error.ResetNeeded("the episode is over: there is no email to read")
        return render_email(self.tape.emails[self.email_index], self.config)

    @property
    def last_observation(self) -> np.ndarray:
        """The most recent observation (a view: do not modify)."""
        return self._out.obs[0]

    @property
    def sim_hours(self) -> float:
        return float(self._sim.state.scalars[0, Scalar.TIME])

    @property
    def tape(self) -> Tape:
        """The current episode's tape (ground truth: for graders and tests, not agents)."""
        if self._tape is None:
            raise gym.error.ResetNeeded("call reset() first")
        return self._tape

    # -- helpers ---------------------------------------------------------------------------

    def _checked_action(self, action: Any) -> list[int]:
        values = np.asarray(action)
        if values.dtype.kind not in "iu" or values.shape != (4,):
            values = check_actions(values, self._nvec, self.config)
        codes = values.tolist()
        # Plain-int comparisons: the per-step fast path (numpy reductions cost microseconds).
        if not all(0 <= code < size for code, size in zip(codes, self._nvec_list, strict=True)):
            check_actions(values, self._nvec, self.config)  # raises with the details
        return codes

    def _collect_events(self) -> None:
        if self._record_events:
            n = int(self._sim.state.n_events[0])
            self.event_log.extend(self._sim.state.events[0, :n])

    def _complete_info(
        self, info: dict[str, Any], raw: np.float64, settlement: np.float64, applied: np.ndarray
    ) -> None:
        """Add the keys other than the components to ``info`` (item by item: this is the
        per-step path)."""
        scalars = self._sim.state.scalars[0]
        info[REWARD_RAW] = raw
        info[REWARD_SETTLEMENT] = settlement
        info[ACTION_MASK] = self._out.masks[0].copy()
        info[APPLIED_ACTION] = applied
        info[EMAIL_INDEX] = np.int64(scalars.item(Scalar.EMAIL))  # item(): 2x faster here
        info[SIM_HOURS] = scalars[Scalar.TIME]
