"""Executing plans that reference each other, over a real sandbox: anchors first, no duplicates.

The plan is built from a real fetch (leads, Zoho's options) with clusters resolved; `execute`
sends anchors (some by Mass Convert) before their dependants and resolves `lead:<id>` from the
journal. At the end, from the sandbox's own records: no two Contacts share an Email or the unique
Phone, no two Accounts a name, every planned lead converted once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from cluster_org import (
    A_EXISTING,
    ALL,
    C_EXISTING,
    E1,
    E2,
    K1,
    K2,
    K3,
    M1,
    M2,
    M3,
    P1,
    P2,
    SOLO,
    T1,
    T2,
    assert_no_batch_duplicates,
    cluster_org,
)
from conversion_support import client_for

from crmkit.conversion import Journal, execute, make_plan
from crmkit.conversion.plan import plan_from_options
from crmkit.sandbox import Sandbox
from crmkit.snapshot import fetch_snapshot


def _plan(sb: Sandbox) -> pd.DataFrame:
    with client_for(sb) as client:
        snap = fetch_snapshot(client)
    built = plan_from_options(snap.options, snap.matches, leads=snap.leads, config=snap.org_config)
    assert built.skipped.empty, built.skipped
    return built.plan


def test_clusters_convert_in_dependency_order_without_duplicates(
    small_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = small_sandbox(**cluster_org())
    plan = _plan(sb)
    contacts_before = sb.control.state()["counts"]["Contacts"]["total"]
    accounts_before = sb.control.state()["counts"]["Accounts"]["total"]
    with client_for(sb) as client:
        report = execute(
            client, plan, journal=tmp_path / "j.sqlite", progress=False, poll_interval=0.05
        )
    res = report.results.set_index("lead_id")
    assert (res["outcome"] == "converted").all(), res[res["outcome"] != "converted"]
    assert report.finished
    # Anchors may go by Mass Convert (create-new rows sharing options); dependants merge.
    assert res.loc[T1, "via"] == "mass" and res.loc[SOLO[0], "via"] == "mass"
    assert res.loc[T2, "via"] == "single" and res.loc[K2, "via"] == "single"
    # Twins: one Contact and one Account; the dependant names its anchor.
    assert res.loc[T2, "contact_id"] == res.loc[T1, "contact_id"]
    assert res.loc[T2, "account_id"] == res.loc[T1, "account_id"]
    assert res.loc[T2, "anchor_lead_id"] == T1
    assert res.loc[P2, "contact_id"] == res.loc[P1, "contact_id"]
    # Colleagues: their own Contacts, one Account.
    assert res.loc[[K1, K2, K3], "contact_id"].nunique() == 3
    assert res.loc[[K1, K2, K3], "account_id"].nunique() == 1
    # The existing match takes the whole cluster.
    assert set(res.loc[[E1, E2], "contact_id"]) == {C_EXISTING}
    assert set(res.loc[[E1, E2], "account_id"]) == {A_EXISTING}
    # Mixed: M1/M2 one person, M3 a colleague under the same Account.
    assert res.loc[M2, "contact_id"] == res.loc[M1, "contact_id"] != res.loc[M3, "contact_id"]
    assert res.loc[[M1, M2, M3], "account_id"].nunique() == 1
    assert_no_batch_duplicates(sb, ALL)
    counts = sb.control.state()["counts"]
    # New Contacts: every lead but the 3 twins of an anchor (T2, P2, M2) and 2 existing merges.
    assert counts["Contacts"]["total"] == contacts_before + len(ALL) - 3 - 2
    # New Accounts: one per distinct Company among leads that make one (P1/P2 have none).
    companies = {"twinco", "colleague corp", "mixco", "na one", "na two"}
    assert counts["Accounts"]["total"] == accounts_before + len(companies) + len(SOLO)
    with Journal(tmp_path / "j.sqlite") as jr:
        attempts = jr.attempts()
        done = attempts[attempts["outcome"] == "converted"]
        assert sorted(done["lead_id"]) == sorted(ALL)  # each converted by exactly one attempt
        order = {lead: pos for pos, lead in enumerate(attempts["lead_id"])}
        for anchor, dependant in ((T1, T2), (P1, P2), (K1, K2), (K1, K3), (M1, M2), (M1, M3)):
            assert order[anchor] < order[dependant]


def test_a_hand_written_reference_to_a_refused_anchor_is_skipped_with_its_reason(
    small_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = small_sandbox(**cluster_org())
    plan = make_plan(
        [
            # The anchor's Deal misses Stage: the live re-check refuses it.
            {"lead_id": T1, "contact_action": "create", "account_action": "create",
             "deal_name": "D", "closing_date": "2026-01-01"},
            {"lead_id": T2, "contact_action": "merge", "contact_id": f"lead:{T1}",
             "account_action": "merge", "account_id": f"lead:{T1}"},
            {"lead_id": SOLO[0], "contact_action": "create", "account_action": "create"},
        ]
    )  # fmt: skip
    with client_for(sb) as client:
        report = execute(client, plan, journal=tmp_path / "j.sqlite", progress=False)
    res = report.results.set_index("lead_id")
    assert res.loc[T1, "outcome"] == "skipped" and "deal_incomplete" in res.loc[T1, "code"]
    assert res.loc[T2, "outcome"] == "skipped"
    assert res.loc[T2, "code"] == "reference_blocked"
    assert T1 in res.loc[T2, "message"] and "deal_incomplete" in res.loc[T2, "message"]
    assert res.loc[SOLO[0], "outcome"] == "converted"
    for lead in (T1, T2):
        assert sb.control.record("Leads", lead)["Converted__s"] is False
