"""crmkit.conversion: plan -> validate -> estimate -> execute -> journal.

A plan is a DataFrame of decisions, one row per lead (`crmkit.conversion.plan`). `validate` checks
it against Zoho's rules before any call; `estimate` says what it will cost; `execute` re-checks it
live, converts each lead at most once and journals every request and answer in SQLite, so a rerun
resumes and settles lost answers by reading the lead back. docs/conversion.md tells the whole story.
"""

from crmkit.conversion.client_like import ClientLike
from crmkit.conversion.estimate import Estimate, estimate, mass_groups
from crmkit.conversion.events import EVENT_KINDS, EventHook, EventKind
from crmkit.conversion.execute import RESULTS_SCHEMA, ExecutionReport, execute
from crmkit.conversion.execute_options import MODES, ExecuteOptions, Mode
from crmkit.conversion.facts import Facts, OrgFacts, live_facts, org_facts
from crmkit.conversion.field_diffs import FIELD_DIFFS_SCHEMA, field_diffs
from crmkit.conversion.journal import (
    Journal,
    JournalBusyError,
    JournalError,
    RunInfo,
    default_journal_path,
)
from crmkit.conversion.merge_policy import POLICIES, MergePolicy, MergePolicyError
from crmkit.conversion.plan import (
    PLAN_SCHEMA,
    BuiltPlan,
    PlanError,
    Policy,
    empty_plan,
    load_plan,
    make_plan,
    plan_from_options,
    plan_hash,
    request_for,
    save_plan,
)
from crmkit.conversion.settle import converted_ids
from crmkit.conversion.validate import PROBLEMS_SCHEMA, RULES, blocked_leads, recheck, validate

__all__ = [
    "EVENT_KINDS",
    "FIELD_DIFFS_SCHEMA",
    "MODES",
    "PLAN_SCHEMA",
    "POLICIES",
    "PROBLEMS_SCHEMA",
    "RESULTS_SCHEMA",
    "RULES",
    "BuiltPlan",
    "ClientLike",
    "Estimate",
    "EventHook",
    "EventKind",
    "ExecuteOptions",
    "ExecutionReport",
    "Facts",
    "Journal",
    "JournalBusyError",
    "JournalError",
    "MergePolicy",
    "MergePolicyError",
    "Mode",
    "OrgFacts",
    "PlanError",
    "Policy",
    "RunInfo",
    "blocked_leads",
    "converted_ids",
    "default_journal_path",
    "empty_plan",
    "estimate",
    "execute",
    "field_diffs",
    "live_facts",
    "load_plan",
    "make_plan",
    "mass_groups",
    "org_facts",
    "plan_from_options",
    "plan_hash",
    "recheck",
    "request_for",
    "save_plan",
    "validate",
]
