"""Typed requests and results of the Zoho CRM client.

Plain dataclasses, so the conversion engine can journal them (`to_payload()` is exactly the JSON
body sent) and the frames layer can flatten them without knowing the wire format. Ids are always
strings: Zoho ids exceed 2**53 and must never pass through a float, and every id is checked to be
a Zoho id (`crmkit.api.ids.zoho_id`: 1 to 19 ASCII digits) when a request is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from crmkit.api.ids import zoho_id

CONVERT_TARGET_MODULES = ("Contacts", "Accounts", "Deals")
MASS_CONVERT_MAX_IDS = 50
TERMINAL_MASS_CONVERT_STATES = frozenset({"COMPLETED", "FAILED"})


def _id(value: object, what: str) -> str:
    """An id given as str or int, as Zoho's string of digits (`InvalidIdError` otherwise)."""
    return zoho_id(value, what)


class MatchedField(NamedTuple):
    """One entry of `preference_field_matched_value`: the matching field and the lead's value."""

    field: str
    lead_value: str | None


@dataclass(frozen=True)
class ConversionOptions:
    """What `GET Leads/{id}/__conversion_options` said about one lead.

    `matched` is true when Zoho named at least one candidate record (Contacts, Accounts or Deals).
    A 204 answer gives `matched=False, raw=None`; a 200 that only lists modules with several layouts
    gives `matched=False` with the payload kept in `raw`.
    """

    lead_id: str
    matched: bool
    raw: dict[str, Any] | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)
    deals: list[dict[str, Any]] = field(default_factory=list)
    module_preference: str | None = None
    matched_fields: dict[str, list[MatchedField]] = field(default_factory=dict)
    multiple_layouts: list[str] = field(default_factory=list)

    @classmethod
    def from_payload(cls, lead_id: str, payload: Mapping[str, Any] | None) -> ConversionOptions:
        """Build from the response body (`None` for a 204); tolerant of `null` anywhere."""
        if payload is None:
            return cls(lead_id=str(lead_id), matched=False, raw=None)
        body = payload.get("__conversion_options") or {}
        contacts = list(body.get("Contacts") or [])
        accounts = list(body.get("Accounts") or [])
        deals = list(body.get("Deals") or [])
        pref = body.get("module_preference") or {}
        module_preference = pref.get("api_name") if isinstance(pref, Mapping) else None
        matched_fields: dict[str, list[MatchedField]] = {}
        for module, entries in (body.get("preference_field_matched_value") or {}).items():
            matched_fields[module] = [
                MatchedField(
                    field=str((e.get("field") or {}).get("api_name")),
                    lead_value=None
                    if e.get("matched_lead_value") is None
                    else str(e.get("matched_lead_value")),
                )
                for e in (entries or [])
            ]
        layouts = [
            str(m.get("api_name"))
            for m in (body.get("modules_with_multiple_layouts") or [])
            if isinstance(m, Mapping)
        ]
        return cls(
            lead_id=str(lead_id),
            matched=bool(contacts or accounts or deals),
            raw=dict(payload),
            contacts=contacts,
            accounts=accounts,
            deals=deals,
            module_preference=module_preference,
            matched_fields=matched_fields,
            multiple_layouts=layouts,
        )


def _module_ref(value: str | Mapping[str, Any], what: str) -> dict[str, str]:
    """`"Contacts"` or `{"api_name": "Contacts", "id": ...}` -> the `{api_name[, id]}` object."""
    if isinstance(value, str):
        ref: dict[str, str] = {"api_name": value}
    elif isinstance(value, Mapping) and "api_name" in value:
        ref = {"api_name": str(value["api_name"])}
        if value.get("id") is not None:
            ref["id"] = _id(value["id"], f"{what}.id")
    else:
        raise ValueError(f"{what} must be a module api_name or {{'api_name': ..., 'id': ...}}")
    return ref


@dataclass(frozen=True)
class ConvertRequest:
    """Every documented key of `POST Leads/{id}/actions/convert`.

    `None` leaves a key out so Zoho's default applies (create a new Contact, and an Account when the
    lead has a Company; no Deal; attachments to Contacts; nobody notified; owner kept).

    - `contact_id` / `account_id`: merge into this existing Contact / Account.
    - `overwrite`: when merging into a contact whose account differs from the lead's Company,
      rewrite the contact's account name to the Company.
    - `move_attachments_to`: `"Contacts" | "Accounts" | "Deals"` or `{"api_name": ..., "id": ...}`.
    - `assign_to`: user id that will own the new records.
    - `deal`: Deal fields (`Deal_Name`, `Closing_Date`, `Stage`, `Pipeline`, `Amount`, ...).
    - `carry_over_tags`: `{"Contacts": ["tag", ...], "Accounts": [...], "Deals": [...]}`.
    """

    contact_id: str | None = None
    account_id: str | None = None
    overwrite: bool | None = None
    notify_lead_owner: bool | None = None
    notify_new_entity_owner: bool | None = None
    move_attachments_to: str | Mapping[str, Any] | None = None
    assign_to: str | None = None
    deal: Mapping[str, Any] | None = None
    carry_over_tags: Mapping[str, Sequence[str]] | None = None

    def __post_init__(self) -> None:
        for name in ("contact_id", "account_id", "assign_to"):
            value = getattr(self, name)
            if value is not None:
                _id(value, f"ConvertRequest.{name}")
        for name in ("overwrite", "notify_lead_owner", "notify_new_entity_owner"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise TypeError(f"ConvertRequest.{name} must be a bool, got {value!r}")
        if self.move_attachments_to is not None:
            ref = _module_ref(self.move_attachments_to, "ConvertRequest.move_attachments_to")
            if ref["api_name"] not in CONVERT_TARGET_MODULES:
                raise ValueError(
                    "ConvertRequest.move_attachments_to must name Contacts, Accounts or Deals, "
                    f"got {ref['api_name']!r}"
                )
        if self.deal is not None and not isinstance(self.deal, Mapping):
            raise TypeError("ConvertRequest.deal must be a mapping of Deal fields")
        if self.carry_over_tags is not None:
            for module, tags in self.carry_over_tags.items():
                if module not in CONVERT_TARGET_MODULES:
                    raise ValueError(
                        f"ConvertRequest.carry_over_tags: unknown module {module!r} "
                        "(Contacts, Accounts or Deals)"
                    )
                if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
                    raise TypeError(
                        f"ConvertRequest.carry_over_tags[{module!r}] must be a list of tag names"
                    )

    def to_record(self) -> dict[str, Any]:
        """The object that goes inside `data[0]`."""
        out: dict[str, Any] = {}
        for name in ("overwrite", "notify_lead_owner", "notify_new_entity_owner"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.move_attachments_to is not None:
            out["move_attachments_to"] = _module_ref(
                self.move_attachments_to, "move_attachments_to"
            )
        if self.account_id is not None:
            out["Accounts"] = {"id": _id(self.account_id, "account_id")}
        if self.contact_id is not None:
            out["Contacts"] = {"id": _id(self.contact_id, "contact_id")}
        if self.assign_to is not None:
            out["assign_to"] = {"id": _id(self.assign_to, "assign_to")}
        if self.deal is not None:
            out["Deals"] = dict(self.deal)
        if self.carry_over_tags is not None:
            out["carry_over_tags"] = {m: list(t) for m, t in self.carry_over_tags.items()}
        return out

    def to_payload(self) -> dict[str, Any]:
        """Exactly the JSON body sent: `{"data": [record]}`."""
        return {"data": [self.to_record()]}


@dataclass(frozen=True)
class ConvertResult:
    """A successful conversion: the Contact, Account and Deal the lead became or joined."""

    lead_id: str
    contact_id: str | None
    contact_name: str | None
    account_id: str | None
    account_name: str | None
    deal_id: str | None
    deal_name: str | None
    code: str
    message: str
    raw: dict[str, Any] | None = None

    @classmethod
    def from_entry(cls, lead_id: str, entry: Mapping[str, Any]) -> ConvertResult:
        """Build from one `data[]` entry of a success answer (`Deals`/`Accounts` may be null)."""
        details = entry.get("details") or {}

        def pick(module: str, key: str) -> str | None:
            ref = details.get(module)
            if not isinstance(ref, Mapping) or ref.get(key) is None:
                return None
            return str(ref[key])

        return cls(
            lead_id=str(lead_id),
            contact_id=pick("Contacts", "id"),
            contact_name=pick("Contacts", "name"),
            account_id=pick("Accounts", "id"),
            account_name=pick("Accounts", "name"),
            deal_id=pick("Deals", "id"),
            deal_name=pick("Deals", "name"),
            code=str(entry.get("code", "")),
            message=str(entry.get("message", "")),
            raw=dict(entry),
        )


@dataclass(frozen=True)
class MassConvertRequest:
    """Body of `POST Leads/actions/mass_convert` (no `data` wrapper); at most 50 ids, checked here.

    - `deal`: Deal fields applied to every lead.
    - `assign_to`: user id.
    - `carry_over_tags`: `[{"id": tag_id, "api_name": "Contacts"}, ...]`.
    - `move_attachments_to`: module api_name or `{"api_name": ..., "id": ...}`.
    - `related_modules`: `[{"api_name": "Tasks", "id": ...}, ...]`.
    """

    ids: Sequence[str]
    deal: Mapping[str, Any] | None = None
    assign_to: str | None = None
    carry_over_tags: Sequence[Mapping[str, Any]] | None = None
    move_attachments_to: str | Mapping[str, Any] | None = None
    related_modules: Sequence[Mapping[str, Any]] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.ids, str):
            raise TypeError("MassConvertRequest.ids must be a list of ids, not one string")
        ids = [_id(i, "MassConvertRequest.ids[]") for i in self.ids]
        if not ids:
            raise ValueError("MassConvertRequest.ids is empty")
        if len(ids) > MASS_CONVERT_MAX_IDS:
            raise ValueError(
                f"MassConvertRequest.ids has {len(ids)} ids; Zoho accepts at most "
                f"{MASS_CONVERT_MAX_IDS} per job (split the batch)"
            )
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"MassConvertRequest.ids repeats {dupes}")
        object.__setattr__(self, "ids", tuple(ids))
        if self.assign_to is not None:
            _id(self.assign_to, "MassConvertRequest.assign_to")
        if self.move_attachments_to is not None:
            _module_ref(self.move_attachments_to, "MassConvertRequest.move_attachments_to")

    def to_payload(self) -> dict[str, Any]:
        """Exactly the JSON body sent."""
        out: dict[str, Any] = {"ids": list(self.ids)}
        if self.deal is not None:
            out["Deals"] = dict(self.deal)
        if self.assign_to is not None:
            out["assign_to"] = {"id": _id(self.assign_to, "assign_to")}
        if self.carry_over_tags is not None:
            out["carry_over_tags"] = [dict(t) for t in self.carry_over_tags]
        if self.move_attachments_to is not None:
            out["move_attachments_to"] = _module_ref(
                self.move_attachments_to, "move_attachments_to"
            )
        if self.related_modules is not None:
            out["related_modules"] = [dict(m) for m in self.related_modules]
        return out


@dataclass(frozen=True)
class MassConvertStatus:
    """One poll of a mass-convert job (SCHEDULED -> IN PROGRESS -> COMPLETED | FAILED)."""

    job_id: str
    status: str
    total: int | None
    converted: int | None
    not_converted: int | None
    failed: int | None
    raw: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        """True once the job reached a terminal state."""
        return self.status.upper() in TERMINAL_MASS_CONVERT_STATES

    @classmethod
    def from_payload(cls, job_id: str, payload: Mapping[str, Any]) -> MassConvertStatus:
        """Build from `{"data": [{"Status": ..., "Total_Count": ...}]}`."""
        entries = payload.get("data") or [{}]
        entry = entries[0] if entries else {}

        def count(key: str) -> int | None:
            value = entry.get(key)
            return None if value is None else int(value)

        return cls(
            job_id=str(job_id),
            status=str(entry.get("Status", "")),
            total=count("Total_Count"),
            converted=count("Converted_Count"),
            not_converted=count("Not_Converted_Count"),
            failed=count("Failed_Count"),
            raw=dict(payload),
        )
