"""Every validation rule, against facts read live from a real sandbox (and metadata offline)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from conversion_support import (
    A_ACME,
    A_GLOBEX_LOCKED,
    A_INITECH,
    A_UMBRELLA_PENDING,
    C_LOCKED,
    C_NOACCT,
    C_PAT,
    C_PENDING,
    C_PHONE,
    L_CONVERTED,
    L_FRESH,
    L_INITECH,
    L_LOCKED,
    L_NO_COMPANY,
    L_PAT,
    L_PENDING,
    L_PHONE_DUP,
    L_TO_LOCKED_ACCOUNT,
    L_TO_LOCKED_CONTACT,
    L_TO_NOACCT_CONTACT,
    L_TO_PENDING_ACCOUNT,
    L_TO_PENDING_CONTACT,
    U_ACTIVE,
    U_INACTIVE,
    client_for,
)

from crmkit.api import CRMClient
from crmkit.conversion import OrgFacts, blocked_leads, make_plan, recheck, validate
from crmkit.conversion.validate import PROBLEMS_SCHEMA, live_facts
from crmkit.sandbox import Sandbox

DEAL = {"deal_name": "D", "closing_date": "2026-01-31", "pipeline": "Standard", "stage": "Proposal"}


def row(lead: str, contact: str = "create", account: str = "create", **kw: Any) -> dict[str, Any]:
    return {"lead_id": lead, "contact_action": contact, "account_action": account, **kw}


def rules_of(problems: pd.DataFrame, lead: str) -> set[str]:
    return set(problems.loc[problems["lead_id"] == lead, "rule"].tolist())


def check(client: CRMClient, *rows: dict[str, Any]) -> pd.DataFrame:
    problems = recheck(client, make_plan(list(rows)))
    assert dict(problems.dtypes.astype(str)) == PROBLEMS_SCHEMA
    return problems


def test_a_good_plan_has_no_problems(shared_client: CRMClient) -> None:
    problems = check(
        shared_client,
        row(
            L_FRESH,
            **DEAL,
            assign_to=U_ACTIVE,
            carry_over_tags="Contacts:VIP",
            move_attachments_to="Deals",
        ),
        row(L_PAT, "merge", "merge", contact_id=C_PAT, account_id=A_ACME),
        row(L_INITECH, "create", "merge", account_id=A_INITECH),
        row(L_NO_COMPANY, "create", "none"),
        row(L_TO_NOACCT_CONTACT, "merge", "create", contact_id=C_NOACCT),
    )
    assert problems.empty, problems.to_string()


def test_lead_states(shared_client: CRMClient) -> None:
    problems = check(
        shared_client,
        row(L_LOCKED),
        row(L_PENDING),
        row(L_CONVERTED),
        row("4999999999999999999"),
    )
    assert rules_of(problems, L_LOCKED) == {"lead_locked"}
    assert rules_of(problems, L_PENDING) == {"lead_unapproved"}
    assert rules_of(problems, L_CONVERTED) == {"lead_converted"}
    assert rules_of(problems, "4999999999999999999") == {"lead_unknown"}
    assert set(blocked_leads(problems)) == {L_LOCKED, L_PENDING, L_CONVERTED, "4999999999999999999"}


def test_merge_target_not_among_options(shared_client: CRMClient) -> None:
    problems = check(
        shared_client,
        row(L_FRESH, "merge", "merge", contact_id=C_PAT, account_id=A_ACME),
        row(L_INITECH, "create", "merge", account_id=A_ACME),
        row(L_PAT, "merge", "merge", account_id=A_ACME),
    )
    assert "target_not_in_options" in rules_of(problems, L_FRESH)
    assert rules_of(problems, L_INITECH) == {"target_not_in_options"}
    assert rules_of(problems, L_PAT) == {"merge_id_missing"}
    reason = problems.loc[problems["lead_id"] == L_INITECH, "reason"].iloc[0]
    assert A_ACME in reason and A_INITECH in reason  # names the target and the candidates


def test_contact_must_belong_to_the_chosen_account(shared_client: CRMClient) -> None:
    problems = check(
        shared_client,
        row(L_PAT, "merge", "create", contact_id=C_PAT),  # Pat belongs to Acme
        row(L_TO_NOACCT_CONTACT, "merge", "merge", contact_id=C_NOACCT, account_id=A_ACME),
    )
    assert rules_of(problems, L_PAT) == {"contact_account_mismatch"}
    assert A_ACME in problems.loc[problems["lead_id"] == L_PAT, "reason"].iloc[0]
    assert rules_of(problems, L_TO_NOACCT_CONTACT) == {"contact_account_mismatch"}


def test_overwrite_makes_a_new_account_when_the_company_differs(shared_client: CRMClient) -> None:
    # Pat's lead Company equals Pat's account name: overwrite changes nothing, merge stays right.
    ok = check(
        shared_client,
        row(L_PAT, "merge", "merge", contact_id=C_PAT, account_id=A_ACME, overwrite=True),
    )
    assert ok.empty, ok.to_string()


def test_locked_and_unapproved_targets(shared_client: CRMClient) -> None:
    problems = check(
        shared_client,
        row(L_TO_LOCKED_CONTACT, "merge", "none", contact_id=C_LOCKED),
        row(L_TO_LOCKED_ACCOUNT, "create", "merge", account_id=A_GLOBEX_LOCKED),
        row(L_TO_PENDING_CONTACT, "merge", "create", contact_id=C_PENDING),
        row(L_TO_PENDING_ACCOUNT, "create", "merge", account_id=A_UMBRELLA_PENDING),
    )
    assert "target_locked" in rules_of(problems, L_TO_LOCKED_CONTACT)
    assert rules_of(problems, L_TO_LOCKED_ACCOUNT) == {"target_locked"}
    assert "target_unapproved" in rules_of(problems, L_TO_PENDING_CONTACT)
    assert rules_of(problems, L_TO_PENDING_ACCOUNT) == {"target_unapproved"}


def test_create_new_hitting_a_unique_field(shared_client: CRMClient) -> None:
    problems = check(shared_client, row(L_PHONE_DUP))
    assert rules_of(problems, L_PHONE_DUP) == {"duplicate_on_create"}
    reason = problems["reason"].iloc[0]
    assert "Phone" in reason and C_PHONE in reason
    # merging into the holder instead is fine
    assert check(shared_client, row(L_PHONE_DUP, "merge", "create", contact_id=C_PHONE)).empty


def test_creating_a_contact_that_shares_an_email_is_a_warning(shared_client: CRMClient) -> None:
    problems = check(shared_client, row(L_TO_NOACCT_CONTACT))
    assert rules_of(problems, L_TO_NOACCT_CONTACT) == {"duplicate_email_on_create"}
    assert blocked_leads(problems) == []


def test_deal_fields_and_pipeline(shared_client: CRMClient) -> None:
    problems = check(
        shared_client,
        row(L_FRESH, deal_name="D", pipeline="Standard", stage="Proposal"),  # no closing date
        row(L_INITECH, "create", "merge", account_id=A_INITECH, **{**DEAL, "pipeline": "Nope"}),
        row(
            L_PAT,
            "merge",
            "merge",
            contact_id=C_PAT,
            account_id=A_ACME,
            **{**DEAL, "stage": "Not A Stage"},
        ),
        row(L_NO_COMPANY, "create", "none", **{**DEAL, "pipeline": None}),
    )
    assert rules_of(problems, L_FRESH) == {"deal_incomplete"}
    assert problems.loc[problems["lead_id"] == L_FRESH, "column"].tolist() == ["closing_date"]
    assert rules_of(problems, L_INITECH) == {"pipeline_unknown"}
    assert rules_of(problems, L_PAT) == {"stage_not_in_pipeline"}
    assert rules_of(problems, L_NO_COMPANY) == {"deal_incomplete"}  # pipelines on: required


def test_stage_not_in_its_pipeline_when_metadata_maps_stages() -> None:
    stage = {
        "api_name": "Stage",
        "pick_list_values": [{"actual_value": v} for v in ("Proposal", "Commit")],
    }
    pipeline = {
        "api_name": "Pipeline",
        "pick_list_values": [
            {
                "actual_value": "Standard",
                "maps": [{"api_name": "Stage", "pick_list_values": [{"actual_value": "Proposal"}]}],
            },
            {
                "actual_value": "Partner",
                "maps": [{"api_name": "Stage", "pick_list_values": [{"actual_value": "Commit"}]}],
            },
        ],
    }
    org = OrgFacts.from_metadata(fields={"Deals": [stage, pipeline]})
    plan = make_plan([row(L_FRESH, **{**DEAL, "stage": "Commit"})])
    problems = validate(plan, org=org)
    assert problems["rule"].tolist() == ["stage_not_in_pipeline"]
    assert "Standard" in problems["reason"].iloc[0]


def test_company_and_account_action(shared_client: CRMClient) -> None:
    problems = check(shared_client, row(L_FRESH, "create", "none"), row(L_NO_COMPANY))
    assert rules_of(problems, L_FRESH) == {"account_none_with_company"}
    assert rules_of(problems, L_NO_COMPANY) == {"account_create_without_company"}
    assert blocked_leads(problems) == [L_FRESH]  # the second is a warning


def test_attachments_and_tags_need_their_target(shared_client: CRMClient) -> None:
    problems = check(
        shared_client,
        row(L_FRESH, move_attachments_to="Deals", carry_over_tags="Contacts:Nope"),
        row(L_NO_COMPANY, "create", "none", move_attachments_to="Accounts"),
    )
    assert rules_of(problems, L_FRESH) == {"target_module_missing", "tag_not_on_lead"}
    assert rules_of(problems, L_NO_COMPANY) == {"target_module_missing"}


def test_unknown_owner_offline() -> None:
    org = OrgFacts.from_metadata(
        users=[
            {"id": U_ACTIVE, "full_name": "A", "status": "active"},
            {"id": U_INACTIVE, "full_name": "I", "status": "inactive"},
        ]
    )
    plan = make_plan(
        [
            row(L_FRESH, assign_to=U_INACTIVE),
            row(L_PAT, assign_to="999"),
            row(L_INITECH, assign_to=U_ACTIVE),
        ]
    )
    problems = validate(plan, org=org)
    assert problems["rule"].tolist() == ["owner_unknown", "owner_unknown"]
    assert problems["lead_id"].tolist() == [L_FRESH, L_PAT]


def test_unknown_owner_live(shared_client: CRMClient) -> None:
    problems = check(shared_client, row(L_FRESH, assign_to="1000000000000000999"))
    assert rules_of(problems, L_FRESH) == {"owner_unknown"}


def test_contacts_module_removed(small_sandbox: Any, org_dir: Any) -> None:
    import json

    org_json = org_dir / "org.json"
    org = json.loads(org_json.read_text())
    org["removed_modules"] = ["Contacts"]
    org_json.write_text(json.dumps(org))
    sb: Sandbox = small_sandbox(org_dir)
    with client_for(sb) as client:
        problems = check(client, row(L_FRESH), row(L_INITECH))
    assert set(problems["rule"]) == {"contacts_removed"}
    assert len(problems) == 2


def test_every_problem_at_once_with_row_positions(shared_client: CRMClient) -> None:
    plan = make_plan([row(L_LOCKED), row(L_PHONE_DUP), row(L_FRESH, deal_name="D")])
    problems = recheck(shared_client, plan)
    assert problems.groupby("row")["rule"].apply(set).to_dict() == {
        0: {"lead_locked"},
        1: {"duplicate_on_create"},
        2: {"deal_incomplete"},
    }


def test_offline_validation_from_frames_matches_live(shared_client: CRMClient) -> None:
    plan = make_plan(
        [row(L_FRESH, "merge", "merge", contact_id=C_PAT, account_id=A_ACME), row(L_PHONE_DUP)]
    )
    facts = live_facts(shared_client, plan)
    offline = validate(plan, options=facts.options, matches=facts.matches, org=facts.org)
    assert set(offline["rule"]) == {"target_not_in_options", "duplicate_on_create"}
    assert validate(plan).empty  # without facts only the plan's own shape is checked
