"""Static facts about the emulated org: standard fields, the default lead field mapping, limits.

Kept apart from the rules so that metadata endpoints (settings/fields) and the conversion rules read
the same truth: a field whose metadata says `phone` is the field conversion copies and matches on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MODULES: Final = ("Leads", "Contacts", "Accounts", "Deals")
# Stable module ids, shaped like Zoho's (19 digits).
MODULE_IDS: Final = {
    "Leads": "4876876000000002175",
    "Contacts": "4876876000000002179",
    "Accounts": "4876876000000002177",
    "Deals": "4876876000000002181",
}
SINGULAR: Final = {"Leads": "Lead", "Contacts": "Contact", "Accounts": "Account", "Deals": "Deal"}


@dataclass(frozen=True)
class FieldDef:
    """One standard field: its API name, Zoho data type and, for lookups, the module looked up."""

    api_name: str
    data_type: str
    system_mandatory: bool = False
    read_only: bool = False
    lookup: str | None = None
    length: int = 255


def _f(name: str, dtype: str = "text", **kw: object) -> FieldDef:
    return FieldDef(name, dtype, **kw)  # type: ignore[arg-type]


_COMMON_TAIL = (
    _f("Owner", "ownerlookup", lookup="users"),
    _f("Created_Time", "datetime", read_only=True),
    _f("Modified_Time", "datetime", read_only=True),
    _f("Tag", "text"),
    _f("Locked__s", "boolean", read_only=True),
    _f("Description", "textarea", length=32000),
)

STANDARD_FIELDS: Final[dict[str, tuple[FieldDef, ...]]] = {
    "Leads": (
        _f("First_Name"),
        _f("Last_Name", system_mandatory=True),
        _f("Full_Name", read_only=True),
        _f("Email", "email"),
        _f("Secondary_Email", "email"),
        _f("Phone", "phone", length=30),
        _f("Mobile", "phone", length=30),
        _f("Fax", "phone", length=30),
        _f("Company"),
        _f("Designation"),
        _f("Website", "website"),
        _f("Lead_Source", "picklist"),
        _f("Lead_Status", "picklist"),
        _f("Industry", "picklist"),
        _f("Annual_Revenue", "currency", length=16),
        _f("No_of_Employees", "integer", length=9),
        _f("Street"),
        _f("City"),
        _f("State"),
        _f("Zip_Code"),
        _f("Country"),
        _f("Converted__s", "boolean", read_only=True),
        _f("Converted_Date_Time", "datetime", read_only=True),
        _f("Record_Status__s", "picklist", read_only=True),
        *_COMMON_TAIL,
    ),
    "Contacts": (
        _f("First_Name"),
        _f("Last_Name", system_mandatory=True),
        _f("Full_Name", read_only=True),
        _f("Email", "email"),
        _f("Secondary_Email", "email"),
        _f("Phone", "phone", length=30),
        _f("Mobile", "phone", length=30),
        _f("Fax", "phone", length=30),
        _f("Home_Phone", "phone", length=30),
        _f("Other_Phone", "phone", length=30),
        _f("Title"),
        _f("Department"),
        _f("Lead_Source", "picklist"),
        _f("Account_Name", "lookup", lookup="Accounts"),
        _f("Mailing_Street"),
        _f("Mailing_City"),
        _f("Mailing_State"),
        _f("Mailing_Zip"),
        _f("Mailing_Country"),
        _f("Data_Processing_Basis", "picklist"),
        _f("Record_Status__s", "picklist", read_only=True),
        *_COMMON_TAIL,
    ),
    "Accounts": (
        _f("Account_Name", system_mandatory=True),
        _f("Phone", "phone", length=30),
        _f("Fax", "phone", length=30),
        _f("Website", "website"),
        _f("Industry", "picklist"),
        _f("Account_Type", "picklist"),
        _f("Annual_Revenue", "currency", length=16),
        _f("Employees", "integer", length=9),
        _f("Billing_Street"),
        _f("Billing_City"),
        _f("Billing_State"),
        _f("Billing_Code"),
        _f("Billing_Country"),
        _f("Layout", "lookup", read_only=True, lookup="layouts"),
        _f("Data_Processing_Basis", "picklist"),
        _f("Record_Status__s", "picklist", read_only=True),
        *_COMMON_TAIL,
    ),
    "Deals": (
        _f("Deal_Name", system_mandatory=True),
        _f("Stage", "picklist", system_mandatory=True),
        _f("Pipeline", "picklist"),
        _f("Closing_Date", "date"),
        _f("Amount", "currency", length=16),
        _f("Probability", "integer", length=3),
        _f("Type", "picklist"),
        _f("Lead_Source", "picklist"),
        _f("Account_Name", "lookup", lookup="Accounts"),
        _f("Contact_Name", "lookup", lookup="Contacts"),
        _f("Record_Status__s", "picklist", read_only=True),
        *_COMMON_TAIL,
    ),
}

PICKLISTS: Final[dict[str, tuple[str, ...]]] = {
    "Lead_Source": (
        "Advertisement",
        "Cold Call",
        "Employee Referral",
        "External Referral",
        "Online Store",
        "Partner",
        "Public Relations",
        "Sales Email Alias",
        "Seminar Partner",
        "Internal Seminar",
        "Trade Show",
        "Web Download",
        "Web Research",
        "Chat",
    ),
    "Lead_Status": (
        "Attempted to Contact",
        "Contact in Future",
        "Contacted",
        "Junk Lead",
        "Lost Lead",
        "Not Contacted",
        "Pre-Qualified",
        "Not Qualified",
    ),
    "Industry": (
        "ASP (Application Service Provider)",
        "Data/Telecom OEM",
        "ERP (Enterprise Resource Planning)",
        "Government/Military",
        "Large Enterprise",
        "ManagementISV",
        "MSP (Management Service Provider)",
        "Network Equipment Enterprise",
        "Non-management ISV",
        "Optical Networking",
        "Service Provider",
        "Small/Medium Enterprise",
        "Storage Equipment",
        "Storage Service Provider",
        "Systems Integrator",
        "Wireless Industry",
    ),
    "Account_Type": ("Analyst", "Competitor", "Customer", "Distributor", "Investor", "Partner"),
    "Type": ("New Business", "Existing Business"),
    # the lawful basis of GDPR compliance (Contacts and Accounts candidates carry it)
    "Data_Processing_Basis": (
        "Not Applicable",
        "Legitimate Interests",
        "Contract",
        "Legal Obligation",
        "Vital Interests",
        "Public Interest",
        "Obtained",
        "Not Responded",
    ),
    "Record_Status__s": ("Available", "Draft", "Trash"),
}
# Zoho's standard pipeline of every new org (the Kaizen 137 article's Deal names it), with its
# stage list: what an org without `pipelines` in org.json has.
STANDARD_PIPELINE: Final = "Standard (Standard)"
DEFAULT_STAGES: Final = (
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
    "Closed-Lost to Competition",
)

# Lead field -> {target module: target field}: Zoho's default conversion mapping.
DEFAULT_CONVERT_MAPPING: Final[dict[str, dict[str, str]]] = {
    "First_Name": {"Contacts": "First_Name"},
    "Last_Name": {"Contacts": "Last_Name"},
    "Email": {"Contacts": "Email"},
    "Secondary_Email": {"Contacts": "Secondary_Email"},
    "Phone": {"Contacts": "Phone", "Accounts": "Phone"},
    "Mobile": {"Contacts": "Mobile"},
    "Fax": {"Contacts": "Fax", "Accounts": "Fax"},
    "Designation": {"Contacts": "Title"},
    "Lead_Source": {"Contacts": "Lead_Source", "Deals": "Lead_Source"},
    "Company": {"Accounts": "Account_Name"},
    "Website": {"Accounts": "Website"},
    "Industry": {"Accounts": "Industry"},
    "Annual_Revenue": {"Accounts": "Annual_Revenue"},
    "No_of_Employees": {"Accounts": "Employees"},
    "Street": {"Contacts": "Mailing_Street", "Accounts": "Billing_Street"},
    "City": {"Contacts": "Mailing_City", "Accounts": "Billing_City"},
    "State": {"Contacts": "Mailing_State", "Accounts": "Billing_State"},
    "Zip_Code": {"Contacts": "Mailing_Zip", "Accounts": "Billing_Code"},
    "Country": {"Contacts": "Mailing_Country", "Accounts": "Billing_Country"},
    "Description": {"Contacts": "Description"},
}
# Fields never copied by conversion (system-managed on each record).
NOT_COPIED: Final = frozenset(
    {
        "id",
        "Owner",
        "Created_Time",
        "Modified_Time",
        "Tag",
        "Locked__s",
        "Full_Name",
        "Converted__s",
        "Converted_Date_Time",
        "Record_Status__s",
        "$approval_state",
        "$converted_detail",
        "Layout",
    }
)
BOOLEAN_FIELDS: Final = frozenset({"Locked__s", "Converted__s"})
APPROVAL_STATES: Final = frozenset(
    {
        "approved",
        "draft",
        "pending",
        "rejected",
        "approval_process_pending",
        "approval_process_rejected",
        "review_process_pending",
        "review_process_rejected",
    }
)

# Zoho's limits (edition concurrency, sub-concurrency, daily credits), copied here ON PURPOSE.
# The sandbox is an independent emulator of Zoho: it never imports crmkit's client, whose own copy
# (crmkit/api/limits.py) is what crmkit enforces on itself. Two copies written from zoho-api.md §7
# let the tests catch either side drifting from Zoho; one shared table would hide that.
EDITIONS: Final = ("free", "standard", "professional", "enterprise", "ultimate")
CONCURRENCY: Final = {
    "free": 5,
    "standard": 10,
    "professional": 15,
    "enterprise": 20,
    "ultimate": 25,
}
SUB_CONCURRENCY: Final = 10


def daily_credits(edition: str, n_users: int) -> int | None:
    """Credits per rolling 24 h (zoho-api.md §7); None means unlimited."""
    if edition == "free":
        return 5_000
    per_user = {"standard": 250, "professional": 500, "enterprise": 1_000}.get(edition)
    cap = {"standard": 100_000, "professional": 3_000_000, "enterprise": 5_000_000}.get(edition)
    if per_user is None or cap is None:
        return None
    return min(50_000 + per_user * n_users, cap)


def standard_field(module: str, api_name: str) -> FieldDef | None:
    for fd in STANDARD_FIELDS[module]:
        if fd.api_name == api_name:
            return fd
    return None


# -- ids: Zoho-shaped (19 digits: the org's prefix, zeros, a sequence number), stable per org ---
# Zoho's ids read like 4876876000000002179: a per-org prefix, then a counter. The sandbox numbers
# its metadata the same way, from positions that only the data directory decides (catalog order,
# custom columns, org.json's layouts and tags), so an id is the same on every call and restart.
ORG_ID_PREFIX: Final = "4876876"
_MODULE_NO: Final = {"Leads": 1, "Contacts": 2, "Accounts": 3, "Deals": 4}
_STANDARD_FIELD_BASE = 3_000  # + module * 100 + position in STANDARD_FIELDS
_CUSTOM_FIELD_BASE = 300_000  # + module * 10,000 + position among the module's custom fields
_LAYOUT_BASE = 91_000  # + module * 100 + position in the module's layouts
_PICK_BASE = 5_000_000  # + module * 10,000 + field position * 100 + value position
_TAG_BASE = 700_000
_ROLE_BASE = 800_000
_PROFILE_BASE = 810_000
_CONTACT_ROLE_BASE = 820_000
PROFILES: Final = ("Administrator", "Standard")


def zoho_id(sequence: int) -> str:
    """A 19-digit id shaped like Zoho's: the org prefix, then `sequence` zero-padded."""
    return f"{ORG_ID_PREFIX}{sequence:012d}"


def field_id(module: str, api_name: str, custom: tuple[str, ...] | list[str] = ()) -> str:
    """The field's id: standard fields by catalog position, custom ones by column position."""
    no = _MODULE_NO[module]
    for i, fd in enumerate(STANDARD_FIELDS[module]):
        if fd.api_name == api_name:
            return zoho_id(_STANDARD_FIELD_BASE + no * 100 + i)
    others = [c for c in custom if standard_field(module, c) is None]
    j = others.index(api_name) if api_name in others else len(others)
    return zoho_id(_CUSTOM_FIELD_BASE + no * 10_000 + j)


def layout_id(module: str, position: int) -> str:
    return zoho_id(_LAYOUT_BASE + _MODULE_NO[module] * 100 + position)


def pick_id(module: str, api_name: str, position: int) -> str:
    """A picklist value's id, from the field's catalog position and the value's position."""
    names = [fd.api_name for fd in STANDARD_FIELDS[module]]
    i = names.index(api_name) if api_name in names else 99
    return zoho_id(_PICK_BASE + _MODULE_NO[module] * 10_000 + i * 100 + position)


def tag_id(position: int) -> str:
    return zoho_id(_TAG_BASE + position)


def role_id(position: int) -> str:
    return zoho_id(_ROLE_BASE + position)


def profile_id(name: str) -> str:
    return zoho_id(_PROFILE_BASE + PROFILES.index(name))


def contact_role_id(position: int) -> str:
    """A Contact Role's id, from its position in the org's list (from 1)."""
    return zoho_id(_CONTACT_ROLE_BASE + position)


# -- references: how answers name a module, field or layout (the same id on every call) ----------
def module_ref(module: str) -> dict[str, str]:
    return {"api_name": module, "id": MODULE_IDS[module]}


def layout_ref(module: str, name: str, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`{"name", "id"}` of layout `name` among the module's layouts `names` (org.json order)."""
    position = list(names).index(name) if name in names else len(names)
    return {"name": name, "id": layout_id(module, position)}
