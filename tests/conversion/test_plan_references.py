"""Plans that reference each other: `lead:<id>` cells, the cluster-resolving builder, the rules.

Offline: the options come from crmkit's prediction over the data directory (the same frames
`crmkit predict` saves); execution over a real sandbox is in test_execute_references.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from cluster_org import (
    A_EXISTING,
    C_EXISTING,
    E1,
    E2,
    K1,
    K2,
    K3,
    M1,
    M2,
    M3,
    N1,
    N2,
    P1,
    P2,
    SOLO,
    T1,
    T2,
    cluster_org,
)

from crmkit.conversion import load_plan, make_plan, save_plan
from crmkit.conversion.facts import OrgFacts
from crmkit.conversion.plan import PlanError, plan_from_options, request_for, rows_of
from crmkit.conversion.references import cycles, resolve, waves
from crmkit.conversion.validate import blocked_leads, validate
from crmkit.frames import read_leads_csv
from crmkit.matching import predict_data_dir
from crmkit.orgconfig import OrgConfig

UNIQUE = OrgFacts(unique_fields={"Contacts": frozenset({"Phone"})})


@pytest.fixture
def org_path(make_org: Callable[..., Path]) -> Path:
    return make_org(**cluster_org(), name="cluster_org")


def _built(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    pred = predict_data_dir(path)
    leads = read_leads_csv(path / "Leads.csv")
    built = plan_from_options(
        pred.options, pred.matches, leads=leads, config=OrgConfig.from_data_dir(path)
    )
    return built.plan.set_index("lead_id", drop=False), leads


def _row(plan: pd.DataFrame, lead: str) -> dict[str, object]:
    rec = plan.loc[lead].to_dict()
    return {k: (None if v is pd.NA else v) for k, v in rec.items()}


def test_the_builder_resolves_every_strong_cluster(org_path: Path) -> None:
    plan, _ = _built(org_path)
    # Person twins: the anchor (more complete, older) creates; the twin merges into its records.
    assert _row(plan, T1)["contact_action"] == "create"
    assert _row(plan, T1)["account_action"] == "create"
    twin = _row(plan, T2)
    assert (twin["contact_action"], twin["contact_id"]) == ("merge", f"lead:{T1}")
    assert (twin["account_action"], twin["account_id"]) == ("merge", f"lead:{T1}")
    assert twin["via"] == T1
    # Twins by the unique Phone, without Company: no Account on either side.
    assert _row(plan, P2)["contact_id"] == f"lead:{P1}"
    assert _row(plan, P2)["account_action"] == "none"
    # Colleagues: the first creates the Account, the others their own Contact under it.
    assert (_row(plan, K1)["contact_action"], _row(plan, K1)["account_action"]) == (
        "create",
        "create",
    )
    for other in (K2, K3):
        row = _row(plan, other)
        assert row["contact_action"] == "create"
        assert (row["account_action"], row["account_id"], row["via"]) == (
            "merge",
            f"lead:{K1}",
            K1,
        )
    # A member matching an existing Contact: every member merges into it.
    for member in (E1, E2):
        row = _row(plan, member)
        assert (row["contact_action"], row["contact_id"]) == ("merge", C_EXISTING)
        assert (row["account_action"], row["account_id"]) == ("merge", A_EXISTING)
    # Mixed: M1~M2 one person inside the Mixco company with M3.
    anchor = _row(plan, M1)
    assert (anchor["contact_action"], anchor["account_action"]) == ("create", "create")
    assert _row(plan, M2)["contact_id"] == f"lead:{M1}"
    assert _row(plan, M3)["account_id"] == f"lead:{M1}"
    assert _row(plan, M3)["contact_action"] == "create"
    # Name-only twins and lone leads are left alone.
    for lead in (N1, N2, *SOLO):
        assert _row(plan, lead)["contact_action"] == "create"
        assert _row(plan, lead)["via"] is None


def test_the_built_plan_validates_and_round_trips(org_path: Path, tmp_path: Path) -> None:
    plan, leads = _built(org_path)
    pred = predict_data_dir(org_path)
    problems = validate(
        plan.reset_index(drop=True), options=pred.options, matches=pred.matches, leads=leads,
        org=UNIQUE,
    )  # fmt: skip
    assert blocked_leads(problems) == []
    # The review-tier twins are a warning naming the other lead.
    review = problems[problems["rule"] == "batch_review_pair"]
    assert review["lead_id"].tolist() == [N2]
    assert N1 in review["reason"].iloc[0]
    saved = save_plan(plan.reset_index(drop=True), tmp_path / "plan.csv")
    text = saved.read_text(encoding="utf-8")
    assert f"lead:{T1}" in text and ",via" in text.splitlines()[0] + ","
    again = load_plan(saved)
    pd.testing.assert_frame_equal(again, make_plan(plan.reset_index(drop=True)))


def test_plans_written_lead_by_lead_duplicate_and_validation_says_so(org_path: Path) -> None:
    pred = predict_data_dir(org_path)
    leads = read_leads_csv(org_path / "Leads.csv")
    naive = plan_from_options(pred.options, pred.matches, clusters=pd.DataFrame()).plan
    assert (naive.set_index("lead_id").loc[[T1, T2], "contact_action"] == "create").all()
    problems = validate(naive, options=pred.options, matches=pred.matches, leads=leads, org=UNIQUE)
    by_rule = problems.groupby("rule")["lead_id"].apply(sorted).to_dict()
    assert by_rule["batch_duplicate_contact"] == sorted([T2, P2, M2])
    assert by_rule["batch_duplicate_account"] == sorted([T2, K2, K3, M2, M3])
    reason = problems[
        (problems["lead_id"] == T2) & (problems["rule"] == "batch_duplicate_contact")
    ]["reason"].iloc[0]
    assert T1 in reason and f"contact_id=lead:{T1}" in reason and "Email" in reason
    assert set(blocked_leads(problems)) >= {T2, P2, K2, K3, M2, M3}
    assert T1 not in blocked_leads(problems) and K1 not in blocked_leads(problems)


def test_reference_rules_name_the_other_lead() -> None:
    a, b, c, d, e = (f"99{i:017d}" for i in range(5))
    plan = make_plan(
        [
            {"lead_id": a, "contact_action": "create", "account_action": "none"},
            {"lead_id": b, "contact_action": "merge", "contact_id": f"lead:{c}",
             "account_action": "merge", "account_id": f"lead:{c}"},
            {"lead_id": c, "contact_action": "merge", "contact_id": f"lead:{b}",
             "account_action": "none"},
            {"lead_id": d, "contact_action": "create", "account_action": "merge",
             "account_id": f"lead:{a}"},
            {"lead_id": e, "contact_action": "merge", "contact_id": "lead:1234",
             "account_action": "none"},
        ]
    )  # fmt: skip
    problems = validate(plan)
    rules = problems.groupby("lead_id")["rule"].apply(set).to_dict()
    assert rules[b] >= {"reference_cycle"} and rules[c] >= {"reference_cycle"}
    assert rules[d] == {"reference_no_account"}
    assert rules[e] == {"reference_unknown"}
    assert a not in rules
    cycle = problems[(problems["lead_id"] == b) & (problems["rule"] == "reference_cycle")]
    assert f"lead {c}" in cycle["reason"].iloc[0]
    assert "lead 1234 is not in this plan" in problems[problems["lead_id"] == e]["reason"].iloc[0]


def test_a_blocked_anchor_blocks_its_dependants_with_that_reason() -> None:
    a, b, c = (f"98{i:017d}" for i in range(3))
    plan = make_plan(
        [
            {"lead_id": a, "contact_action": "create", "account_action": "create",
             "deal_name": "D"},  # no Closing_Date / Stage: deal_incomplete
            {"lead_id": b, "contact_action": "merge", "contact_id": f"lead:{a}",
             "account_action": "merge", "account_id": f"lead:{a}"},
            {"lead_id": c, "contact_action": "merge", "contact_id": f"lead:{b}",
             "account_action": "merge", "account_id": f"lead:{b}"},
        ]
    )  # fmt: skip
    problems = validate(plan)
    assert set(blocked_leads(problems)) == {a, b, c}
    mine = problems[(problems["lead_id"] == b) & (problems["rule"] == "reference_blocked")]
    assert a in mine["reason"].iloc[0] and "deal_incomplete" in mine["reason"].iloc[0]
    chained = problems[(problems["lead_id"] == c) & (problems["rule"] == "reference_blocked")]
    assert b in chained["reason"].iloc[0]


def test_references_order_and_resolve() -> None:
    a, b, c = "1", "2", "3"
    rows = rows_of(
        make_plan(
            [
                {"lead_id": c, "contact_action": "merge", "contact_id": f"lead:{b}",
                 "account_action": "merge", "account_id": f"lead:{b}"},
                {"lead_id": b, "contact_action": "create", "account_action": "merge",
                 "account_id": f"lead:{a}"},
                {"lead_id": a, "contact_action": "create", "account_action": "create"},
            ]
        )
    )  # fmt: skip
    assert [[r["lead_id"] for r in w] for w in waves(rows)] == [[a], [b], [c]]
    assert cycles(rows) == {}
    with pytest.raises(PlanError, match="reference"):
        request_for(rows[0])
    done = resolve(rows[0], {b: {"Contacts": "77", "Accounts": "88"}})
    assert (done["contact_id"], done["account_id"]) == ("77", "88")
    assert request_for(done).contact_id == "77"
    with pytest.raises(KeyError, match="lead 2"):
        resolve(rows[0], {})


def test_a_reference_cell_must_be_lead_and_digits(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("lead_id,contact_action,contact_id,account_action\n1,merge,lead:x,none\n")
    with pytest.raises(PlanError, match=r"line 2, column 'contact_id'.*lead:<lead_id>"):
        load_plan(bad)
