"""The plan's `merge_policy` column: CSV round trip, errors with line and column, the builder's
`merge_policy=` and `crmkit plan --merge-policy` over a sandbox snapshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from merge_org import A_ACME, A_SOLO, C_PAT, L_MATE, L_NEW, L_PAT, L_SOLO, records

from crmkit.cli import main
from crmkit.conversion import load_plan, make_plan, plan_from_options, plan_hash, save_plan
from crmkit.conversion.plan import PLAN_SCHEMA, PlanError
from crmkit.sandbox import Sandbox

POLICY = "Contacts=fill_blanks;Accounts=keep;Contacts.Phone=prefer_lead"


def _rows(policy: object) -> list[dict[str, object]]:
    return [
        {
            "lead_id": L_PAT,
            "contact_action": "merge",
            "contact_id": C_PAT,
            "account_action": "merge",
            "account_id": A_ACME,
            "merge_policy": policy,
        },
        {"lead_id": L_NEW, "contact_action": "create", "account_action": "create"},
    ]


def test_column_round_trips_through_csv(tmp_path: Path) -> None:
    assert PLAN_SCHEMA["merge_policy"] == "string"
    plan = make_plan(_rows(" accounts=KEEP; Contacts.Phone=prefer_lead;Contacts=fill_blanks "))
    assert plan["merge_policy"].tolist() == [POLICY, pd.NA]  # canonical text, empty = zoho
    path = save_plan(plan, tmp_path / "plan.csv")
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[-1] == "merge_policy"
    again = load_plan(path)
    assert again["merge_policy"].tolist() == [POLICY, pd.NA]
    assert again.equals(plan)
    assert plan_hash(again) == plan_hash(plan)


def test_all_zoho_is_empty_and_keeps_the_hash_of_plans_without_the_column() -> None:
    with_zoho = make_plan(_rows("Contacts=zoho"))
    assert with_zoho["merge_policy"].isna().all()
    without = make_plan([{k: v for k, v in r.items() if k != "merge_policy"} for r in _rows(None)])
    assert plan_hash(with_zoho) == plan_hash(without)
    assert plan_hash(make_plan(_rows(POLICY))) != plan_hash(without)


def test_a_bad_cell_names_line_column_part_and_fix(tmp_path: Path) -> None:
    path = save_plan(make_plan(_rows(POLICY)), tmp_path / "plan.csv")
    text = path.read_text(encoding="utf-8").replace("Contacts=fill_blanks", "Contacts=always")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    message = str(info.value)
    assert f"{path}: line 2, column 'merge_policy'" in message
    assert "'always' is not a policy" in message
    assert "zoho, keep, fill_blanks, prefer_lead" in message


def _env(sb: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    creds = sb.credentials
    monkeypatch.setenv("ZOHO_CLIENT_ID", creds.client_id)
    monkeypatch.setenv("ZOHO_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("ZOHO_REFRESH_TOKEN", creds.refresh_token)
    monkeypatch.setenv("ZOHO_TOKEN_URL", sb.token_url)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "absent.toml"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    for var in ("ZOHO_DC", "ZOHO_API_DOMAIN", "ZOHO_EDITION"):
        monkeypatch.delenv(var, raising=False)


def test_crmkit_plan_merge_policy_writes_the_column_on_merging_rows(
    small_sandbox: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _env(small_sandbox(**records()), monkeypatch, tmp_path)
    snap, out = tmp_path / "snap", tmp_path / "plan.csv"
    assert main(["fetch", "--out", str(snap), "--quiet"]) == 0
    capsys.readouterr()
    given = "Accounts=keep;contacts=fill_blanks;Contacts.Phone=prefer_lead"
    code = main(["plan", "--snapshot", str(snap), "--out", str(out), "--merge-policy", given])
    printed = capsys.readouterr().out
    assert code == 0, printed
    plan = load_plan(out).set_index("lead_id")
    assert plan.loc[L_PAT, ["contact_action", "account_id"]].tolist() == ["merge", A_ACME]
    assert plan.loc[L_SOLO, ["account_action", "account_id"]].tolist() == ["merge", A_SOLO]
    assert plan.loc[L_MATE, "account_id"] == f"lead:{L_NEW}"  # a reference merges too
    assert plan.loc[L_NEW, "contact_action"] == "create"
    assert plan["merge_policy"].fillna("").to_dict() == {
        L_PAT: POLICY,
        L_SOLO: POLICY,
        L_NEW: "",
        L_MATE: POLICY,
    }
    assert f"merge policy {POLICY}: 3 merging row(s)" in printed

    # Without the option the column stays empty (Zoho's mapping decides).
    assert main(["plan", "--snapshot", str(snap), "--out", str(out)]) == 0
    assert load_plan(out)["merge_policy"].isna().all()


def test_crmkit_plan_refuses_a_bad_merge_policy_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "plan",
            "--snapshot",
            str(tmp_path / "none"),
            "--out",
            str(tmp_path / "p.csv"),
            "--merge-policy",
            "Deals=keep",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "crmkit plan: merge policy 'Deals=keep': 'Deals' is not a module" in err
    assert not (tmp_path / "p.csv").exists()


def test_builder_sets_the_policy_on_merge_rows_only() -> None:
    options = pd.DataFrame(
        {
            "lead_id": pd.Series([L_PAT, L_NEW], dtype="string"),
            "outcome": pd.Series(["matched", "no_match"], dtype="string"),
            "module_preference": pd.Series(["Contacts", pd.NA], dtype="string"),
        }
    )
    matches = pd.DataFrame(
        {
            "lead_id": pd.Series([L_PAT], dtype="string"),
            "module": pd.Series(["Contacts"], dtype="string"),
            "record_id": pd.Series([C_PAT], dtype="string"),
            "field": pd.Series(["Email"], dtype="string"),
            "account_id": pd.Series([A_ACME], dtype="string"),
        }
    )
    built = plan_from_options(options, matches, merge_policy="Contacts=keep").plan
    assert built.set_index("lead_id")["merge_policy"].fillna("").to_dict() == {
        L_PAT: "Contacts=keep",
        L_NEW: "",
    }
