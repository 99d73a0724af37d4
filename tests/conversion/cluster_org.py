"""An org whose open leads duplicate each other: person twins, colleagues, a cluster with a match.

Used by the tests of plans that reference each other (builder, validation, execution, CLI). Each
situation has its own leads; names say what they are for. Nothing in Contacts/Accounts matches
the twins or the colleagues, so only lead-to-lead clustering can keep the batch from duplicating.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from crmkit.sandbox import Sandbox

OWNER = "1000000000000000901"
C_EXISTING = "3000000000000000101"  # Email ex@exco.com, Account Exco
A_EXISTING = "2000000000000000101"  # Exco


def lid(n: int) -> str:
    return f"71000000000{n:08d}"


# Person twins: same Email (case, spaces), same Company; T1 is the more complete (the anchor).
T1, T2 = lid(1), lid(2)
# Twins by the unique Phone only (no Email on the second), no Company.
P1, P2 = lid(3), lid(4)
# Colleagues of one Company (spelled with other case and spaces), each their own person.
K1, K2, K3 = lid(5), lid(6), lid(7)
# A person cluster where one member matches an existing Contact (by Email).
E1, E2 = lid(8), lid(9)
# A company cluster with a person pair inside it (mixed): M1~M2 same person, M3 a colleague.
M1, M2, M3 = lid(10), lid(11), lid(12)
# Name-only twins (review tier: warned, never merged).
N1, N2 = lid(13), lid(14)
# Plain leads, alone (Mass Convert fodder).
SOLO = [lid(100 + i) for i in range(6)]

ALL = [T1, T2, P1, P2, K1, K2, K3, E1, E2, M1, M2, M3, N1, N2, *SOLO]


def _lead(n: str, first: str, last: str, **fields: Any) -> dict[str, Any]:
    return {"id": n, "First_Name": first, "Last_Name": last, "Owner": {"id": OWNER}, **fields}


def cluster_org() -> dict[str, Any]:
    """The org as `make_org` / `small_sandbox` keyword arguments."""
    leads = [
        _lead(
            T1,
            "Tia",
            "Twin",
            Email="tia@twinco.com",
            Company="Twinco",
            City="Oslo",
            Created_Time="2024-01-01T10:00:00+00:00",
        ),
        _lead(
            T2,
            "Tia",
            "Twin",
            Email=" TIA@Twinco.com ",
            Company="twinco",
            Created_Time="2024-02-01T10:00:00+00:00",
        ),
        _lead(P1, "Pia", "Phone", Phone="5557001", Email="pia@one.com"),
        _lead(P2, "Pia", "Fone", Phone="5557001"),
        _lead(
            K1,
            "Kim",
            "One",
            Email="kim@colleague.com",
            Company="Colleague Corp",
            Website="colleague.com",
            Created_Time="2024-01-01T10:00:00+00:00",
        ),
        _lead(K2, "Kai", "Two", Email="kai@colleague.com", Company=" colleague corp"),
        _lead(K3, "Kit", "Three", Email="kit@colleague.com", Company="COLLEAGUE CORP"),
        _lead(E1, "Eve", "Ex", Email="ex@exco.com", Company="Exco"),
        _lead(E2, "Eva", "Ex", Email="EX@exco.com", Company="Exco", City="Rome"),
        _lead(M1, "Mo", "Mix", Email="mo@mixco.com", Company="Mixco", City="Bern"),
        _lead(M2, "Mo", "Mix", Email="mo@mixco.com", Company="Mixco"),
        _lead(M3, "Max", "Other", Email="max@mixco.com", Company="Mixco"),
        _lead(N1, "Nia", "Name", Email="nia@a.com", Company="Na One"),
        _lead(N2, "Nia", "Name", Email="nia@b.com", Company="Na Two"),
    ]
    leads += [
        _lead(n, "Solo", f"S{i}", Email=f"solo{i}@solo.com", Company=f"Solo Co {i}")
        for i, n in enumerate(SOLO)
    ]
    contacts = [
        {
            "id": C_EXISTING,
            "First_Name": "Eve",
            "Last_Name": "Ex",
            "Email": "ex@exco.com",
            "Account_Name": {"id": A_EXISTING, "name": "Exco"},
        }
    ]
    accounts = [{"id": A_EXISTING, "Account_Name": "Exco"}]
    org = {
        "users": [{"id": OWNER, "full_name": "Ava", "email": "ava@x.com"}],
        "unique_fields": {"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
        "edition": "enterprise",
    }
    return {"leads": leads, "contacts": contacts, "accounts": accounts, "org": org}


def assert_no_batch_duplicates(sb: Sandbox, planned: list[str]) -> None:
    """From the sandbox's own records: no two Contacts share an Email or the unique Phone, no two
    Accounts share a name (as Zoho compares them), every planned lead converted exactly once."""
    from crmkit import connect

    with connect(sandbox=sb, progress=False) as client:
        contacts = list(client.records("Contacts", ["Email", "Phone", "Account_Name"]))
        accounts = list(client.records("Accounts", ["Account_Name"]))
        leads = {i: client.get_record("Leads", i, converted="both") for i in planned}

    def fold(value: object) -> str | None:
        text = str(value).strip().casefold() if isinstance(value, str) else ""
        return text or None

    for what, values in (
        ("Contacts Email", [fold(c.get("Email")) for c in contacts]),
        ("Contacts Phone", [fold(c.get("Phone")) for c in contacts]),
        ("Account names", [fold(a.get("Account_Name")) for a in accounts]),
    ):
        repeated = {v: n for v, n in Counter(v for v in values if v).items() if n > 1}
        assert not repeated, f"{what} repeated: {repeated}"
    not_converted = [i for i, rec in leads.items() if not (rec or {}).get("Converted__s")]
    assert not not_converted, f"planned leads not converted: {not_converted}"
