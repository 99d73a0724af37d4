"""Converting one lead per Zoho's rules (zoho-api.md §5): checks first, then the writes.

`convert_lead` reads as the steps Zoho takes. Every check — the lead, the new owner, the merge
targets, the deal, duplicates, where attachments and tags can go — runs before the first write, and
all of it runs in one store transaction, so a refused conversion changes nothing (not even the id
counter). Single convert and each lead of a mass convert take this same path; only where errors
sit in the body differs (`in_data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crmkit.sandbox.bodies import ConvertRequest, validate_deal
from crmkit.sandbox.catalog import module_ref
from crmkit.sandbox.exceptions import (
    DuplicateData,
    IdAlreadyConverted,
    InvalidData,
    NotApproved,
    RecordLocked,
    contacts_unavailable,
)
from crmkit.sandbox.leads import check_lead_state, lead_for_action
from crmkit.sandbox.loader import Record, full_name
from crmkit.sandbox.mapping import carried_values, merge_changes
from crmkit.sandbox.matching import match_lead
from crmkit.sandbox.notify import Outbox
from crmkit.sandbox.org import Org, UniqueField, User
from crmkit.sandbox.roles import role_by_id, role_relation
from crmkit.sandbox.store import Store, fold

Tags = list[dict[str, str]]


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class Outcome:
    """The records a lead became, and which of them the conversion created."""

    contact: Record
    account: Record | None
    deal: Record | None
    contact_created: bool
    account_created: bool

    def details(self) -> dict[str, Any]:
        """`{"Contacts": ref, "Deals": ref, "Accounts": ref}` as the convert answer names them."""

        def ref(rec: Record | None, name_key: str) -> dict[str, Any] | None:
            return None if rec is None else {"name": rec.get(name_key), "id": rec["id"]}

        return {
            "Contacts": ref(self.contact, "Full_Name"),
            "Deals": ref(self.deal, "Deal_Name"),
            "Accounts": ref(self.account, "Account_Name"),
        }

    def created(self) -> dict[str, Any]:
        """The part of `details()` made new (a deal always is; merged records are not)."""
        new = {
            "Contacts": self.contact_created,
            "Accounts": self.account_created,
            "Deals": True,
        }
        return {k: v for k, v in self.details().items() if v is not None and new[k]}


@dataclass(frozen=True)
class _Blame:
    """Errors about the body: `json_path` under the request's root, inside `data[]` or bare."""

    root: str
    in_data: bool

    def invalid(self, api_name: str, at: str | None = None) -> InvalidData:
        path = f"{self.root}.{at or api_name}"
        return InvalidData({"api_name": api_name, "json_path": path}, in_data=self.in_data)

    def check_target(self, module: str, rec: Record, *, via: str | None = None) -> None:
        """A merge target must be neither locked nor unapproved (locked is answered first).

        `via`: the body key that reached the record (a merged Contact brings its Account).
        """
        details = {"api_name": module, "id": rec["id"], "json_path": f"{self.root}.{via or module}"}
        if rec.get("Locked__s"):
            raise RecordLocked(details, in_data=self.in_data)
        if rec.get("$approval_state", "approved") != "approved":
            raise NotApproved(details, in_data=self.in_data)


def convert_lead(
    store: Store,
    org: Org,
    lead_id: str,
    req: ConvertRequest,
    outbox: Outbox,
    *,
    in_data: bool = True,
) -> Outcome:
    """Convert one lead per Zoho's rules; raises ApiError and changes nothing on any failure."""
    blame = _Blame(req.json_root, in_data)
    with store.transaction():
        # checks, in Zoho's order; new records get their ids here but are not stored yet
        lead = _convertible_lead(store, org, lead_id)
        owner = _new_owner(org, lead, req, blame)
        contact, account = _merge_targets(store, org, lead, req, blame)
        deal_fields = None
        if req.deal is not None:
            deal_fields = validate_deal(org, req.deal, req.json_root, in_data=in_data)
        account, company, rename = _account_to_link(store, org, lead, req, contact, account)
        if account is not None and contact is not None and req.account_id is None:
            blame.check_target("Accounts", account, via="Contacts")  # reached through the Contact
        if rename is not None:
            assert account is not None
            _check_rename(store, org, account, rename, blame)
        ts = now_iso()
        new_contact = None
        if contact is None:
            new_contact = _fresh(store, org, "Contacts", lead, owner, ts, blame)
        new_account = None
        if company is not None:
            new_account = _fresh(store, org, "Accounts", lead, owner, ts, blame, company)
            account = new_account
        merged = _merge_updates(store, org, lead, contact, None if new_account else account)
        yields = {
            "Contacts": True,
            "Accounts": account is not None,
            "Deals": deal_fields is not None,
        }
        tags = _tag_plan(lead, req, yields, blame)
        # writes
        if rename is not None:
            assert account is not None
            _rename_account(store, account, rename, ts)
        _link_account(store, account, tags, ts, merged, created=new_account is not None)
        if new_contact is not None:
            contact = new_contact
        assert contact is not None
        _link_contact(store, contact, account, tags, ts, merged, created=new_contact is not None)
        deal = None
        if deal_fields is not None:
            deal = _new_deal(store, org, lead, owner, ts, deal_fields, contact, account, tags)
        outcome = Outcome(contact, account, deal, new_contact is not None, new_account is not None)
        _mark_converted(store, org, lead, outcome, req.move_attachments_to, ts, req.related_modules)
    outbox.conversion(
        lead,
        outcome.details(),
        outcome.created(),
        lead_owner=org.owner_of(lead) if req.notify_lead_owner else None,
        new_owner=owner if req.notify_new_entity_owner else None,
        ts=ts,
    )
    return outcome


# -- checks ---------------------------------------------------------------------------------------
def _convertible_lead(store: Store, org: Org, lead_id: str) -> Record:
    """The lead, if this org can convert it: URL errors are bare, like Zoho's."""
    lead = lead_for_action(store, lead_id)
    if lead.get("Converted__s"):
        raise IdAlreadyConverted({"resource_path_index": 1})
    if org.removed("Contacts"):
        raise contacts_unavailable()
    check_lead_state(lead)
    return lead


def _new_owner(org: Org, lead: Record, req: ConvertRequest, blame: _Blame) -> User:
    """Owner of the records created: `assign_to` (an active user) or the lead's owner."""
    if req.assign_to is None:
        return org.owner_of(lead)
    assignee = org.active_user(req.assign_to)
    if assignee is None:
        raise blame.invalid("assign_to")
    return assignee


def _merge_targets(
    store: Store, org: Org, lead: Record, req: ConvertRequest, blame: _Blame
) -> tuple[Record | None, Record | None]:
    """The contact and account the body asks to merge into: candidates of the lead, usable.

    With both given, the contact must belong to that account.
    """
    options = match_lead(store, org, lead)
    contact: Record | None = None
    account: Record | None = None
    if req.contact_id is not None:
        if req.contact_id not in options.contact_ids:
            raise blame.invalid("Contacts")
        contact = store.get("Contacts", req.contact_id)
        assert contact is not None
        blame.check_target("Contacts", contact)
    if req.account_id is not None:
        if org.removed("Accounts") or req.account_id not in options.account_ids:
            raise blame.invalid("Accounts")
        account = store.get("Accounts", req.account_id)
        assert account is not None
        blame.check_target("Accounts", account)
    if (
        contact is not None
        and account is not None
        and (contact.get("Account_Name") or {}).get("id") != account["id"]
    ):
        raise blame.invalid("Accounts")
    return contact, account


def _account_to_link(
    store: Store,
    org: Org,
    lead: Record,
    req: ConvertRequest,
    contact: Record | None,
    account: Record | None,
) -> tuple[Record | None, str | None, str | None]:
    """(existing account to link; Company to make a new account from; new name of the linked one).

    A merged contact brings its own account, always (no new account, the contact is not moved).
    `overwrite` (the Kaizen 137 article): true "overwrites the Contact's Account name with the
    Lead's company name" — the contact's account is renamed to the Company when the names differ
    (case-insensitively); false "leaves the existing Account name unchanged". A contact without an
    account, or a new contact, gets a new account from the Company (never an automatic merge by
    name). An Account chosen directly is never renamed. No Accounts module: no account at all.
    """
    company = lead.get("Company") if org.has_field("Leads", "Company") else None
    company = company if isinstance(company, str) and company.strip() else None
    if org.removed("Accounts"):
        return None, None, None
    if contact is not None:
        current = contact.get("Account_Name")
        if current is None:
            return None, company, None
        linked = account or store.get("Accounts", current["id"])
        assert linked is not None
        differs = company is not None and fold(str(linked.get("Account_Name") or "")) != fold(
            company
        )
        return linked, None, company.strip() if req.overwrite and differs and company else None
    if account is None:
        return None, company, None
    return account, None, None


def _check_rename(store: Store, org: Org, account: Record, name: str, blame: _Blame) -> None:
    """Renaming an account (overwrite) must not repeat a unique Account_Name: DUPLICATE_DATA."""
    for u in org.unique_fields("Accounts"):
        if u.api_name != "Account_Name":
            continue
        holders = store.find("Accounts", "Account_Name", name, casesensitive=u.casesensitive)
        others = sorted((i for i in holders if i != account["id"]), key=int)
        if others:
            existing = store.get("Accounts", others[0]) or {}
            held_by = existing.get("Owner") or {}
            raise DuplicateData(
                {
                    "api_name": "Account_Name",
                    "json_path": blame.root,
                    "duplicate_record": {
                        "module": module_ref("Accounts"),
                        "id": existing.get("id"),
                        "Owner": {"name": held_by.get("name"), "id": held_by.get("id")},
                    },
                },
                in_data=blame.in_data,
            )


def _fresh(
    store: Store,
    org: Org,
    module: str,
    lead: Record,
    owner: User,
    ts: str,
    blame: _Blame,
    account_name: str | None = None,
) -> Record:
    """A new Contact or Account from the lead, refused if it repeats a unique-field value."""
    rec = _new_record(store, org, module, lead, owner, ts)
    if account_name is not None:
        rec["Account_Name"] = account_name
    _refuse_duplicates(store, org, module, rec, blame)
    return rec


def _merge_updates(
    store: Store, org: Org, lead: Record, contact: Record | None, account: Record | None
) -> dict[str, Record]:
    """The mapped lead values the merged contact and account take (`merge_overwrites`).

    A value that would repeat another record's unique-field value is left out (the record keeps
    its own): Zoho's documented merges succeed — the article merges Pat Boyle, whose Phone a
    second contact holds as a unique value, into the contact found by Email.
    """
    out: dict[str, Record] = {}
    for module, rec in (("Contacts", contact), ("Accounts", account)):
        if rec is None:
            continue
        changes = merge_changes(org, lead, rec, module)
        for u in org.unique_fields(module):
            value = changes.get(u.api_name)
            if isinstance(value, str) and _held_elsewhere(store, module, u, value, rec["id"]):
                del changes[u.api_name]
        if changes:
            out[module] = changes
    return out


def _held_elsewhere(store: Store, module: str, u: UniqueField, value: str, rid: str) -> bool:
    found = store.find(module, u.api_name, value, casesensitive=u.casesensitive)
    return any(i != rid for i in found)


def _refuse_duplicates(store: Store, org: Org, module: str, rec: Record, blame: _Blame) -> None:
    """DUPLICATE_DATA when a new record repeats a unique-field value another record holds."""
    for u in org.unique_fields(module):
        value = rec.get(u.api_name)
        if not isinstance(value, str) or not value.strip():
            continue
        ids = store.find(module, u.api_name, value, casesensitive=u.casesensitive)
        if ids:
            existing = store.get(module, sorted(ids, key=int)[0]) or {}  # the oldest holder
            held_by = existing.get("Owner") or {}
            raise DuplicateData(
                {
                    "api_name": u.api_name,
                    "json_path": blame.root,
                    "duplicate_record": {
                        "module": module_ref(module),
                        "id": existing.get("id"),
                        "Owner": {"name": held_by.get("name"), "id": held_by.get("id")},
                    },
                },
                in_data=blame.in_data,
            )


def _tag_plan(
    lead: Record, req: ConvertRequest, yields: dict[str, bool], blame: _Blame
) -> dict[str, Tags]:
    """Tags per target module; attachments and tags need a record there to go to."""
    if not yields[req.move_attachments_to]:
        raise blame.invalid("move_attachments_to")
    plan: dict[str, Tags] = {}
    lead_tags = {t["name"]: t for t in lead.get("Tag") or []}
    for module, names in (req.carry_over_tags or {}).items():
        if not yields[module] or any(n not in lead_tags for n in names):
            raise blame.invalid("carry_over_tags", f"carry_over_tags.{module}")
        plan[module] = [lead_tags[n] for n in names]
    for module in req.carry_all_tags_to:
        if yields.get(module):
            plan[module] = list(lead.get("Tag") or [])
    return plan


# -- writes ---------------------------------------------------------------------------------------
def _new_record(store: Store, org: Org, module: str, lead: Record, owner: User, ts: str) -> Record:
    """A record of `module` with the lead's mapped fields (its layout's mapping), a fresh id."""
    rec: Record = {"id": store.new_id(), **carried_values(org, lead, module)}
    rec["Owner"] = owner.owner_ref()
    rec["Created_Time"] = ts
    rec["Modified_Time"] = ts
    rec["Tag"] = []
    rec["Locked__s"] = False
    rec["$approval_state"] = "approved"
    if module == "Contacts":
        rec["Full_Name"] = full_name(rec)
    if module == "Accounts":
        rec["Layout"] = org.layout_ref(
            "Accounts", org.target_layout("Accounts", org.lead_layout(lead))
        )
    return rec


def _rename_account(store: Store, account: Record, name: str, ts: str) -> None:
    """`overwrite`: the account takes the lead's Company as its name; lookups naming it follow."""
    account["Account_Name"] = name
    account["Modified_Time"] = ts
    store.put("Accounts", account)
    for module in ("Contacts", "Deals"):
        linked = store.find(module, "Account_Name.id", account["id"], casesensitive=True)
        for rec in store.get_many(module, linked):
            rec["Account_Name"] = {**rec["Account_Name"], "name": name}
            store.put(module, rec)


def _add_tags(rec: Record, tags: Tags) -> None:
    have = {t["name"] for t in rec.get("Tag") or []}
    rec["Tag"] = list(rec.get("Tag") or []) + [t for t in tags if t["name"] not in have]


def _account_ref(account: Record | None) -> dict[str, Any] | None:
    return None if account is None else {"name": account["Account_Name"], "id": account["id"]}


def _link_account(
    store: Store,
    account: Record | None,
    tags: dict[str, Tags],
    ts: str,
    merged: dict[str, Record],
    *,
    created: bool,
) -> None:
    """Store a new account; an existing one only when it gains tags or mapped values."""
    if account is None:
        return
    if created:
        _add_tags(account, tags.get("Accounts", []))
        store.put("Accounts", account)
    elif tags.get("Accounts") or merged.get("Accounts"):
        _add_tags(account, tags.get("Accounts", []))
        account.update(merged.get("Accounts", {}))
        account["Modified_Time"] = ts
        store.put("Accounts", account)


def _link_contact(
    store: Store,
    contact: Record,
    account: Record | None,
    tags: dict[str, Tags],
    ts: str,
    merged: dict[str, Record],
    *,
    created: bool,
) -> None:
    """Store the contact, linked to the account; a merged one takes the mapped lead values."""
    acc_ref = _account_ref(account)
    if created:
        if acc_ref is not None:
            contact["Account_Name"] = acc_ref
    else:
        if acc_ref is not None:  # its own account (maybe renamed by overwrite), or a new one
            contact["Account_Name"] = acc_ref
        contact.update(merged.get("Contacts", {}))
        contact["Modified_Time"] = ts
    _add_tags(contact, tags.get("Contacts", []))
    store.put("Contacts", contact)


def _new_deal(
    store: Store,
    org: Org,
    lead: Record,
    owner: User,
    ts: str,
    deal_fields: dict[str, Any],
    contact: Record,
    account: Record | None,
    tags: dict[str, Tags],
) -> Record:
    """The deal from the lead and the body's Deals part, linked to the contact and account."""
    deal = _new_record(store, org, "Deals", lead, owner, ts)
    deal.update({k: v for k, v in deal_fields.items() if k != "Contact_Role"})
    deal["Contact_Name"] = {"name": contact.get("Full_Name"), "id": contact["id"]}
    acc_ref = _account_ref(account)
    if acc_ref is not None:
        deal["Account_Name"] = acc_ref
    role = role_by_id(org.contact_roles, str(deal_fields.get("Contact_Role") or ""))
    if role is not None:  # the Deal–Contact relation, as Zoho keeps it (roles.py)
        deal["$contact_roles"] = [role_relation(role, contact["id"])]
    _add_tags(deal, tags.get("Deals", []))
    store.put("Deals", deal)
    return deal


def _mark_converted(
    store: Store,
    org: Org,
    lead: Record,
    outcome: Outcome,
    attachments_to: str,
    ts: str,
    related: list[str],
) -> None:
    """Flag the lead converted and record what it became (`$converted_detail`)."""
    target = {"Contacts": outcome.contact, "Accounts": outcome.account, "Deals": outcome.deal}[
        attachments_to
    ]
    assert target is not None
    lead["Converted__s"] = True
    lead["Converted_Date_Time"] = ts
    lead["Modified_Time"] = ts
    lead["$converted_detail"] = {
        **outcome.details(),
        "converted_by": {"name": org.admin.full_name, "id": org.admin.id},
        "convert_date_time": ts,
        "move_attachments_to": {"api_name": attachments_to, "id": target["id"]},
    }
    if related:  # mass convert: the related lists that moved to the contact with the lead
        lead["$converted_detail"]["related_modules"] = [
            {"api_name": m, "moved_to": {"api_name": "Contacts", "id": outcome.contact["id"]}}
            for m in related
        ]
    store.put("Leads", lead)
