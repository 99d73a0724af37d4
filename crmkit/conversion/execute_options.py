"""How a run goes: `Mode`, and `ExecuteOptions`, one frozen value built once per `execute` call.

Why an object: the engine's parts (the live re-check, the Convert Lead workers, the Mass Convert
jobs, the settling of lost answers) each read a few of the same settings. One frozen value handed
down replaces forwarding every keyword through each layer, and the defaults are written once, here
(the shape of githubkit's `Config` and httpx's `Timeout`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack, get_args

import pandas as pd

from crmkit.conversion.events import EventHook

__all__ = ["MODES", "ExecuteChanges", "ExecuteOptions", "Mode", "check_mode"]

Mode = Literal["auto", "single", "mass"]
"""How leads are sent: `auto` uses Mass Convert for create-new rows sharing the same options
(groups of at least `mass_min`) and Convert Lead for the rest; `single` only Convert Lead; `mass`
Mass Convert for every create-new row (even alone)."""

MODES: tuple[Mode, ...] = get_args(Mode)


def check_mode(mode: str) -> Mode:
    """`mode` as a `Mode`; ValueError naming the allowed ones (a typo must not pick a path)."""
    if mode not in MODES:
        raise ValueError(f"mode must be {', '.join(MODES[:-1])} or {MODES[-1]}")
    return mode


@dataclass(frozen=True, kw_only=True)
class ExecuteOptions:
    """Everything about how `execute` runs a plan, apart from the client, the plan and the journal.

    `recheck`: validate against the live CRM right before sending (rows it refuses are skipped).
    `snapshots`: journal before/after copies of merge targets and of the records made.
    `progress`: show a tqdm bar. `plan_name`: recorded with a new run.
    `new_run`: start a new run even if this plan ran before (default: resume its run).
    `retry_failed`: give leads Zoho refused (and skipped ones) another try in this run.
    `workers`: Convert Lead requests in flight (never above the client's concurrency).
    `poll_interval` / `mass_timeout`: seconds between Mass Convert status polls / before a job is
    given up on (its leads are then settled by reading them back).
    `mass_min`: smallest group of like rows sent as one Mass Convert job in `auto` mode.
    `max_attempts`: Convert Lead tries per lead when a try provably changed nothing.
    `on_problems`: called once with the live re-check's problems when there are any.
    `on_event`: `on_event(kind, lead_id, outcome)` after each journaled step, from the engine's
    threads (`crmkit.conversion.events` says which kinds, and what the hook must bear).
    `claim_legacy_runs`: the journal's runs recorded without their org (older journals) ran in
    the org of this client: bind them to it, so this plan's run there is resumed.
    """

    mode: Mode = "auto"
    recheck: bool = True
    snapshots: bool = True
    progress: bool = True
    plan_name: str | None = None
    new_run: bool = False
    retry_failed: bool = False
    workers: int = 10
    poll_interval: float = 1.0
    mass_timeout: float = 600.0
    mass_min: int = 2
    max_attempts: int = 3
    on_problems: Callable[[pd.DataFrame], None] | None = None
    on_event: EventHook | None = None
    claim_legacy_runs: bool = False

    def __post_init__(self) -> None:
        check_mode(self.mode)

    def replace(self, **changes: Unpack[ExecuteChanges]) -> ExecuteOptions:
        """A copy with these fields changed (the value itself never changes)."""
        return dataclasses.replace(self, **changes)


class ExecuteChanges(TypedDict, total=False):
    """The keywords `execute` accepts besides `journal` and `options`: fields of ExecuteOptions."""

    mode: Mode
    recheck: bool
    snapshots: bool
    progress: bool
    plan_name: str | None
    new_run: bool
    retry_failed: bool
    workers: int
    poll_interval: float
    mass_timeout: float
    mass_min: int
    max_attempts: int
    on_problems: Callable[[pd.DataFrame], None] | None
    on_event: EventHook | None
    claim_legacy_runs: bool
