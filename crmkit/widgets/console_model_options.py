"""The console's Convert Lead options on the model: the selection's defaults, each lead's own
values, and what is offered (a mixin of `ConsoleModel`, kept apart to keep each module small)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from crmkit.conversion import OrgFacts, field_diffs, make_plan
from crmkit.errors import CrmkitError
from crmkit.widgets.console_candidates import Candidate
from crmkit.widgets.console_deal import DealForm
from crmkit.widgets.console_options import (
    LeadOptions,
    Offer,
    check_values,
    lead_tags,
    offer,
    option_columns,
)

__all__ = ["ConsoleOptionsMixin"]


class ConsoleOptionsMixin:
    """Convert Lead options per lead and as the selection's default."""

    records: dict[str, dict[str, Any]]
    org: OrgFacts | None
    deal: DealForm
    defaults: LeadOptions
    _lead_options: dict[str, dict[str, Any]]
    _choices: dict[str, str]
    _candidates: dict[str, list[Candidate]]

    client: Any
    _diffs: dict[str, tuple[tuple[Any, ...], pd.DataFrame]]

    def _known(self, lead_id: str) -> str:
        raise NotImplementedError

    def _row(self, lead_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def wants_deal(self, lead_id: str) -> bool:
        raise NotImplementedError

    def _error(self, message: str) -> CrmkitError:
        raise NotImplementedError

    # ------------------------------------------------------------------ Convert Lead options
    def users(self) -> list[tuple[str, str]]:
        """(name, id) of the org's active users: the owners the records may be assigned to."""
        users = self.org.users if self.org is not None else None
        return sorted(((n or i, i) for i, n in (users or {}).items()), key=lambda p: p[0])

    def contact_roles(self) -> list[str]:
        """The org's Contact Role names (empty when it has none)."""
        roles = self.org.contact_roles if self.org is not None else None
        return list(roles or {})

    def lead_tags(self, lead_id: str) -> list[str]:
        """The lead's own tags (the only ones Zoho carries over)."""
        return lead_tags(self.records[self._known(lead_id)])

    def offer(self, lead_id: str) -> Offer:
        """What the option controls offer this lead now, and why the rest is not offered."""
        lead_id = self._known(lead_id)
        users = self.org.users if self.org is not None else None
        return offer(
            self.records[lead_id],
            self._choices[lead_id],
            self._candidates[lead_id],
            deal=self.wants_deal(lead_id),
            users=users,
        )

    def _check_options(self, values: Mapping[str, Any]) -> dict[str, Any]:
        try:
            checked = check_values(values)
        except ValueError as exc:
            raise self._error(str(exc)) from None
        user = checked.get("assign_to")
        users = self.org.users if self.org is not None else None
        if user is not None and users is not None and user not in users:
            raise self._error(f"user {user} is not an active user of the org; pick one of them")
        return checked

    def set_defaults(self, **values: Any) -> LeadOptions:
        """Change the selection's default Convert Lead options (`LeadOptions` fields)."""
        self.defaults = replace(self.defaults, **self._check_options(values))
        return self.defaults

    def set_lead_options(self, lead_id: str, **values: Any) -> LeadOptions:
        """Give one lead its own values (they win over the defaults); None for a field goes back
        to the default. Returns the lead's options."""
        lead_id = self._known(lead_id)
        own = self._lead_options.setdefault(lead_id, {})
        for name, value in self._check_options(values).items():
            if value is None and name in own:
                del own[name]
            elif value is not None:
                own[name] = value
        return self.lead_options(lead_id)

    def own_options(self, lead_id: str) -> dict[str, Any]:
        """The values set for this lead itself (the others follow the selection's default)."""
        return dict(self._lead_options.get(str(lead_id), {}))

    def lead_options(self, lead_id: str) -> LeadOptions:
        """The lead's options: the defaults with its own values on top."""
        return self.defaults.merged(self._lead_options.get(str(lead_id), {}))

    def field_diffs(self, lead_id: str) -> pd.DataFrame:
        """What merging this lead does to the existing records' fields, as it is chosen now
        (`crmkit.conversion.field_diffs`: one record read per lead and target, remembered per
        choice, overwrite and policy); empty when the lead merges into nothing."""
        lead_id = self._known(lead_id)
        row = self._row(lead_id)
        key = tuple(row.get(c) for c in ("contact_id", "account_id", "overwrite", "merge_policy"))
        cached = self._diffs.get(lead_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        frame = field_diffs(make_plan([row]), client=self.client, lead_ids=[lead_id])
        self._diffs[lead_id] = (key, frame)
        return frame

    def option_columns(self, lead_id: str) -> dict[str, Any]:
        """The plan columns the lead's options give (what is not offered left out)."""
        lead_id = self._known(lead_id)
        opts = self.lead_options(lead_id)
        return option_columns(opts, self.lead_tags(lead_id), self.offer(lead_id))
