"""Plans: CSV round trip, clear errors, requests, builder policies, estimate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmkit.conversion import (
    PLAN_SCHEMA,
    Journal,
    PlanError,
    Policy,
    estimate,
    load_plan,
    make_plan,
    plan_from_options,
    plan_hash,
    request_for,
    save_plan,
)
from crmkit.conversion.journal import redact
from crmkit.conversion.plan import mass_key, parse_tags
from crmkit.frames import options_frames

BIG = "4876876000007437017"  # > 2**53: must never pass through a float


def test_csv_round_trip_keeps_ids_and_types(tmp_path: Path) -> None:
    plan = make_plan(
        [
            {
                "lead_id": BIG,
                "contact_action": "merge",
                "contact_id": 4876876000007421001,
                "account_action": "merge",
                "account_id": "4876876000007421010",
                "overwrite": True,
                "amount": 1234.5,
                "deal_name": "Zylker Deal",
                "closing_date": "2026-01-31",
                "stage": "Proposal",
                "pipeline": "Standard",
                "carry_over_tags": "Contacts:VIP|Hot",
            },
            {"lead_id": "12", "contact_action": "create", "account_action": "none"},
        ]
    )
    assert dict(plan.dtypes.astype(str)) == PLAN_SCHEMA
    loaded = load_plan(save_plan(plan, tmp_path / "plan.csv"))
    pd.testing.assert_frame_equal(loaded, plan)
    assert loaded["contact_id"].iloc[0] == "4876876000007421001"
    assert plan_hash(loaded) == plan_hash(plan.iloc[::-1])  # row order does not matter


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (
            "lead_id,contact_action,account_action\n4.87E+18,create,create\n",
            "line 2, column 'lead_id'",
        ),
        ("lead_id,contact_action,account_action\n1,maybe,create\n", "'maybe' is not one of"),
        (
            "lead_id,contact_action,account_action\n1,create,create\n1,create,none\n",
            "appears twice",
        ),
        (
            "lead_id,contact_action,account_action,overwrite\n1,create,create,yes please\n",
            "not a boolean",
        ),
        ("lead_id,contact_action,account_action,colour\n1,create,create,red\n", "unknown column"),
        (
            "lead_id,contact_action,account_action,closing_date\n1,create,create,31/01/2026\n",
            "YYYY-MM-DD",
        ),
        (
            "lead_id,contact_action,account_action,carry_over_tags\n1,create,create,Leads:x\n",
            "Module:tag",
        ),
    ],
)
def test_bad_plans_name_file_line_column(tmp_path: Path, csv: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(csv)
    with pytest.raises(PlanError, match=r"bad\.csv") as info:
        load_plan(path)
    assert message in str(info.value)


def test_request_for_a_row() -> None:
    plan = make_plan(
        [
            {
                "lead_id": "1",
                "contact_action": "merge",
                "contact_id": "2",
                "account_action": "merge",
                "account_id": "3",
                "notify_lead_owner": True,
                "move_attachments_to": "Deals",
                "deal_name": "D",
                "closing_date": "2026-01-31",
                "stage": "S",
                "pipeline": "P",
                "amount": 10,
                "contact_role": "55",
                "carry_over_tags": "Contacts:a|b;Deals:c",
                "assign_to": "9",
            },
            {
                "lead_id": "2",
                "contact_action": "create",
                "account_action": "merge",
                "account_id": "3",
            },
        ]
    )
    first, second = (request_for(r) for r in plan.to_dict("records"))
    assert first.to_record() == {
        "notify_lead_owner": True,
        "move_attachments_to": {"api_name": "Deals"},
        "Contacts": {"id": "2"},  # the merged Contact brings its Account: Accounts not sent
        "assign_to": {"id": "9"},
        "Deals": {
            "Deal_Name": "D",
            "Closing_Date": "2026-01-31",
            "Pipeline": "P",
            "Stage": "S",
            "Amount": 10.0,
            "Contact_Role": "55",
        },
        "carry_over_tags": {"Contacts": ["a", "b"], "Deals": ["c"]},
    }
    assert second.to_record() == {"Accounts": {"id": "3"}}
    assert parse_tags("Contacts: a | b ;") == {"Contacts": ["a", "b"]}


ZOHO_SAMPLE = {
    "__conversion_options": {
        "module_preference": {"api_name": "Contacts", "id": "1"},
        "Contacts": [
            {
                "Full_Name": "Boyle",
                "Email": "pat.boyle@zylker.com",
                "Phone": None,
                "Locked__s": False,
                "Account_Name": None,
                "id": "4876876000007437017",
                "$approval_state": "approved",
            },
            {
                "Full_Name": "Pat Boyle",
                "Email": None,
                "Phone": "9844444444",
                "Locked__s": False,
                "Account_Name": {"name": "Zylker Biotech", "id": "4876876000007421010"},
                "id": "4876876000007421001",
                "$approval_state": "approved",
            },
        ],
        "Accounts": [
            {
                "Account_Name": "Zylker Biotech",
                "id": "4876876000007421010",
                "Locked__s": False,
                "$approval_state": "approved",
            }
        ],
        "preference_field_matched_value": {
            "Contacts": [
                {"field": {"api_name": "Phone"}, "matched_lead_value": "9844444444"},
                {"field": {"api_name": "Email"}, "matched_lead_value": "pat.boyle@zylker.com"},
            ],
            "Accounts": [
                {"field": {"api_name": "Account_Name"}, "matched_lead_value": "Zylker Biotech"}
            ],
        },
    }
}
ACCOUNT_ONLY = {
    "__conversion_options": {
        "module_preference": {"api_name": "Accounts"},
        "Contacts": None,
        "Accounts": [{"Account_Name": "Initech", "id": "77"}],
        "preference_field_matched_value": {
            "Accounts": [{"field": {"api_name": "Account_Name"}, "matched_lead_value": "Initech"}]
        },
    }
}


def test_builder_policies() -> None:
    frames = options_frames(
        {
            "1": ZOHO_SAMPLE,
            "2": None,
            "3": ACCOUNT_ONLY,
            "4": {"status": "error", "code": "RECORD_LOCKED"},
        }
    )
    leads = pd.DataFrame({"id": ["1", "2", "3"], "Company": ["Zylker Biotech", None, "Initech"]})
    built = plan_from_options(frames.options, frames.matches, leads=leads)
    assert built.plan["lead_id"].tolist() == ["2", "3"]
    assert dict(zip(built.skipped["lead_id"], built.skipped["reason"], strict=True)) == {
        "1": "ambiguous: 2 Contacts candidates (4876876000007421001, 4876876000007437017)",
        "4": "conversion options failed: RECORD_LOCKED",
    }
    no_match = built.plan.iloc[0]
    assert (no_match["contact_action"], no_match["account_action"]) == ("create", "none")
    acct = built.plan.iloc[1]
    assert (acct["contact_action"], acct["account_action"], acct["account_id"]) == (
        "create",
        "merge",
        "77",
    )
    # merge into the preferred one anyway: the Phone match comes first, with its Account
    merged = plan_from_options(
        frames.options,
        frames.matches,
        Policy(on_ambiguous="merge", on_no_match="skip", defaults={"notify_lead_owner": True}),
    )
    first = merged.plan.set_index("lead_id").loc["1"]
    assert (first["contact_id"], first["account_action"], first["account_id"]) == (
        "4876876000007421001",
        "merge",
        "4876876000007421010",
    )
    assert merged.plan["notify_lead_owner"].all()
    assert "2" in merged.skipped["lead_id"].tolist()
    with pytest.raises(ValueError, match="policy decides"):
        Policy(defaults={"contact_id": "1"})


def test_mass_key_and_estimate() -> None:
    deal = {"deal_name": "D", "closing_date": "2026-01-31", "stage": "S", "pipeline": "P"}
    plan = make_plan(
        [
            {"lead_id": str(i), "contact_action": "create", "account_action": "create", **deal}
            for i in range(120)
        ]
        + [
            {
                "lead_id": "900",
                "contact_action": "merge",
                "contact_id": "5",
                "account_action": "create",
            },
            {
                "lead_id": "901",
                "contact_action": "create",
                "account_action": "create",
                "notify_lead_owner": True,
            },
        ]
    )
    rows = plan.to_dict("records")
    assert mass_key(rows[0]) == mass_key(rows[1]) is not None
    assert mass_key(rows[120]) is None and mass_key(rows[121]) is None
    single = estimate(plan, mode="single", recheck=False, snapshots=False)
    assert (single.calls, single.total_credits) == ({"convert": 122}, 610)
    mass = estimate(plan, mode="auto", recheck=False, snapshots=False, polls_per_job=2)
    assert (mass.mass, mass.mass_jobs, mass.single) == (120, 3, 2)
    assert mass.calls == {"convert": 2, "read": 120, "mass_convert": 3, "mass_convert_status": 6}
    assert mass.total_credits == 10 + 120 + 3 + 6
    full = estimate(plan, mode="single", latency_s=0.2, concurrency=20)
    assert full.calls["conversion_options"] == 122
    assert "credits" in str(full)


def test_redact_and_history_tables(tmp_path: Path) -> None:
    assert redact(
        {
            "refresh_token": "x",
            "data": [{"code": "SUCCESS"}],
            "form": {"grant_type": "authorization_code", "code": "g"},
        }
    ) == {
        "refresh_token": "[redacted]",
        "data": [{"code": "SUCCESS"}],
        "form": {"grant_type": "authorization_code", "code": "[redacted]"},
    }
    with Journal(tmp_path / "j.sqlite") as jr:
        run = jr.open_run("h", [{"lead_id": "1"}, {"lead_id": "2"}], plan_name="p.csv")
        a = jr.begin(run.run_id, "1", kind="single", request={"access_token": "secret"})
        jr.answer(a, outcome="converted", contact_id="9", code="SUCCESS")
        jr.skip(run.run_id, "2", code="lead_locked", message="locked")
        assert jr.open_run("h", []).resumed
        runs = jr.runs()
        assert runs[["converted", "skipped", "open"]].iloc[0].tolist() == [1, 1, 0]
        assert jr.created(run.run_id)["contact_id"].tolist() == ["9"]
    assert b"secret" not in (tmp_path / "j.sqlite").read_bytes()


def test_an_estimate_of_one_lead_says_so_in_the_singular() -> None:
    """The console prints the estimate's own text: one lead, one job, one call read right."""
    one = make_plan([{"lead_id": "1", "contact_action": "create", "account_action": "create"}])
    text = str(estimate(one, mode="single", recheck=False, snapshots=False))
    assert text.startswith("1 lead (1 by Convert Lead, 0 by Mass Convert in 0 jobs): 1 call ")
    assert "5 credits" in text
