"""The conversion console's controller against a real sandbox over HTTP (no widgets)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from console_org import (
    A_ACME,
    A_INITECH,
    C_LOCKED,
    C_PAT,
    C_TWO_A,
    C_TWO_B,
    L_AMBIGUOUS,
    L_FRESH,
    L_FRESH_2,
    L_INITECH,
    L_NO_COMPANY,
    L_PAT,
    L_PENDING,
    L_TO_LOCKED,
    LEADS,
    converted,
)

from crmkit.api import CRMClient
from crmkit.conversion import Journal, converted_ids
from crmkit.sandbox import Sandbox
from crmkit.widgets.console_model import (
    JOURNAL_ENV,
    NEW,
    ConsoleError,
    ConsoleModel,
    journal_path,
)


@pytest.fixture
def model(client: CRMClient, tmp_path: Path) -> ConsoleModel:
    return ConsoleModel.load(
        client, lead_ids=LEADS, journal=tmp_path / "journal.sqlite", poll_interval=0.05
    )


def test_loads_leads_with_their_candidates_and_zoho_preferred_defaults(
    model: ConsoleModel,
) -> None:
    table = model.table()
    assert table["lead_id"].tolist() == LEADS
    row = table.set_index("lead_id")
    assert row.loc[L_PAT, "zoho_says"] == "matches 1 Contact, 1 Account"
    assert row.loc[L_FRESH, "zoho_says"] == "no match"
    assert row.loc[L_PENDING, "zoho_says"] == "error NOT_APPROVED"
    assert "Contact Pat Boyle (Email)" in row.loc[L_PAT, "candidates"]
    assert "Account Acme Corp (Account_Name)" in row.loc[L_PAT, "candidates"]
    assert model.choice(L_PAT) == f"contact:{C_PAT}"
    assert model.choice(L_INITECH) == f"account:{A_INITECH}"
    assert model.choice(L_FRESH) == NEW
    assert model.choice(L_AMBIGUOUS) in (f"contact:{C_TWO_A}", f"contact:{C_TWO_B}")
    keys = [k for _, k in model.choices(L_PAT)]
    assert keys == [f"contact:{C_PAT}", f"account:{A_ACME}", NEW]
    labels = dict((k, label) for label, k in model.choices(L_NO_COMPANY))
    assert labels[NEW] == "create a new Contact (no Company: no Account)"


def test_load_first_leads_the_crm_lists(client: CRMClient, tmp_path: Path) -> None:
    m = ConsoleModel.load(client, limit=3, journal=tmp_path / "j.sqlite")
    assert len(m.table()) == 3
    assert set(m.lead_ids) <= set(LEADS)


def test_load_refuses_unknown_lead(client: CRMClient, tmp_path: Path) -> None:
    with pytest.raises(ConsoleError, match="4999999999999999999"):
        ConsoleModel.load(client, lead_ids=[L_PAT, "4999999999999999999"])


def test_selection_builds_the_plan_rows_for_each_choice(model: ConsoleModel) -> None:
    model.select_ids([L_PAT, L_INITECH, L_FRESH, L_NO_COMPANY])
    plan = model.plan().set_index("lead_id")
    assert plan.loc[L_PAT, "contact_action"] == "merge"
    assert plan.loc[L_PAT, "contact_id"] == C_PAT
    assert plan.loc[L_PAT, "account_action"] == "merge"
    assert plan.loc[L_PAT, "account_id"] == A_ACME
    assert plan.loc[L_INITECH, "contact_action"] == "create"
    assert plan.loc[L_INITECH, "account_id"] == A_INITECH
    assert plan.loc[L_FRESH, "account_action"] == "create"
    assert plan.loc[L_NO_COMPANY, "account_action"] == "none"
    model.set_choice(L_PAT, f"account:{A_ACME}")
    plan = model.plan().set_index("lead_id")
    assert plan.loc[L_PAT, "contact_action"] == "create"
    assert plan.loc[L_PAT, "account_id"] == A_ACME
    model.set_choice(L_PAT, NEW)
    assert model.plan().set_index("lead_id").loc[L_PAT, "account_action"] == "create"


def test_select_by_table_rows_and_bad_rows(model: ConsoleModel) -> None:
    assert model.select([2, 0]) == [LEADS[0], LEADS[2]]
    with pytest.raises(ConsoleError, match="no table row"):
        model.select([99])


def test_choice_must_be_one_of_the_leads_options(model: ConsoleModel) -> None:
    with pytest.raises(ConsoleError, match="not one of its choices"):
        model.set_choice(L_FRESH, f"contact:{C_PAT}")
    assert model.choice(L_FRESH) == NEW


def test_validation_messages_inline_per_lead(model: ConsoleModel) -> None:
    assert model.general_messages() == ["Select one or more leads in the table."]
    assert not model.can_convert
    model.select_ids([L_TO_LOCKED, L_PENDING, L_FRESH])
    # Zoho refuses a merge into a locked Contact: it is not offered, and the console says why
    assert model.choice(L_TO_LOCKED) == NEW
    assert [k for _, k in model.choices(L_TO_LOCKED)] == [NEW]
    [(cand, why)] = model.not_offered(L_TO_LOCKED)
    assert cand.record_id == C_LOCKED and "locked" in why
    with pytest.raises(ConsoleError, match="is locked: Zoho refuses a merge"):
        model.set_choice(L_TO_LOCKED, f"contact:{C_LOCKED}")
    msgs = model.messages()
    assert any("NOT_APPROVED" in m or "not approved" in m for m in msgs[L_PENDING])
    assert msgs[L_FRESH] == []
    assert [m for m in msgs[L_TO_LOCKED] if m.startswith("error")] == []
    assert set(model.blocked()) == {L_PENDING}
    assert not model.can_convert
    status = model.statuses()
    assert status[L_FRESH] == "ready"
    assert status[L_PENDING].startswith("refused: ") and "not approved" in status[L_PENDING]
    assert list(status) == [L_FRESH, L_TO_LOCKED, L_PENDING]  # table order
    with pytest.raises(ConsoleError, match="validation refuses"):
        model.convert()
    model.set_choice(L_TO_LOCKED, NEW)
    model.select_ids([L_TO_LOCKED, L_FRESH])
    assert model.can_convert


def test_deal_form_values_go_into_the_plan_and_are_validated(model: ConsoleModel) -> None:
    model.select_ids([L_FRESH])
    assert model.pipelines() == ["Partner", "Standard"]
    assert set(model.stages("Standard")) >= {"Closed Won", "Proposal", "Qualification"}
    model.set_deal(enabled=True, name="{Company} – {Last_Name}", closing_date=date(2031, 5, 1))
    model.set_deal(pipeline="Standard", stage="Signed in blood", amount=1200.0)
    row = model.plan().iloc[0]
    assert row["deal_name"] == "Newco – Fresh"
    assert row["closing_date"] == "2031-05-01"
    assert row["amount"] == 1200.0
    assert any(
        "'Signed in blood'" in m and "MAPPING_MISMATCH" in m for m in model.messages()[L_FRESH]
    )
    model.set_deal(pipeline="Nowhere")
    assert any("pipeline 'Nowhere' does not exist" in m for m in model.messages()[L_FRESH])
    model.set_deal(pipeline="Standard")
    model.set_deal(stage="Proposal")
    assert model.messages()[L_FRESH] == []
    model.set_deal(name="{Nope}")
    assert any("'Nope'" in m for m in model.general_messages())
    assert not model.can_convert
    with pytest.raises(ConsoleError, match="placeholder"):
        model.plan()
    with pytest.raises(ConsoleError, match="negative"):
        model.set_deal(amount=-1)


def test_estimate_counts_converts_and_credits(model: ConsoleModel) -> None:
    model.select_ids([L_PAT, L_INITECH])
    est = model.estimate()
    assert est.leads == 2
    assert est.calls["convert"] == 2
    assert est.credits["convert"] == 10


def test_convert_exactly_the_selected_leads_through_the_journal(
    model: ConsoleModel, org_sb: Sandbox
) -> None:
    model.select_ids([L_PAT, L_FRESH, L_INITECH])
    seen: list[tuple[int, int]] = []
    report = model.convert(progress=lambda done, total: seen.append((done, total)))
    assert report.converted_now == 3
    assert seen[-1] == (3, 3)
    assert all(total == 3 for _, total in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    results = model.results_table().set_index("lead_id")
    assert set(results.index) == {L_PAT, L_FRESH, L_INITECH}
    assert (results["outcome"] == "converted").all()
    assert results.loc[L_PAT, "contact_id"] == C_PAT
    assert results.loc[L_PAT, "account_id"] == A_ACME
    assert results.loc[L_INITECH, "account_id"] == A_INITECH
    assert results.loc[L_PAT, "name"] == "Pat Boyle"
    for lead in LEADS:
        assert converted(org_sb, lead) == (lead in (L_PAT, L_FRESH, L_INITECH)), lead
    pat = org_sb.control.record("Leads", L_PAT)
    assert pat is not None
    assert converted_ids(pat)["Contacts"] == C_PAT
    with Journal(model.journal_path) as jr:
        runs = jr.runs()
    assert runs["converted"].tolist() == [3]
    assert runs["plan_name"].tolist() == ["conversion console"]
    result = model.table().set_index("lead_id")["result"]
    assert result[L_PAT] == "converted"
    assert result[L_NO_COMPANY] == ""
    # the console now knows these leads are converted: choosing them again is refused
    model.select_ids([L_PAT])
    assert any("already converted" in m for m in model.messages()[L_PAT])
    assert not model.can_convert


def test_progress_and_outcomes_follow_each_journaled_step_on_the_calling_thread(
    model: ConsoleModel,
) -> None:
    """The engine's events reach the console as they happen: one progress step per lead whose
    outcome became final, each on the thread that called `convert`, with the outcome known."""
    model.select_ids([L_PAT, L_FRESH, L_FRESH_2])  # one Convert Lead, a Mass Convert job of two
    seen: list[tuple[int, int, int]] = []
    threads: set[str] = set()

    def progress(done: int, total: int) -> None:
        threads.add(threading.current_thread().name)
        known = sum(model.outcomes.get(i) == "converted" for i in model.selected)
        seen.append((done, total, known))

    model.convert(progress=progress)
    assert seen == [(0, 3, 0), (1, 3, 1), (2, 3, 2), (3, 3, 3), (3, 3, 3)]
    assert threads == {threading.current_thread().name}


def test_deal_created_with_the_conversion(model: ConsoleModel, org_sb: Sandbox) -> None:
    model.select_ids([L_FRESH])
    model.set_deal(
        enabled=True, name="{Company} deal", closing_date="2031-01-31", stage="Qualification"
    )
    model.set_deal(pipeline="Standard", amount=500.0)
    report = model.convert()
    deal_id = report.results["deal_id"].iloc[0]
    assert deal_id is not None
    deal = org_sb.control.record("Deals", str(deal_id))
    assert deal is not None
    assert deal["Deal_Name"] == "Newco deal"
    assert deal["Stage"] == "Qualification"


def test_a_reloaded_console_refuses_leads_already_converted(
    model: ConsoleModel, org_sb: Sandbox
) -> None:
    model.select_ids([L_FRESH, L_FRESH_2])
    first = model.convert()
    assert first.converted_now == 2
    assert first.results["via"].tolist() == ["mass", "mass"]  # create-new rows share a job
    again = ConsoleModel.load(
        model.client, lead_ids=LEADS, journal=model.journal_path, poll_interval=0.05
    )
    again.select_ids([L_FRESH, L_FRESH_2, L_NO_COMPANY])
    msgs = again.messages()
    assert any("already converted" in m for m in msgs[L_FRESH])
    assert any("already converted" in m for m in msgs[L_FRESH_2])
    assert again.blocked() == [L_FRESH, L_FRESH_2]
    with pytest.raises(ConsoleError, match="validation refuses"):
        again.convert()
    assert not converted(org_sb, L_NO_COMPANY)


def test_convert_refuses_nothing_selected_and_while_running(model: ConsoleModel) -> None:
    with pytest.raises(ConsoleError, match="Select one or more"):
        model.convert()
    model.select_ids([L_FRESH])
    model.running = True
    with pytest.raises(ConsoleError, match="already running"):
        model.convert()
    assert not model.can_convert


def test_journal_path_from_argument_environment_or_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(JOURNAL_ENV, str(tmp_path / "env.sqlite"))
    assert journal_path() == tmp_path / "env.sqlite"
    assert journal_path(tmp_path / "arg.sqlite") == tmp_path / "arg.sqlite"
    monkeypatch.delenv(JOURNAL_ENV)
    assert journal_path().name == "journal.sqlite"
