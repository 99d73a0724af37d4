"""Fixtures for conversion tests: a small hand-built org served by a real sandbox, and clients.

The org (`ORG`) has one lead per situation the validation rules and Zoho's conversion errors
cover; names say what each is for. Ids are 19-digit strings like Zoho's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crmkit import connect
from crmkit.api import CRMClient
from crmkit.api.limits import RetryPolicy
from crmkit.sandbox import Sandbox

U_ACTIVE = "1000000000000000901"
U_INACTIVE = "1000000000000000902"

A_ACME = "2000000000000000001"
A_GLOBEX_LOCKED = "2000000000000000002"
A_INITECH = "2000000000000000003"
A_UMBRELLA_PENDING = "2000000000000000004"

C_PAT = "3000000000000000001"  # Email pat@acme.com, Account Acme
C_LOCKED = "3000000000000000002"  # Email locked@x.com, locked
C_PHONE = "3000000000000000003"  # Phone 5550001 (unique in Contacts), no account
C_NOACCT = "3000000000000000004"  # Email noacct@x.com, no account
C_TWO_A = "3000000000000000005"  # Email two@x.com, Account Initech
C_TWO_B = "3000000000000000006"  # Email two@x.com
C_PENDING = "3000000000000000007"  # Email pending@x.com, awaiting approval


def lead_id(n: int) -> str:
    return f"40000000000000{n:05d}"


L_FRESH = lead_id(1)  # no match, Company Newco, tag VIP
L_PAT = lead_id(2)  # matches Contact Pat (Email) and Account Acme (Company)
L_LOCKED = lead_id(3)
L_PENDING = lead_id(4)
L_CONVERTED = lead_id(5)
L_TO_LOCKED_CONTACT = lead_id(6)
L_TO_LOCKED_ACCOUNT = lead_id(7)
L_PHONE_DUP = lead_id(8)  # Phone 5550001: creating a Contact repeats a unique value
L_NO_COMPANY = lead_id(9)
L_TO_NOACCT_CONTACT = lead_id(10)
L_AMBIGUOUS = lead_id(11)
L_INITECH = lead_id(12)  # matches Account Initech only
L_TO_PENDING_CONTACT = lead_id(13)
L_TO_PENDING_ACCOUNT = lead_id(14)
FRESH_MANY = [lead_id(100 + i) for i in range(60)]  # plain new leads for mass/bulk tests

PIPELINES = {
    "Standard": ["Qualification", "Proposal", "Closed Won", "Closed Lost"],
    "Partner": ["Registration", "Commit", "Closed Won", "Closed Lost"],
}


def _lead(n: str, last: str, **fields: Any) -> dict[str, Any]:
    return {"id": n, "Last_Name": last, "First_Name": "T", "Owner": {"id": U_ACTIVE}, **fields}


def org_records() -> dict[str, Any]:
    """The hand-built org as `make_org` keyword arguments."""
    accounts = [
        {"id": A_ACME, "Account_Name": "Acme Corp"},
        {"id": A_GLOBEX_LOCKED, "Account_Name": "Globex", "Locked__s": True},
        {"id": A_INITECH, "Account_Name": "Initech"},
        {"id": A_UMBRELLA_PENDING, "Account_Name": "Umbrella", "$approval_state": "pending"},
    ]
    contacts = [
        {
            "id": C_PAT,
            "First_Name": "Pat",
            "Last_Name": "Boyle",
            "Email": "pat@acme.com",
            "Account_Name": {"id": A_ACME, "name": "Acme Corp"},
        },
        {"id": C_LOCKED, "Last_Name": "Locked", "Email": "locked@x.com", "Locked__s": True},
        {"id": C_PHONE, "Last_Name": "Phoneman", "Phone": "5550001"},
        {"id": C_NOACCT, "Last_Name": "Noacct", "Email": "noacct@x.com"},
        {
            "id": C_TWO_A,
            "Last_Name": "TwoA",
            "Email": "two@x.com",
            "Account_Name": {"id": A_INITECH, "name": "Initech"},
        },
        {"id": C_TWO_B, "Last_Name": "TwoB", "Email": "two@x.com"},
        {
            "id": C_PENDING,
            "Last_Name": "Pending",
            "Email": "pending@x.com",
            "$approval_state": "pending",
        },
    ]
    leads = [
        _lead(L_FRESH, "Fresh", Company="Newco", Email="fresh@newco.com", Tag=["VIP"]),
        _lead(L_PAT, "Boyle", Company="Acme Corp", Email="pat@acme.com"),
        _lead(L_LOCKED, "Locked", Company="Lockco", Locked__s=True),
        _lead(L_PENDING, "Pending", Company="Pendco", **{"$approval_state": "pending"}),
        _lead(L_CONVERTED, "Done", Company="Doneco", Converted__s=True),
        _lead(L_TO_LOCKED_CONTACT, "ToLocked", Email="locked@x.com", Company="Lc"),
        _lead(L_TO_LOCKED_ACCOUNT, "ToGlobex", Company="Globex", Email="g@globex.com"),
        _lead(L_PHONE_DUP, "Phoneman", Phone="5550001", Company="Phoneco"),
        _lead(L_NO_COMPANY, "Nocomp", Email="nocomp@x.com"),
        _lead(L_TO_NOACCT_CONTACT, "Noacct", Email="noacct@x.com", Company="Zeta"),
        _lead(L_AMBIGUOUS, "Two", Email="two@x.com", Company="Twoco"),
        _lead(L_INITECH, "Ini", Company="Initech", Email="i@initech.com"),
        _lead(L_TO_PENDING_CONTACT, "ToPending", Email="pending@x.com", Company="Pc"),
        _lead(L_TO_PENDING_ACCOUNT, "ToUmbrella", Company="Umbrella", Email="u@umbrella.com"),
    ]
    leads += [
        _lead(n, f"Many{i}", Company=f"Many Co {i}", Email=f"many{i}@many.com")
        for i, n in enumerate(FRESH_MANY)
    ]
    org = {
        "users": [
            {"id": U_ACTIVE, "full_name": "Ava Active", "email": "ava@x.com", "status": "active"},
            {
                "id": U_INACTIVE,
                "full_name": "Ivan Inactive",
                "email": "ivan@x.com",
                "status": "inactive",
            },
        ],
        "unique_fields": {"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
        "pipelines": PIPELINES,
        "edition": "enterprise",
    }
    return {"leads": leads, "contacts": contacts, "accounts": accounts, "org": org}


def client_for(sb: Sandbox, **kwargs: Any) -> CRMClient:
    """A real client talking HTTP to the sandbox (short retry waits)."""
    retry = RetryPolicy(base_delay=0.01, max_delay=0.2, max_attempts=8)
    options: dict[str, Any] = {"progress": False, "retry": retry, **kwargs}
    return connect(sandbox=sb, **options)


@pytest.fixture
def org_dir(make_org: Callable[..., Path]) -> Path:
    return make_org(**org_records(), name="conversion_org")


@pytest.fixture
def org_sb(small_sandbox: Callable[..., Sandbox], org_dir: Path) -> Sandbox:
    """A fresh sandbox on the hand-built org (per test: conversions change it)."""
    return small_sandbox(org_dir)


@pytest.fixture
def client(org_sb: Sandbox) -> Iterator[CRMClient]:
    c = client_for(org_sb)
    yield c
    c.close()


@pytest.fixture(scope="module")
def shared_sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox per test module on the hand-built org, for tests that convert nothing."""
    from crmkit.sandbox.loader import write_data_dir

    path = write_data_dir(tmp_path_factory.mktemp("org") / "org", **org_records())
    with Sandbox(path) as sb:
        yield sb


@pytest.fixture(scope="module")
def shared_client(shared_sb: Sandbox) -> Iterator[CRMClient]:
    c = client_for(shared_sb)
    yield c
    c.close()
