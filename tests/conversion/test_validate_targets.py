"""The Account a merged Contact brings: locked -> refused, `overwrite` -> renamed (a warning).

Over real HTTP against a sandbox that answers RECORD_LOCKED for the same plans, so the rules and
the emulator are held to the same behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from conversion_support import client_for

from crmkit.api import RecordLockedError
from crmkit.api.models import ConvertRequest
from crmkit.conversion import blocked_leads, make_plan, recheck, validate
from crmkit.conversion.facts import lead_facts
from crmkit.frames import options_frames
from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
USERS = [{"id": "4876876000000225001", "full_name": "Ava Raman", "email": "ava@zylker.test"}]
L_OTHER, L_SAME = "4876876000100000001", "4876876000100000002"
C1 = "4876876000200000001"
A1 = "4876876000300000001"


def _org(*, locked: bool) -> dict[str, Any]:
    return {
        "leads": [
            {"id": L_OTHER, "Last_Name": "B", "Email": "a@b.test", "Company": "New Co"},
            {"id": L_SAME, "Last_Name": "B", "Email": "a@b.test", "Company": "Old Co"},
        ],
        "contacts": [
            {
                "id": C1,
                "Last_Name": "D",
                "Email": "a@b.test",
                "Account_Name": {"id": A1, "name": "Old Co"},
            }
        ],
        "accounts": [{"id": A1, "Account_Name": "Old Co", "Locked__s": locked}],
        "org": {"users": USERS},
    }


def _row(lead: str, **kw: Any) -> dict[str, Any]:
    return {
        "lead_id": lead,
        "contact_action": "merge",
        "contact_id": C1,
        "account_action": "merge",
        "account_id": A1,
        **kw,
    }


def _rules(problems: pd.DataFrame, lead: str) -> set[str]:
    return set(problems.loc[problems["lead_id"] == lead, "rule"].tolist())


def test_locked_account_of_the_merged_contact_is_caught_live(small_sandbox: Start) -> None:
    sb = small_sandbox(**_org(locked=True))
    with client_for(sb) as client:
        plan = make_plan([_row(L_OTHER), _row(L_SAME)])
        problems = recheck(client, plan)
        # A1 is no candidate of L_OTHER (another Company): only the Account read tells the lock
        assert _rules(problems, L_OTHER) == {"target_locked"}
        assert _rules(problems, L_SAME) == {"target_locked"}
        reason = problems.loc[problems["lead_id"] == L_OTHER, "reason"].iloc[0]
        assert A1 in reason and "RECORD_LOCKED" in reason
        assert set(blocked_leads(problems)) == {L_OTHER, L_SAME}
        # ... and the sandbox refuses exactly what validation blocks
        try:
            client.convert_lead(L_OTHER, ConvertRequest(contact_id=C1))
        except RecordLockedError as exc:
            assert exc.details["id"] == A1
        else:
            raise AssertionError("a locked Account reached through a Contact converted")


def test_locked_account_is_caught_offline_from_the_matches_frame(small_sandbox: Start) -> None:
    sb = small_sandbox(**_org(locked=True))
    with client_for(sb) as client:
        frames = options_frames({L_SAME: client.conversion_options(L_SAME)})
        leads = [client.get_record("Leads", L_SAME)]
    problems = validate(
        make_plan([_row(L_SAME)]),
        options=frames.options,
        matches=frames.matches,
        leads=lead_facts([r for r in leads if r is not None]).values(),
    )
    assert _rules(problems, L_SAME) == {"target_locked"}


def test_overwrite_keeps_the_account_and_warns_of_the_rename(small_sandbox: Start) -> None:
    sb = small_sandbox(**_org(locked=False))
    with client_for(sb) as client:
        plan = make_plan([_row(L_OTHER, overwrite=True), _row(L_SAME, overwrite=True)])
        problems = recheck(client, plan)
        assert _rules(problems, L_OTHER) == {"overwrite_renames_account"}
        assert _rules(problems, L_SAME) == set()  # same name: nothing to rename
        assert blocked_leads(problems) == []  # a warning, not a block
        result = client.convert_lead(L_OTHER, ConvertRequest(contact_id=C1, overwrite=True))
        assert result.account_id == A1
        account = client.get_record("Accounts", A1)
        assert account is not None and account["Account_Name"] == "New Co"
