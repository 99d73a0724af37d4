"""Deterministic sample org (Zoho export layout) and where the bundled copy lives.

``generate(out_dir, leads=..., contacts=..., accounts=..., seed=...)`` writes a
data directory plus its ground truth; ``bundled_path()`` is the committed
``sample_data/`` the sandbox loads by default.
"""

from __future__ import annotations

from pathlib import Path

from crmkit.sampledata.checks import exact_matches
from crmkit.sampledata.generator import DEFAULT_SEED, GenerationReport, generate

__all__ = ["DEFAULT_SEED", "GenerationReport", "bundled_path", "exact_matches", "generate"]


def bundled_path() -> Path:
    """The sample data directory: the checkout's ``sample_data/``, else the wheel's copy."""
    checkout = Path(__file__).resolve().parents[2] / "sample_data"
    if (checkout / "Leads.csv").is_file():
        return checkout
    return Path(__file__).resolve().parents[1] / "_sample_data"
