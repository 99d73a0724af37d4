"""Property: *first* shares add up to the overall rate, on any data (also per segment)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from analysis_data import payload
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.analysis import rate_table, segment_rates, segment_summary, summary
from crmkit.api.errors import NotApprovedError
from crmkit.frames import options_frames

CONTACT_FIELDS = ["Phone", "Mobile", "Email", "Full_Name"]
ACCOUNT_FIELDS = ["Website", "Account_Name"]


def _records(prefix: str, fields: list[str]) -> st.SearchStrategy[list[tuple[str, list[str]]]]:
    rec = st.lists(st.sampled_from(fields), min_size=0, max_size=len(fields), unique=True)
    return st.lists(rec, max_size=3).map(
        lambda recs: [(f"{prefix}{i}", fs) for i, fs in enumerate(recs)]
    )


answer = st.one_of(
    st.none(),
    st.just("error"),
    st.tuples(
        _records("c", CONTACT_FIELDS),
        _records("a", ACCOUNT_FIELDS),
        st.sampled_from([None, "Contacts", "Accounts"]),
        st.booleans(),  # drop the field list entirely (unattributed)
    ),
)


def _build(answers: list[Any]) -> dict[str, object]:
    out: dict[str, object] = {}
    for i, a in enumerate(answers):
        lead = str(1000 + i)
        if a is None:
            out[lead] = None
        elif a == "error":
            out[lead] = NotApprovedError("not approved", code="NOT_APPROVED")
        else:
            contacts, accounts, pref, drop = a
            body = payload(contacts, accounts, preference=pref)
            if body is not None and drop:
                body["__conversion_options"]["preference_field_matched_value"] = {}
            out[lead] = body
    return out


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(
    st.lists(answer, max_size=25),
    st.lists(st.sampled_from(["Web", "Expo", None]), min_size=25, max_size=25),
)
def test_first_shares_sum_to_overall_rate(answers: list[Any], sources: list[str | None]) -> None:
    frames = options_frames(_build(answers))
    overall = summary(frames.options)
    for level in ("field", "route"):
        table = rate_table(frames.options, frames.matches, level=level)  # type: ignore[arg-type]
        assert int(table["leads_first"].sum()) == overall["n_matched"]
        if overall["n_answered"]:
            assert abs(float(table["rate_first"].sum()) - overall["rate"]) < 1e-12
        assert (table["leads_any"] >= table["leads_first"]).all()
        assert (table["leads_any"] <= overall["n_matched"]).all()
    leads = pd.DataFrame(
        {"id": list(_build(answers)), "Lead_Source": sources[: len(answers)]}
    ).astype("string")
    seg = segment_rates(leads, frames.options, frames.matches, "Lead_Source")
    totals = segment_summary(leads, frames.options, "Lead_Source").set_index("segment")
    firsts = seg.groupby("segment")["leads_first"].sum()
    for name, n_matched in totals["n_matched"].items():
        assert int(firsts.get(name, 0)) == n_matched
