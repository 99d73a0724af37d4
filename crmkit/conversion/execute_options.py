"""How a run goes: `Mode`, and `ExecuteOptions`, one frozen value built once per `execute` call.

Why an object: the engine's parts (the live re-check, the Convert Lead workers, the Mass Convert
jobs, the settling of lost answers) each read a few of the same settings. One frozen value handed
down replaces forwarding every keyword through each layer, and the defaults are written once, here
(the shape of githubkit's `Config` and httpx's `Timeout`).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["MODES", "Mode", "check_mode"]

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
