"""Which Contacts and Accounts a lead matches, and by which field (zoho-api.md §4).

This is the sandbox's own reading of Zoho's rules; crmkit's predictor implements them again on
frames, and the agreement tests hold the two together — so neither imports the other. Matching
reads the store's value index (`Store.find`), one field at a time; a module's candidates are the
union of what each field of its list matched. The same matches feed the options answer
(`options.py`) and the conversion, which accepts only a listed candidate as merge target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crmkit.sandbox.loader import Record, full_name
from crmkit.sandbox.org import Org
from crmkit.sandbox.store import Store


@dataclass
class FieldHit:
    field: str
    lead_value: str
    ids: list[str]
    route: str  # unique | email | company | name


@dataclass
class Matches:
    contacts: list[FieldHit] = field(default_factory=list)
    accounts: list[FieldHit] = field(default_factory=list)

    @staticmethod
    def _ids(hits: list[FieldHit]) -> list[str]:
        seen = {i for h in hits for i in h.ids}
        return sorted(seen, key=int, reverse=True)  # newest first, as in Zoho's sample

    @property
    def contact_ids(self) -> list[str]:
        return self._ids(self.contacts)

    @property
    def account_ids(self) -> list[str]:
        return self._ids(self.accounts)


@dataclass(frozen=True)
class MatchField:
    """One field of a module's list: compare lead `lead_field` with the target's `target`."""

    target: str
    casesensitive: bool
    lead_field: str
    route: str


def match_fields(org: Org, module: str) -> list[MatchField]:
    """The fields `module` (Contacts or Accounts) matches on, in preference order.

    The unique fields first (each compared with the lead field mapped to it), then the built-in
    rule — Email for Contacts, Account_Name vs Company for Accounts — unless a unique entry already
    names that field, in which case it takes the built-in's place and case flag.
    """
    target, lead_field = ("Email", "Email") if module == "Contacts" else ("Account_Name", "Company")
    out: list[MatchField] = []
    for u in org.unique_fields(module):
        lf = lead_field if u.api_name == target else org.source_field(module, u.api_name)
        if lf is not None:
            out.append(MatchField(u.api_name, u.casesensitive, lf, "unique"))
    if all(m.target != target for m in out) and org.has_field(module, target):
        route = "email" if module == "Contacts" else "company"
        out.append(MatchField(target, False, lead_field, route))
    return out


def _hits(store: Store, org: Org, module: str, lead: Record) -> list[FieldHit]:
    hits = []
    for m in match_fields(org, module):
        value = lead.get(m.lead_field)
        if not isinstance(value, str) or not org.has_field("Leads", m.lead_field):
            continue
        if not value.strip():
            continue
        ids = store.find(module, m.target, value, casesensitive=m.casesensitive)
        if ids:
            hits.append(FieldHit(m.target, value, ids, m.route))
    return hits


def _name_hit(store: Store, org: Org, lead: Record) -> FieldHit | None:
    """Lead Full_Name vs Contact Full_Name: asked only when the Contacts list matched nothing."""
    name = lead.get("Full_Name") or full_name(lead)
    if not isinstance(name, str) or not name.strip() or not org.has_field("Contacts", "Full_Name"):
        return None
    ids = store.find("Contacts", "Full_Name", name)
    return FieldHit("Full_Name", name, ids, "name") if ids else None


def match_lead(store: Store, org: Org, lead: Record) -> Matches:
    """Which Contacts and Accounts a lead matches, and by which fields (union per module)."""
    m = Matches(contacts=_hits(store, org, "Contacts", lead))
    if not m.contacts:
        by_name = _name_hit(store, org, lead)
        if by_name is not None:
            m.contacts.append(by_name)
    # no Accounts, or no Company on Leads: no account matching at all, unique fields included
    if not org.removed("Accounts") and org.has_field("Leads", "Company"):
        m.accounts = _hits(store, org, "Accounts", lead)
    return m


def module_preference(org: Org, m: Matches) -> str:
    """Contacts when a contact matched — unless only Accounts has unique fields and matched."""
    if m.accounts and not org.unique_fields("Contacts") and org.unique_fields("Accounts"):
        return "Accounts"
    return "Contacts" if m.contacts else "Accounts"
