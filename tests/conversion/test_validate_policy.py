"""Merge-policy validation over a real sandbox: the org's field metadata and picklists decide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conversion_support import client_for
from merge_org import A_ACME, C_PAT, CONTACT_LEAD_SOURCES, L_NEW, L_PAT, records

from crmkit.api import CRMClient
from crmkit.conversion import make_plan, recheck, validate
from crmkit.conversion.validate import RULES, blocked_leads
from crmkit.sandbox import Sandbox
from crmkit.sandbox.loader import DataDirError, write_data_dir

PAT_ROW = {
    "lead_id": L_PAT,
    "contact_action": "merge",
    "contact_id": C_PAT,
    "account_action": "merge",
    "account_id": A_ACME,
}


@pytest.fixture(scope="module")
def policy_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CRMClient]:
    path = write_data_dir(tmp_path_factory.mktemp("policy") / "org", **records())
    with Sandbox(path) as sb:
        c = client_for(sb)
        yield c
        c.close()


def _policy_problems(client: CRMClient, policy: str) -> pd.DataFrame:
    problems = recheck(client, make_plan([{**PAT_ROW, "merge_policy": policy}]))
    return problems[problems["rule"].str.startswith("merge_policy")]


def test_the_sandbox_serves_per_module_picklists(policy_client: CRMClient) -> None:
    def values(module: str) -> list[str]:
        (meta,) = [f for f in policy_client.fields(module) if f["api_name"] == "Lead_Source"]
        return [v["actual_value"] for v in meta["pick_list_values"]]

    assert values("Contacts") == CONTACT_LEAD_SOURCES
    assert "Trade Show" in values("Leads") and "Trade Show" in values("Deals")


def test_picklist_value_the_target_lacks_blocks_prefer_lead(policy_client: CRMClient) -> None:
    found = _policy_problems(policy_client, "Contacts.Lead_Source=prefer_lead")
    assert found["rule"].tolist() == ["merge_policy_picklist"]
    (p,) = found.to_dict("records")
    assert p["severity"] == "error" and p["column"] == "merge_policy" and p["row"] == 0
    assert "Contacts.Lead_Source" in p["reason"] and "'Trade Show'" in p["reason"]
    assert "Contacts.Lead_Source=keep" in p["reason"]  # the fix
    assert blocked_leads(found) == [L_PAT]


def test_fill_blanks_warns_since_only_an_empty_field_takes_it(policy_client: CRMClient) -> None:
    found = _policy_problems(policy_client, "Contacts=fill_blanks")
    assert found["rule"].tolist() == ["merge_policy_picklist_if_empty"]
    assert found["severity"].tolist() == ["warning"]
    assert blocked_leads(found) == []


def test_keep_and_zoho_copy_nothing_from_the_lead(policy_client: CRMClient) -> None:
    assert _policy_problems(policy_client, "Contacts=keep;Accounts=keep").empty
    assert _policy_problems(policy_client, "Accounts=prefer_lead").empty  # Industry is empty


@pytest.mark.parametrize(
    ("policy", "rule", "words"),
    [
        ("Contacts.Modified_Time=keep", "merge_policy_read_only", ["Modified_Time", "read-only"]),
        ("Accounts.Nope__c=prefer_lead", "merge_policy_unknown_field", ["Accounts.Nope__c"]),
        ("Contacts.Last_Name=keep", "merge_policy_name_field", ["Contacts.Last_Name", "name"]),
        ("Contacts.Account_Name=keep", "merge_policy_name_field", ["lookup"]),
        ("Accounts.Account_Name=prefer_lead", "merge_policy_name_field", ["overwrite"]),
    ],
)
def test_fields_a_policy_cannot_govern(
    policy_client: CRMClient, policy: str, rule: str, words: list[str]
) -> None:
    found = _policy_problems(policy_client, policy)
    assert found["rule"].tolist() == [rule]
    reason = str(found["reason"].iloc[0])
    for word in words:
        assert word in reason
    assert "remove" in reason and "from merge_policy" in reason
    assert found["severity"].tolist() == ["error"]


def test_text_edited_into_a_frame_is_reported_not_raised() -> None:
    plan = make_plan(
        [PAT_ROW, {"lead_id": L_NEW, "contact_action": "create", "account_action": "create"}]
    )
    plan.loc[0, "merge_policy"] = "Contacts=always"
    problems = validate(plan)
    mine = problems[problems["rule"] == "merge_policy_invalid"]
    assert mine["row"].tolist() == [0] and "'always' is not a policy" in mine["reason"].iloc[0]
    assert set(RULES) >= {"merge_policy_invalid", "merge_policy_picklist"}


def test_without_metadata_nothing_is_checked() -> None:
    plan = make_plan([{**PAT_ROW, "merge_policy": "Contacts.Nope__c=keep"}])
    assert validate(plan).empty


def test_picklists_in_org_json_are_checked(tmp_path: Path) -> None:
    org = records()
    org["org"]["picklists"] = {"Contacts": {"Email": ["a"]}}
    path = write_data_dir(tmp_path / "bad", **org)
    with pytest.raises(DataDirError, match=r"picklists\.Contacts\.Email is not a picklist"):
        Sandbox(path).start()


def test_the_recheck_reads_the_mapping_only_for_a_governed_merge(tmp_path: Path) -> None:
    """The picklist check needs the conversion mapping: the re-check reads the Leads fields and
    layouts (2 metadata calls, cached by the client for the step that applies the policy) only
    when a merging row has a policy."""
    path = write_data_dir(tmp_path / "org", **records())
    new = {"lead_id": L_NEW, "contact_action": "create", "account_action": "create"}
    plans = {
        "plain": make_plan([PAT_ROW, new]),
        "governed": make_plan([{**PAT_ROW, "merge_policy": "Contacts=keep"}, new]),
        "create_only": make_plan([PAT_ROW, {**new, "merge_policy": "Contacts=keep"}]),
    }
    spent: dict[str, int] = {}
    with Sandbox(path) as sb:
        for name, plan in plans.items():
            c = client_for(sb)
            try:
                recheck(c, plan)
                spent[name] = c.usage.calls.get("metadata", 0)
            finally:
                c.close()
    assert spent["governed"] - spent["plain"] == 2
    assert spent["create_only"] == spent["plain"]


def test_an_override_of_a_field_nothing_maps_to_warns(policy_client: CRMClient) -> None:
    found = _policy_problems(policy_client, "Contacts=keep;Contacts.Department=prefer_lead")
    assert found["rule"].tolist() == ["merge_policy_unmapped_field"]
    assert found["severity"].tolist() == ["warning"]
    assert "Contacts.Department" in found["reason"].iloc[0]
