"""CRMClient against the real sandbox over HTTP: every call, pagination, each error code, faults."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from api_support import USERS, account, contact, lead, org

from crmkit.api import (
    AlreadyConvertedError,
    ConversionOptions,
    ConvertRequest,
    ConvertResult,
    CreditsExhaustedError,
    CRMClient,
    DuplicateDataError,
    InvalidDataError,
    MandatoryNotFoundError,
    MappingMismatchError,
    MassConvertRequest,
    MatchedField,
    NotApprovedError,
    NotFoundError,
    OutcomeUnknownError,
    RecordLockedError,
    ServerError,
)
from crmkit.api.limits import CreditWarning, RetryPolicy
from crmkit.sandbox import Sandbox
from crmkit.sandbox.catalog import STANDARD_PIPELINE  # the default org's pipeline

pytestmark = pytest.mark.timeout(120)
Client = Callable[..., CRMClient]
Start = Callable[..., Sandbox]

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
PAT_LEAD = "4876876000007445001"
PAT_EMAIL_CONTACT = "4876876000007437017"
PAT_PHONE_CONTACT = "4876876000007421001"
ZYLKER = "4876876000007421010"
L1, L2, L3 = "4876876000100000001", "4876876000100000002", "4876876000100000003"
C1 = "4876876000200000001"
A1 = "4876876000300000001"
DEAL = {
    "Deal_Name": "Zylker Deal",
    "Closing_Date": "2026-06-30",
    "Stage": "Qualification",
    "Pipeline": STANDARD_PIPELINE,
    "Amount": 1200,
}


def sample_leads() -> list[dict[str, str]]:
    with (SAMPLE / "Leads.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def usable_ids(n: int) -> list[str]:
    """Sample leads whose conversion options answer (not converted, locked or unapproved)."""
    return [
        r["id"]
        for r in sample_leads()
        if r["Converted__s"] != "true"
        and r["Locked__s"] != "true"
        and r["$approval_state"] == "approved"
    ][:n]


# ---------------------------------------------------------------- reads on the sample org
def test_api_domain_comes_from_the_token_answer_and_metadata_is_cached(
    sandbox: Sandbox, client_for: Client
) -> None:
    client = client_for(sandbox)
    assert client.api_domain == sandbox.url  # named by the sandbox's token answer
    assert client.edition == "enterprise" and client.concurrency == 20
    names = {m["api_name"] for m in client.modules()}
    assert {"Leads", "Contacts", "Accounts", "Deals"} <= names
    fields = client.fields("Contacts")
    phone = next(f for f in fields if f["api_name"] == "Phone")
    assert phone["unique"] not in ({}, None)
    assert client.layouts("Accounts")
    before = client.usage.calls.get("metadata", 0)
    assert client.fields("Contacts") is fields
    client.layouts("Accounts")
    client.modules()
    assert client.usage.calls.get("metadata", 0) == before
    assert client.current_user()["id"]
    assert client.org()["id"]
    org_users = json.loads((SAMPLE / "org.json").read_text())["users"]
    assert {u["id"] for u in client.users()} == {
        u["id"] for u in org_users if u.get("status", "active") == "active"
    }
    assert {u["id"] for u in client.users("AllUsers")} == {u["id"] for u in org_users}


def test_records_paginate_past_2000_with_page_token(sandbox: Sandbox, client_for: Client) -> None:
    client = client_for(sandbox)
    pages = list(client.iter_pages("Leads", ["Last_Name", "Email"], converted="both"))
    ids = [r["id"] for page in pages for r in page]
    expected = {r["id"] for r in sample_leads()}
    manifest = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
    n = manifest["sizes"]["Leads"]
    assert n > 2000  # past the 2000 records Zoho pages with page only
    assert len(ids) == len(set(ids)) == len(expected) == n
    assert set(ids) == expected
    full, rest = divmod(n, 200)
    assert [len(p) for p in pages] == [200] * full + ([rest] if rest else [])
    assert client.usage.calls["records"] == full + (1 if rest else 0)


def test_records_default_hides_converted_leads_and_sorts(
    sandbox: Sandbox, client_for: Client
) -> None:
    client = client_for(sandbox)
    rows = sample_leads()
    unconverted = {r["id"] for r in rows if r["Converted__s"] != "true"}
    converted = {r["id"] for r in rows if r["Converted__s"] == "true"}
    got = [r["id"] for r in client.records("Leads", ["Last_Name"], sort_by="id", sort_order="asc")]
    assert set(got) == unconverted
    assert got == sorted(got, key=int)
    only = {r["id"] for r in client.records("Leads", "Last_Name", converted="true", per_page=150)}
    assert only == converted
    one = sorted(converted)[0]
    assert client.get_record("Leads", one) is None  # hidden by id too, as in listings
    assert client.get_record("Leads", one, converted="both")["Converted__s"] is True  # type: ignore[index]


def test_records_argument_errors_are_clear(sandbox: Sandbox, client_for: Client) -> None:
    client = client_for(sandbox)
    with pytest.raises(ValueError, match="at most 50 fields"):
        next(client.records("Leads", [f"F{i}" for i in range(51)]))
    with pytest.raises(ValueError, match="per_page"):
        next(client.records("Leads", ["Email"], per_page=201))
    with pytest.raises(ValueError, match="converted"):
        next(client.records("Leads", ["Email"], converted="yes"))
    with pytest.raises(InvalidDataError) as info:
        next(client.records("Leads", ["No_Such_Field"]))
    assert info.value.status == 400 and info.value.path == "/crm/v8/Leads"
    with pytest.raises(NotFoundError):
        next(client.records("Gadgets", ["Name"]))


def test_empty_module_and_unknown_record(small_sandbox: Start, client_for: Client) -> None:
    sb = small_sandbox(**org([lead(L1, "Ann", "Lee", Email="ann@lee.test")]))
    client = client_for(sb)
    assert list(client.iter_pages("Deals", ["Deal_Name"])) == []
    assert client.get_record("Leads", "4876876000999999999") is None
    assert client.get_record("Leads", int(L1))["Email"] == "ann@lee.test"  # type: ignore[index]
    assert client.search("Leads", email="nobody@nowhere.test") == []
    assert [r["id"] for r in client.search("Leads", email="ann@lee.test")] == [L1]
    assert [r["id"] for r in client.search("Leads", criteria="(Last_Name:equals:Lee)")] == [L1]
    with pytest.raises(ValueError, match="exactly one"):
        client.search("Leads", email="a@b.test", word="x")
    assert client.usage.calls["search"] == 3


# ---------------------------------------------------------------- conversion options
def test_conversion_options_documented_example(sandbox: Sandbox, client_for: Client) -> None:
    options = client_for(sandbox).conversion_options(PAT_LEAD)
    assert options.matched and options.module_preference == "Contacts"
    assert {c["id"] for c in options.contacts} == {PAT_EMAIL_CONTACT, PAT_PHONE_CONTACT}
    assert [a["id"] for a in options.accounts] == [ZYLKER]
    assert options.deals == []
    assert options.matched_fields["Contacts"] == [
        MatchedField("Phone", "9844444444"),
        MatchedField("Email", "pat.boyle@zylker.com"),
    ]
    assert options.matched_fields["Accounts"] == [
        ("Account_Name", "Zylker Biotech"),
        ("Phone", "9844444444"),  # through the contact Pat Boyle, as in Zoho's article
    ]
    assert options.multiple_layouts == ["Accounts"]


def test_conversion_options_many_in_input_order_with_errors_as_data(
    sandbox: Sandbox, client_for: Client
) -> None:
    rows = sample_leads()
    locked = next(r["id"] for r in rows if r["Locked__s"] == "true")
    pending = next(r["id"] for r in rows if r["$approval_state"] != "approved")
    converted = next(r["id"] for r in rows if r["Converted__s"] == "true")
    ids = [*usable_ids(300), locked, "12", pending, converted]
    client = client_for(sandbox)
    results = client.conversion_options_many(ids)
    assert len(results) == len(ids)
    for lead_id, result in zip(ids[:300], results[:300], strict=True):
        assert isinstance(result, ConversionOptions) and result.lead_id == lead_id
    assert isinstance(results[300], RecordLockedError) and results[300].lead_id == locked
    assert isinstance(results[301], InvalidDataError) and results[301].lead_id == "12"
    assert isinstance(results[302], NotApprovedError)
    assert isinstance(results[303], AlreadyConvertedError)
    assert client.usage.calls["conversion_options"] == 304
    assert client.limiter.peak <= 20


def test_conversion_options_match_the_ground_truth(sandbox: Sandbox, client_for: Client) -> None:
    with (SAMPLE / "ground_truth.csv").open(encoding="utf-8") as fh:
        truth = list(csv.DictReader(fh))
    rows = [r for r in sample_leads() if r["Converted__s"] != "true"][:400]
    rows = [r for r in rows if r["Locked__s"] != "true" and r["$approval_state"] == "approved"]
    expected: dict[str, set[tuple[str, str]]] = {r["id"]: set() for r in rows}
    for t in truth:
        if t["lead_id"] in expected:
            expected[t["lead_id"]].add((t["module"], t["record_id"]))
    results = client_for(sandbox).conversion_options_many(list(expected))
    for result in results:
        assert isinstance(result, ConversionOptions)
        got = {("Contacts", c["id"]) for c in result.contacts}
        got |= {("Accounts", a["id"]) for a in result.accounts}
        assert got == expected[result.lead_id], result.lead_id
        assert result.matched == bool(expected[result.lead_id])


# ---------------------------------------------------------------- convert and mass convert
def test_convert_lead_and_every_request_key(small_sandbox: Start, client_for: Client) -> None:
    sb = small_sandbox(
        **org(
            [
                lead(L1, "Ann", "Lee", Email="ann@lee.test", Company="Lee Ltd", Tag=["VIP"]),
                lead(L2, "Bo", "Dunn", Email="bo@dunn.test"),
            ]
        )
    )
    client = client_for(sb)
    request = ConvertRequest(
        overwrite=False,
        notify_lead_owner=True,
        notify_new_entity_owner=True,
        move_attachments_to="Deals",
        assign_to=USERS[1]["id"],
        deal=DEAL,
        carry_over_tags={"Contacts": ["VIP"], "Deals": ["VIP"]},
    )
    result = client.convert_lead(L1, request)
    assert isinstance(result, ConvertResult) and result.code == "SUCCESS"
    assert result.contact_name == "Ann Lee" and result.account_name == "Lee Ltd"
    assert result.deal_name == "Zylker Deal"
    contact_rec = client.get_record("Contacts", result.contact_id)  # type: ignore[arg-type]
    assert contact_rec is not None and contact_rec["Owner"]["id"] == USERS[1]["id"]
    assert [t["name"] for t in contact_rec["Tag"]] == ["VIP"]
    assert [m["kind"] for m in sb.control.outbox()] == [
        "notify_lead_owner",
        "notify_new_entity_owner",
    ]
    assert L1 not in {r["id"] for r in client.records("Leads", ["Email"])}
    with pytest.raises(AlreadyConvertedError) as info:
        client.convert_lead(L1, ConvertRequest())
    assert info.value.code == "ID_ALREADY_CONVERTED" and info.value.lead_id == L1
    plain = client.convert_lead(L2, ConvertRequest())
    assert plain.account_id is None and plain.deal_id is None
    assert client.usage.credits["convert"] == 15


def test_convert_error_codes(small_sandbox: Start, client_for: Client) -> None:
    sb = small_sandbox(
        **org(
            [
                lead(L1, "Ann", "Lee", Email="ann@lee.test", Company="Acme"),
                lead(L2, "Bo", "Dunn", Locked__s=True),
                lead(L3, "Cy", "Ray", **{"$approval_state": "pending"}),
            ],
            [contact(C1, "C", "D", Email="ann@lee.test", Locked__s=True)],
            [account(A1, "Acme")],
        )
    )
    client = client_for(sb)
    with pytest.raises(MandatoryNotFoundError) as mand:
        client.convert_lead(
            L1, ConvertRequest(deal={k: v for k, v in DEAL.items() if k != "Stage"})
        )
    assert mand.value.details["api_name"] == "Stage"
    with pytest.raises(MappingMismatchError) as mm:
        client.convert_lead(L1, ConvertRequest(deal={**DEAL, "Stage": "Nope"}))
    assert mm.value.details["mapped_field"] == "Pipeline"
    text = str(mm.value)
    for part in ("POST", f"/crm/v8/Leads/{L1}/actions/convert", "HTTP 400", "MAPPING_MISMATCH"):
        assert part in text
    assert "Pipeline doesn`t contain the Stage" in text and '"api_name": "Stage"' in text
    with pytest.raises(RecordLockedError):
        client.convert_lead(L1, ConvertRequest(contact_id=C1))
    with pytest.raises(InvalidDataError):
        client.convert_lead(L1, ConvertRequest(contact_id="4876876000200000999"))
    with pytest.raises(RecordLockedError):
        client.convert_lead(L2, ConvertRequest())
    with pytest.raises(NotApprovedError):
        client.convert_lead(L3, ConvertRequest())
    with pytest.raises(RecordLockedError):
        client.conversion_options(L2)


def test_duplicate_data_carries_the_existing_record(
    small_sandbox: Start, client_for: Client
) -> None:
    sb = small_sandbox(
        **org(
            [
                lead(
                    PAT_LEAD,
                    "Pat",
                    "Boyle",
                    Email="pat.boyle@zylker.com",
                    Phone="9844444444",
                    Company="Zylker Biotech",
                )
            ],
            [
                contact(PAT_EMAIL_CONTACT, None, "Boyle", Email="pat.boyle@zylker.com"),
                contact(
                    PAT_PHONE_CONTACT,
                    "Pat",
                    "Boyle",
                    Phone="9844444444",
                    Account_Name={"id": ZYLKER, "name": "Zylker Biotech"},
                ),
            ],
            [account(ZYLKER, "Zylker Biotech")],
            unique_fields={"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
        )
    )
    client = client_for(sb)
    results = client.convert_many([(PAT_LEAD, ConvertRequest())])
    (error,) = results
    assert isinstance(error, DuplicateDataError)
    assert error.existing_id == PAT_PHONE_CONTACT and error.existing_module == "Contacts"
    assert error.existing is not None and error.existing["Owner"]["id"] == USERS[0]["id"]
    merged = client.convert_lead(PAT_LEAD, ConvertRequest(contact_id=PAT_EMAIL_CONTACT))
    assert merged.contact_id == PAT_EMAIL_CONTACT


def test_mass_convert_and_status_polling(small_sandbox: Start, client_for: Client) -> None:
    leads = [
        lead(f"48768760001000001{i:02d}", "N", f"L{i}", Email=f"l{i}@x.test") for i in range(30)
    ]
    leads.append(lead(L2, "Bo", "Dunn", Locked__s=True))
    sb = small_sandbox(**org(leads))
    sb.control.configure(mass_convert_step_ms=10)
    client = client_for(sb)
    ids = [r["id"] for r in leads]
    job = client.mass_convert(MassConvertRequest(ids=ids, assign_to=USERS[1]["id"]))
    status = client.wait_mass_convert(job, poll_interval=0.05)
    assert status.done and status.status == "COMPLETED"
    assert status.total == 31 and status.converted == 30 and status.failed == 1
    assert list(client.records("Leads", ["Email"])) == [
        r for r in client.records("Leads", ["Email"]) if r["id"] == L2
    ]
    with pytest.raises(ValueError, match="at most 50"):
        MassConvertRequest(ids=[str(i) for i in range(51)])


# ---------------------------------------------------------------- bad days
def test_injected_429_and_500_are_absorbed_on_reads(
    clean_sandbox: Sandbox, client_for: Client
) -> None:
    sb = clean_sandbox
    sb.control.add_fault("429", "/crm/v8/Leads/*/__conversion_options", count=5)
    sb.control.add_fault("500", "/crm/v8/Leads/*/__conversion_options", count=5)
    sb.control.add_fault("drop_before", "/crm/v8/Leads/*/__conversion_options", count=3)
    sb.control.add_fault("drop_after", "/crm/v8/Leads/*/__conversion_options", count=3)
    client = client_for(sb)
    ids = usable_ids(60)
    results = client.conversion_options_many(ids)
    assert all(isinstance(r, ConversionOptions) for r in results), results
    usage = client.usage
    assert usage.throttled == 5 and usage.retries == 16


def test_convert_dropped_before_processing_is_still_unknown_to_the_client(
    small_sandbox: Start, client_for: Client
) -> None:
    """A dropped connection looks the same whether or not the server acted: never retried."""
    sb = small_sandbox(**org([lead(L1, "Ann", "Lee", Email="ann@lee.test")]))
    sb.control.add_fault("drop_before", "/crm/v8/Leads/*/actions/convert", count=1)
    sb.control.add_fault("429", "/crm/v8/Leads/*/actions/convert", count=1)
    client = client_for(sb)
    with pytest.raises(OutcomeUnknownError):
        client.convert_lead(L1, ConvertRequest())
    stored = sb.control.record("Leads", L1)
    assert stored is not None and stored["Converted__s"] is False  # read back: not converted
    result = client.convert_lead(L1, ConvertRequest())  # the 429 is retried
    assert result.contact_id is not None and client.usage.throttled == 1
    contacts = list(client.records("Contacts", ["Email"]))
    assert [c["Email"] for c in contacts] == ["ann@lee.test"]


def test_convert_dropped_after_is_outcome_unknown_and_not_retried(
    small_sandbox: Start, client_for: Client
) -> None:
    sb = small_sandbox(**org([lead(L1, "Ann", "Lee", Email="ann@lee.test")]))
    sb.control.add_fault("drop_after", "/crm/v8/Leads/*/actions/convert", count=1)
    client = client_for(sb)
    with pytest.raises(OutcomeUnknownError) as info:
        client.convert_lead(L1, ConvertRequest())
    assert info.value.lead_id == L1
    stored = sb.control.record("Leads", L1)
    assert stored is not None and stored["Converted__s"] is True  # it happened: read back
    assert len(list(client.records("Contacts", ["Email"]))) == 1


def test_convert_answered_500_is_outcome_unknown(small_sandbox: Start, client_for: Client) -> None:
    sb = small_sandbox(**org([lead(L1, "Ann", "Lee")]))
    sb.control.add_fault("500", "/crm/v8/Leads/*/actions/convert", count=1)
    client = client_for(sb)
    with pytest.raises(OutcomeUnknownError) as info:
        client.convert_lead(L1, ConvertRequest())
    assert info.value.status == 500
    assert client.convert_lead(L1, ConvertRequest()).contact_id


def test_reads_give_up_after_the_policy(clean_sandbox: Sandbox, client_for: Client) -> None:
    clean_sandbox.control.add_fault("500", "/crm/v8/org", count=None)
    client = client_for(
        clean_sandbox, edition="enterprise", retry=RetryPolicy(max_attempts=3, base_delay=0.001)
    )
    with pytest.raises(ServerError) as info:
        client.org()
    assert info.value.status == 500 and client.usage.retries == 2


def test_token_expiry_mid_batch_refreshes_once(clean_sandbox: Sandbox, client_for: Client) -> None:
    sb = clean_sandbox
    client = client_for(sb)
    ids = usable_ids(200)
    client.conversion_options(ids[0])
    assert client._auth.refreshes == 1
    done = threading.Event()

    def expire_soon() -> None:
        while client.usage.calls.get("conversion_options", 0) < 60 and not done.is_set():
            done.wait(0.001)
        sb.control.expire_tokens()

    thread = threading.Thread(target=expire_soon)
    thread.start()
    results = client.conversion_options_many(ids)
    done.set()
    thread.join()
    assert all(isinstance(r, ConversionOptions) for r in results)
    assert client._auth.refreshes == 2
    sb.control.add_fault("expired_token", "/crm/v8/org", count=1)
    assert client.org()["id"] and client._auth.refreshes == 3


def test_org_limit_below_client_setting_absorbs_429s(
    clean_sandbox: Sandbox, client_for: Client
) -> None:
    sb = clean_sandbox
    sb.control.configure(concurrency=3, latency_ms=20)
    client = client_for(sb, retry=RetryPolicy(base_delay=0.02, max_delay=0.5))
    ids = usable_ids(120)
    results = client.conversion_options_many(ids)
    assert all(isinstance(r, ConversionOptions) for r in results)
    assert client.usage.throttled > 0
    assert client.limiter.limit < 20


def test_credits_remaining_is_read_and_a_short_batch_warns(
    clean_sandbox: Sandbox, client_for: Client
) -> None:
    sb = clean_sandbox
    sb.control.configure(credits_per_day=100)
    client = client_for(sb)
    ids = usable_ids(60)
    client.conversion_options_many(ids[:20])
    assert client.usage.remaining is None  # Zoho only says once half is spent
    client.conversion_options_many(ids[20:55])
    assert client.usage.credits_used == 56  # the edition read + 55 conversion options
    assert client.usage.remaining == 44
    with pytest.warns(CreditWarning, match="costs 45 credits but Zoho reports 44 remaining"):
        client.conversion_options_many(ids[:45])
    assert client.usage.remaining == 0
    with pytest.warns(CreditWarning, match="9 convert calls costs 45 credits"):
        client.convert_many([(i, ConvertRequest()) for i in ids[:9]])


def test_spent_credits_fail_at_once_without_retrying(
    clean_sandbox: Sandbox, client_for: Client
) -> None:
    sb = clean_sandbox
    sb.control.configure(credits_per_day=10)
    waits: list[float] = []
    client = client_for(sb, retry=RetryPolicy(sleep=waits.append))
    results = client.conversion_options_many(usable_ids(12))  # 1 credit went on the edition read
    answered = [r for r in results if isinstance(r, ConversionOptions)]
    spent = [r for r in results if isinstance(r, CreditsExhaustedError)]
    assert (len(answered), len(spent)) == (9, 3)
    assert waits == []  # backing off for seconds cannot bring back a day's credits
    message = str(spent[0])
    assert "credits for the rolling 24 hours are used up" in message
    assert "429" in message and "__conversion_options" in message
    assert client.usage.remaining == 0
