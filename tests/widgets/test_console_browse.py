"""Browsing the whole org in the console: search, filters, pages, counts (the controller)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from console_org import USER, USER_2, client_for

from crmkit.api import CRMClient
from crmkit.sandbox import Sandbox
from crmkit.widgets.console_model import ConsoleError, ConsoleModel

N = 60
C_ZED = "3000000000000000777"
ZED = 45  # the one lead that matches a Contact (by Email)


def _lead_id(n: int) -> str:
    return f"{4100000000000000000 + n}"


def _lead(n: int) -> dict[str, Any]:
    if n == ZED:
        first, last, email, company = "Zed", "Target", "zed@target.com", "Target Labs"
    else:
        first, last, email, company = "Lee", f"Filler{n:02d}", f"lee{n}@filler.com", f"Fill {n}"
    return {
        "id": _lead_id(n),
        "First_Name": first,
        "Last_Name": last,
        "Email": email,
        "Company": company,
        "Owner": {"id": USER if n % 2 == 0 else USER_2},
        "Lead_Source": "Advertisement" if n % 3 == 0 else "Cold Call",
    }


@pytest.fixture
def big_client(small_sandbox: Callable[..., Sandbox]) -> Any:
    sb = small_sandbox(
        leads=[_lead(n) for n in range(N)],
        contacts=[{"id": C_ZED, "Last_Name": "Target", "Email": "zed@target.com"}],
        org={
            "users": [
                {"id": USER, "full_name": "Ava Active", "email": "ava@x.com"},
                {"id": USER_2, "full_name": "Bea Busy", "email": "bea@x.com"},
            ]
        },
    )
    client = client_for(sb)
    yield client
    client.close()


@pytest.fixture
def model(big_client: CRMClient, tmp_path: Path) -> ConsoleModel:
    return ConsoleModel.load(
        big_client, journal=tmp_path / "j.sqlite", page_size=10, poll_interval=0.05
    )


def test_every_open_lead_is_listed_and_paged_with_counts(model: ConsoleModel) -> None:
    assert len(model.lead_ids) == N
    counts = model.counts()
    assert (counts.total, counts.shown, counts.pages, counts.page) == (N, N, 6, 0)
    assert counts.sentence() == "Leads 1–10 of 60 · page 1 of 6"
    order = model.lead_ids  # the CRM's listing order
    assert sorted(order) == sorted(_lead_id(n) for n in range(N))
    assert model.table()["lead_id"].tolist() == order[:10]
    assert len(model.options) == 10  # options asked for the page shown only
    model.show_page(4)
    page = model.table()
    assert page["lead_id"].tolist() == order[40:50]
    assert model.counts().sentence() == "Leads 41–50 of 60 · page 5 of 6"
    assert len(model.options) == 20
    model.show_page(order.index(_lead_id(ZED)) // 10)
    page = model.table().set_index("lead_id")
    assert page.loc[_lead_id(ZED), "zoho_says"] == "matches 1 Contact"
    model.show_page(99)
    assert model.page == 5 and len(model.table()) == 10
    model.show_page(-3)
    assert model.page == 0


def test_search_name_email_or_company_finds_a_lead_on_a_later_page(model: ConsoleModel) -> None:
    for text in ("zed", "TARGET.COM", "target labs", "Zed Target"):
        model.set_filter(search=text)
        assert model.table()["lead_id"].tolist() == [_lead_id(ZED)], text
        assert (
            model.counts().sentence() == "Lead 1–1 of 1 (filtered from 60 open leads) · page 1 of 1"
        )
    model.select([0])
    assert model.selected == [_lead_id(ZED)]
    assert model.choice(_lead_id(ZED)) == f"contact:{C_ZED}"
    model.set_filter(search="nobody-has-this")
    assert model.table().empty
    assert model.counts().sentence().startswith("Leads 0–0 of 0")


def test_owner_and_source_filters(model: ConsoleModel) -> None:
    assert model.owners() == [("Ava Active", USER), ("Bea Busy", USER_2)]
    assert model.sources() == ["Advertisement", "Cold Call"]
    model.set_filter(owner=USER_2)
    assert len(model.filtered_ids()) == 30
    model.set_filter(source="Advertisement")  # and owner still USER_2: odd multiples of 3
    assert sorted(model.filtered_ids()) == [_lead_id(n) for n in range(N) if n % 6 == 3]
    model.set_filter(owner=None, source=None)
    assert len(model.filtered_ids()) == N
    with pytest.raises(ConsoleError, match="filters"):
        model.set_filter(colour="red")


def test_filters_on_zohos_options_say_what_is_not_asked_yet(model: ConsoleModel) -> None:
    model.set_filter(matched="matched")
    counts = model.counts()
    assert (counts.shown, counts.unknown) == (0, 50)  # only the first page was asked
    assert "50 leads not shown: their conversion options are not asked yet" in counts.sentence()
    assert len(model.unasked()) == 50
    assert model.ask_options(model.unasked()) == 50
    assert model.filtered_ids() == [_lead_id(ZED)]
    assert model.counts().unknown == 0
    model.set_filter(matched="not matched")
    assert len(model.filtered_ids()) == N - 1
    model.set_filter(matched="any", module="Contacts")
    assert model.filtered_ids() == [_lead_id(ZED)]
    model.set_filter(module="Accounts")
    assert model.filtered_ids() == []
    model.set_filter(module=None, field="Email")
    assert model.filtered_ids() == [_lead_id(ZED)]
    assert model.matching_fields() == ["Email"]
    with pytest.raises(ConsoleError, match="matched must be"):
        model.set_filter(matched="maybe")


def test_limit_lists_only_the_first_leads(big_client: CRMClient, tmp_path: Path) -> None:
    m = ConsoleModel.load(big_client, limit=15, journal=tmp_path / "j.sqlite", page_size=10)
    assert len(m.lead_ids) == 15 and m.counts().pages == 2


def test_a_converted_lead_reselected_has_no_estimate_and_says_so(model: ConsoleModel) -> None:
    lead = model.lead_ids[3]  # on the page shown
    model.select_ids([lead])
    model.convert()
    assert model.table().set_index("lead_id").loc[lead, "result"] == "converted"
    model.select_ids([lead])
    assert model.is_converted(lead)
    with pytest.raises(ConsoleError, match="converted already: nothing can be sent"):
        model.estimate()
    assert any("already converted" in m for m in model.messages()[lead])
    assert not model.can_convert
