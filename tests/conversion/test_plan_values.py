"""A plan that validates is a plan Zoho takes: every value checked, every CSV habit read or refused.

Amounts must be finite (JSON has no inf), dates real, ids Zoho ids; a plan CSV from a spreadsheet
(`;`, Windows-1252, a trailing comma) is read or refused naming the line a spreadsheet shows; an
`inf` that slips into a plan frame never leaves a run `running`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conversion_support import L_FRESH, L_INITECH, PIPELINES

from crmkit.api.client import CRMClient
from crmkit.conversion import OrgFacts, execute, load_plan, make_plan, save_plan, validate
from crmkit.conversion.journal import Journal
from crmkit.conversion.plan import PlanError, plan_hash
from crmkit.conversion.validate import recheck
from crmkit.conversion.validate_values import unsendable

HEADER = "lead_id,contact_action,account_action,deal_name,closing_date,pipeline,stage,amount"
DEAL = {"deal_name": "D", "closing_date": "2026-01-31", "pipeline": "Standard", "stage": "Proposal"}


def row(lead: str = L_FRESH, **extra: Any) -> dict[str, Any]:
    return {"lead_id": lead, "contact_action": "create", "account_action": "create", **extra}


def write(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "plan.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


# (A float NaN in a dict is pandas' missing value, an empty cell; the text "nan" is refused.)
@pytest.mark.parametrize("amount", ["inf", "-inf", "1e400", "nan", math.inf, -math.inf])
def test_non_finite_amounts_are_refused_with_row_and_column(amount: object) -> None:
    with pytest.raises(PlanError, match=r"row 0, column 'amount': .*not a (finite )?number"):
        make_plan([row(**DEAL, amount=amount)])


def test_non_finite_amount_in_a_plan_file_names_its_line(tmp_path: Path) -> None:
    line = f"{L_FRESH},create,create,D,2026-01-31,Standard,Proposal,1e400"
    path = write(tmp_path, [HEADER, line])
    with pytest.raises(PlanError, match=r"plan\.csv: line 2, column 'amount': '1e400'"):
        load_plan(path)


@pytest.mark.parametrize("day", ["2026-02-30", "2025-02-29", "2026-13-01", "2026-04-31"])
def test_closing_dates_the_calendar_lacks_are_refused(day: str) -> None:
    with pytest.raises(PlanError, match=f"'closing_date': '{day}' is not a day of the calendar"):
        make_plan([row(**{**DEAL, "closing_date": day})])
    assert len(make_plan([row(**{**DEAL, "closing_date": "2024-02-29"})])) == 1  # a leap day


@pytest.mark.parametrize(
    "bad",
    ["-4876876000000000001", "٤٨٧٦٨٧٦", "4876876000000000009/../../org?x=", "48768760000000000012"],
)
def test_ids_must_be_ascii_digits(bad: str) -> None:
    with pytest.raises(PlanError, match="is not a Zoho id"):
        make_plan([row(bad)])
    with pytest.raises(PlanError, match=r"'contact_id'.*is not a Zoho id"):
        make_plan([row(contact_action="merge", contact_id=bad)])


def test_a_plan_frame_edited_after_it_was_built_is_caught_by_validate() -> None:
    plan = make_plan([row(**DEAL, amount=10.0)])
    plan.loc[0, "amount"] = math.inf
    plan.loc[0, "closing_date"] = "2026-02-30"
    plan.loc[0, "lead_id"] = "٤٨٧"
    problems = validate(plan)
    assert set(problems["rule"]) == {"amount_invalid", "closing_date_invalid", "id_invalid"}
    assert set(problems["severity"]) == {"error"}
    assert unsendable({"Deals": {"Amount": math.inf}}) is not None
    assert unsendable({"Deals": {"Amount": 10.0}}) is None


def test_empty_plan_file_is_one_clear_error(tmp_path: Path) -> None:
    for text in ("", "\n"):
        path = tmp_path / "plan.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(PlanError, match=r"plan\.csv: the file is empty"):
            load_plan(path)
    with pytest.raises(PlanError, match="no such plan file"):
        load_plan(tmp_path / "missing.csv")
    with pytest.raises(PlanError, match="it is a directory"):
        load_plan(tmp_path)


def test_trailing_comma_is_refused_not_shifted(tmp_path: Path) -> None:
    # pandas used to take the extra cell as an index and shift every cell one column left
    # ("'merge' is not a Zoho id"); the row is refused with its line instead.
    lines = ["lead_id,contact_action,contact_id,account_action", f"{L_FRESH},create,,create,"]
    with pytest.raises(PlanError) as info:
        load_plan(write(tmp_path, lines))
    message = str(info.value)
    assert "plan.csv, row 2" in message and "5 cells where the header has 4" in message
    assert "Zoho id" not in message


def test_short_row_is_refused(tmp_path: Path) -> None:
    lines = [HEADER, f"{L_FRESH},create,create,D,2026-01-31"]
    with pytest.raises(PlanError, match=r"row 2: malformed CSV: 5 cells where the header has 8"):
        load_plan(write(tmp_path, lines))


def test_semicolon_plan_from_excel_with_decimal_comma(tmp_path: Path) -> None:
    line = f"{L_FRESH};create;create;D;2026-01-31;Standard;Proposal;1.234,50"
    lines = [HEADER.replace(",", ";"), line]
    plan = load_plan(write(tmp_path, lines))
    assert plan["amount"].tolist() == [1234.5] and plan["lead_id"].tolist() == [L_FRESH]


def test_windows_1252_plan_is_read(tmp_path: Path) -> None:
    lines = [HEADER, f"{L_FRESH},create,create,Geschäft,2026-01-31,Standard,Proposal,"]
    with pytest.warns(UserWarning, match="Windows-1252"):
        plan = load_plan(write(tmp_path, lines, encoding="cp1252"))
    assert plan["deal_name"].tolist() == ["Geschäft"]


def test_blank_lines_keep_the_spreadsheet_line_numbers(tmp_path: Path) -> None:
    lines = [HEADER, f"{L_FRESH},create,create,,,,,", "", f"{L_INITECH},explode,create,,,,,"]
    with pytest.raises(PlanError, match=r"line 4, column 'contact_action'"):
        load_plan(write(tmp_path, lines))


def test_saved_plan_neutralises_formulas_and_reads_back_the_same(tmp_path: Path) -> None:
    plan = make_plan(
        [
            row(**{**DEAL, "deal_name": '=HYPERLINK("http://x.example","go")'}, amount=-5.0),
            row(L_INITECH, note="+cmd|' /C calc'!A0"),
        ]
    )
    path = save_plan(plan, tmp_path / "plan.csv")
    text = path.read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in text and "'+cmd|" in text
    assert ",-5.00," in text  # a number, not text: left as it is
    again = load_plan(path)
    pd.testing.assert_frame_equal(again, plan)
    assert plan_hash(again) == plan_hash(plan)


def test_stage_of_another_pipeline_is_refused_offline_from_org_json() -> None:
    org = OrgFacts.from_org_json({"pipelines": PIPELINES})
    plan = make_plan([row(**{**DEAL, "stage": "Registration"}), row(L_INITECH, **DEAL)])
    problems = validate(plan, org=org)
    assert problems["lead_id"].tolist() == [L_FRESH]
    assert problems["rule"].tolist() == ["stage_not_in_pipeline"]
    assert "'Registration' is not in pipeline 'Standard'" in problems["reason"].iloc[0]


def test_stage_of_another_pipeline_is_refused_by_the_live_recheck(
    shared_client: CRMClient,
) -> None:
    # The sandbox's Deals Pipeline metadata names each pipeline's stages (`maps`), as Zoho's does.
    plan = make_plan([row(**{**DEAL, "stage": "Registration"})])
    problems = recheck(shared_client, plan)
    assert "stage_not_in_pipeline" in set(problems["rule"])
    reason = problems.loc[problems["rule"] == "stage_not_in_pipeline", "reason"].iloc[0]
    assert "not in pipeline 'Standard'" in reason and "Proposal" in reason


def test_a_run_stopped_by_an_error_is_left_incomplete_not_running(
    shared_client: CRMClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What httpx raised for an inf amount before plans refused it: an error that is not the
    # client's, raised after the attempt was journaled. The run must not stay `running`.
    def cannot_encode(lead_id: str, request: object) -> None:
        raise ValueError("Out of range float values are not JSON compliant")

    monkeypatch.setattr(shared_client, "convert_lead", cannot_encode)
    journal = tmp_path / "j.sqlite"
    plan = make_plan([row(L_INITECH, **DEAL)])
    with pytest.raises(ValueError, match="not JSON compliant"):
        execute(shared_client, plan, journal=journal, recheck=False, progress=False)
    with Journal(journal) as jr:
        info = jr.run(1)
    assert info.status == "incomplete" and "ValueError" in str(info.summary)


def test_execute_refuses_a_non_finite_plan_before_opening_a_run(
    shared_client: CRMClient, tmp_path: Path
) -> None:
    plan = make_plan([row(**DEAL, amount=1.0)])
    plan.loc[0, "amount"] = math.inf
    with pytest.raises(PlanError, match="not a finite number"):
        execute(shared_client, plan, journal=tmp_path / "j.sqlite", progress=False)
    with Journal(tmp_path / "j.sqlite") as jr:
        assert jr.runs().empty
