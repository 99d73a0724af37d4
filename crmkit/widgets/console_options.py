"""The Convert Lead options the console sets, per lead and as a default for the selection.

Each option is a plan column (crmkit.conversion.plan): `overwrite`, `notify_lead_owner`,
`notify_new_entity_owner`, `assign_to`, `move_attachments_to`, `carry_over_tags`. A lead's own
values (set in its row) win over the selection's default; None leaves Zoho's default.

What is offered follows Zoho's rules, so nothing Zoho would refuse can be chosen, and each option
not offered says why (`Offer.why_not`): attachments and tags go only to a module the conversion
makes a record in (a Deal only with the Deal form on; an Account only when there will be one),
the owner is one of the org's ACTIVE users, only the lead's own tags carry over, and overwrite
only means something when the lead merges into an existing record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from crmkit.conversion.plan import ATTACHMENT_TARGETS
from crmkit.widgets.console_candidates import NEW, Candidate, text
from crmkit.widgets.console_merge import merge_policy_text

__all__ = ["OPTION_NAMES", "LeadOptions", "Offer", "lead_tags", "offer", "option_columns"]


# A plan's tags go to the modules its attachments may go to (the records a conversion makes).
TAG_MODULES = ATTACHMENT_TARGETS
_UNWRITABLE = frozenset(":;|")  # the separators of a plan's carry_over_tags


@dataclass(frozen=True)
class LeadOptions:
    """One lead's Convert Lead options (None: Zoho's default).

    `tags`: which of the lead's own tags carry over (None: all of them) to `tag_modules`
    (empty: none carried over).
    """

    overwrite: bool | None = None
    notify_lead_owner: bool | None = None
    notify_new_entity_owner: bool | None = None
    assign_to: str | None = None
    move_attachments_to: str | None = None
    tag_modules: tuple[str, ...] = ()
    tags: tuple[str, ...] | None = None
    deal: bool | None = None  # this lead makes a Deal from the form (None: the form's checkbox)
    merge_policy: str | None = None  # `Contacts=keep;Contacts.Phone=prefer_lead` (None: Zoho's)

    def merged(self, override: Mapping[str, Any]) -> LeadOptions:
        """These options with a lead's own values on top."""
        return replace(self, **dict(override))


OPTION_NAMES = tuple(f.name for f in fields(LeadOptions))


def check_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed option values; an unknown name or a bad value is refused with the allowed ones."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in OPTION_NAMES:
            raise ValueError(f"{name!r} is not a console option; options: {list(OPTION_NAMES)}")
        if name in ("tag_modules", "tags") and value is not None:
            value = tuple(str(v) for v in value)
            bad = [m for m in value if name == "tag_modules" and m not in TAG_MODULES]
            if bad:
                raise ValueError(f"tags cannot go to {bad}; modules: {list(TAG_MODULES)}")
        if name == "move_attachments_to" and value is not None and value not in ATTACHMENT_TARGETS:
            raise ValueError(
                f"attachments cannot go to {value!r}; modules: {list(ATTACHMENT_TARGETS)}"
            )
        if name in ("overwrite", "notify_lead_owner", "notify_new_entity_owner", "deal"):
            value = None if value is None else bool(value)
        if name == "assign_to":
            value = text(value)
        if name == "merge_policy":
            value = merge_policy_text(text(value))  # MergePolicyError (a ValueError) says why
        out[name] = value
    return out


def lead_tags(lead: Mapping[str, Any]) -> list[str]:
    """The lead's own tags (an API record's `[{name}]` list or a frame's `;`-joined names)."""
    raw = lead.get("Tag")
    if isinstance(raw, list):
        names = [text(t.get("name") if isinstance(t, Mapping) else t) for t in raw]
    else:
        names = [text(t) for t in (text(raw) or "").split(";")]
    return [n for n in dict.fromkeys(names) if n]


@dataclass(frozen=True)
class Offer:
    """What the option controls offer one lead, and why the rest is not offered."""

    attachment_targets: tuple[str, ...]
    tag_modules: tuple[str, ...]
    tags: tuple[str, ...]
    users: tuple[tuple[str, str], ...]  # (name, id) of the org's active users
    overwrite: bool
    why_not: Mapping[str, str] = field(default_factory=dict)  # control or module -> reason


def _will_have(
    lead: Mapping[str, Any], choice: str, candidates: Sequence[Candidate], deal: bool
) -> dict[str, str | None]:
    """Module -> None when the conversion gives a record there, else why not."""
    company = text(lead.get("Company"))
    account: str | None = None
    if choice.startswith("contact:"):
        cand = next((c for c in candidates if c.key == choice), None)
        if cand is not None and cand.account_id is None and company is None:
            account = "the merged Contact has no Account and the lead no Company: no Account"
    elif choice == NEW and company is None:
        account = "the lead has no Company: the conversion makes no Account"
    return {
        "Contacts": None,
        "Accounts": account,
        "Deals": None if deal else "no Deal is made (turn the Deal form on to offer Deals)",
    }


def offer(
    lead: Mapping[str, Any],
    choice: str,
    candidates: Sequence[Candidate],
    *,
    deal: bool,
    users: Mapping[str, str] | None,
) -> Offer:
    """What may be chosen for this lead, given its choice and whether a Deal is made."""
    have = _will_have(lead, choice, candidates, deal)
    why: dict[str, str] = {m: r for m, r in have.items() if r is not None}
    made = tuple(m for m in ATTACHMENT_TARGETS if have[m] is None)
    own = lead_tags(lead)
    tags = tuple(t for t in own if not _UNWRITABLE.intersection(t))
    if own and not tags:
        why["tags"] = "the lead's tags hold ':', ';' or '|', which a plan cannot write"
    elif len(tags) < len(own):
        why["tags"] = "tags holding ':', ';' or '|' cannot be written in a plan: not offered"
    elif not tags:
        why["tags"] = "the lead has no tags (only a lead's own tags carry over)"
    if users is None:
        why["assign_to"] = "the org's users could not be read: the lead's owner keeps the records"
    elif not users:
        why["assign_to"] = "the org has no active user to assign the records to"
    merging = choice != NEW
    if not merging:
        why["overwrite"] = "nothing is merged: overwrite only changes existing records"
        why["merge_policy"] = "nothing is merged: a merge policy only governs merged records"
    people = tuple(sorted(((n or i, i) for i, n in (users or {}).items()), key=lambda p: p[0]))
    return Offer(
        attachment_targets=made,
        tag_modules=tuple(m for m in TAG_MODULES if have[m] is None) if tags else (),
        tags=tags,
        users=people,
        overwrite=merging,
        why_not=why,
    )


def option_columns(opts: LeadOptions, own_tags: Sequence[str], offered: Offer) -> dict[str, Any]:
    """The plan columns of one lead's options, keeping only what the offer allows.

    A default for the selection may name a module one lead makes no record in, or a tag it does
    not have: that lead's row leaves it out (Zoho would refuse it) instead of failing the batch.
    """
    row: dict[str, Any] = {
        "overwrite": opts.overwrite if offered.overwrite else None,
        "notify_lead_owner": opts.notify_lead_owner,
        "notify_new_entity_owner": opts.notify_new_entity_owner,
        "assign_to": opts.assign_to,
        "merge_policy": opts.merge_policy if offered.overwrite else None,
        "move_attachments_to": opts.move_attachments_to
        if opts.move_attachments_to in offered.attachment_targets
        else None,
    }
    tags = [t for t in (own_tags if opts.tags is None else opts.tags) if t in offered.tags]
    modules = [m for m in opts.tag_modules if m in offered.tag_modules]
    row["carry_over_tags"] = (
        ";".join(f"{m}:{'|'.join(tags)}" for m in modules) if tags and modules else None
    )
    return row
