"""`crmkit convert` words: the org it talks to, counts in the singular, no estimate for nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conversion_support import L_FRESH

from crmkit import connect
from crmkit.api.target import ZOHO_CRM, Target
from crmkit.cli import main
from crmkit.cli.messages import talking_to
from crmkit.conversion import make_plan, save_plan
from crmkit.sandbox import Sandbox


@pytest.fixture
def env(org_sb: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sandbox:
    for key, value in org_sb.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "absent.toml"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    for var in ("ZOHO_DC", "ZOHO_EDITION", "CRMKIT_JOURNAL"):
        monkeypatch.delenv(var, raising=False)
    return org_sb


def test_one_lead_reads_in_the_singular(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = save_plan(
        make_plan([{"lead_id": L_FRESH, "contact_action": "create", "account_action": "create"}]),
        tmp_path / "one.csv",
    )
    assert main(["convert", "--plan", str(plan), "--dry-run", "--quiet"]) == 0
    out = capsys.readouterr().out
    with connect(sandbox=env, progress=False) as client:
        name = client.org()["company_name"]
    assert f"plan {plan}: 1 lead, against the sandbox at {env.url} (org {name})" in out
    assert "estimate: 1 lead (1 by Convert Lead, 0 by Mass Convert in 0 jobs)" in out
    assert "dry run: 1 lead would be sent, 0 refused" in out
    assert "lead(s)" not in out and "1 leads" not in out


def test_an_empty_plan_prints_no_estimate(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "empty.csv"
    plan.write_text("lead_id,contact_action,account_action\n", encoding="utf-8")
    assert main(["convert", "--plan", str(plan), "--dry-run", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"plan {plan}: 0 leads, against the sandbox at {env.url}" in out
    assert "nothing to convert: the plan is empty" in out
    assert "estimate:" not in out


class _Client:
    """What `talking_to` reads of a client: its target, API domain and org (GET /org)."""

    def __init__(self, target: Target, api_domain: str) -> None:
        self.target, self.api_domain = target, api_domain

    def org(self) -> dict[str, Any]:
        return {"id": "42", "company_name": "Acme Corp"}


def test_zoho_and_sandboxes_are_named_apart() -> None:
    assert talking_to(_Client(ZOHO_CRM, "https://www.zohoapis.eu")) == "Zoho CRM (org Acme Corp)"
    local = _Client(ZOHO_CRM, "http://127.0.0.1:8123")  # configured, but on this machine
    assert talking_to(local) == "the sandbox at http://127.0.0.1:8123 (org Acme Corp)"
    embedded = _Client(Target("sandbox", "embedded sandbox"), "http://127.0.0.1:9")
    assert talking_to(embedded) == "the embedded sandbox (org Acme Corp)"
