"""`CrmkitError`: the one root under which every error crmkit raises sits.

`except crmkit.CrmkitError` catches anything crmkit refuses or fails at, while each part keeps its
own errors next to its code (as httpx keeps `HTTPError` at the root of its tree). A leaf module: it
imports nothing from crmkit, so every part — the client and the sandbox included, which never
import each other — can base its errors on it without adding an arrow between parts.

```
CrmkitError
├── CRMError             crmkit.api: every client error (its own tree in crmkit/api/errors.py)
├── FramesError          crmkit.frames: a CSV or payload that cannot be read (CSVFormatError,
│   │                    PayloadError)
│   └── SnapshotError    crmkit.snapshot: a snapshot directory that cannot be read
├── OrgConfigError       crmkit.orgconfig: org.json or field metadata that cannot be read
├── ConversionMappingError  crmkit.mapping: a conversion mapping that cannot be read
├── PredictionError      crmkit.matching: frames that cannot be matched
├── PlanError            crmkit.conversion.plan: a plan that cannot be read or is malformed
├── MergePolicyError     crmkit.conversion.merge_policy: a merge policy text that cannot be read
├── JournalBusyError     crmkit.conversion.journal: another conversion runs on this journal
├── ConsoleError         crmkit.widgets: something the conversion console refuses to do
├── SandboxError         crmkit.sandbox: a control-surface call the sandbox refused
├── DataDirError         crmkit.sandbox: a data directory that cannot be loaded
└── ApiError             crmkit.sandbox: an error answer the emulator sends (never leaves it)
```

Errors that were `ValueError`s or `RuntimeError`s before the root existed still are (for
example `class PlanError(CrmkitError, ValueError)`), so older `except ValueError` keeps working.
Warnings (`crmkit.api.limits.CreditWarning`) are warnings, not errors, and stay outside the tree.
"""

from __future__ import annotations

__all__ = ["CrmkitError"]


class CrmkitError(Exception):
    """Base of every error crmkit raises on purpose."""
