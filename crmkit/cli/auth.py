"""`crmkit auth`: exchange a self-client grant code for a refresh token and save it.

In Zoho's API console (Self Client -> Generate Code) pick the scopes crmkit needs and paste the
code here within its validity. The refresh token goes into the `[zoho]` table of the config file,
written 0600; it is printed only with `--print` (which is for piping into a secret store).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from crmkit.api.auth import Secret, exchange_grant_code
from crmkit.api.config import default_config_path
from crmkit.api.datacenters import DATA_CENTRES, data_centre
from crmkit.api.errors import CRMError

SCOPES = (
    "ZohoCRM.modules.ALL,ZohoCRM.settings.fields.READ,ZohoCRM.settings.layouts.READ,"
    "ZohoCRM.settings.modules.READ,ZohoCRM.users.READ,ZohoCRM.org.READ,"
    "ZohoCRM.mass_convert.leads.CREATE,ZohoCRM.mass_convert.leads.READ"
)


def add_parser(subparsers: Any) -> None:
    """Register `crmkit auth`."""
    parser = subparsers.add_parser(
        "auth",
        help="exchange a Zoho self-client grant code for a refresh token",
        description="Exchange a Zoho self-client grant code for a refresh token, and save it.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1]
        + f"\nScopes to select when generating the code: {SCOPES}",
    )
    parser.add_argument("--client-id", default=os.environ.get("ZOHO_CLIENT_ID"))
    parser.add_argument(
        "--client-secret-env",
        default="ZOHO_CLIENT_SECRET",
        help="environment variable holding the client secret (prompted for when unset)",
    )
    parser.add_argument("--code", help="grant code (prompted for, hidden, when omitted)")
    parser.add_argument(
        "--dc", default=os.environ.get("ZOHO_DC", "us"), choices=sorted(DATA_CENTRES)
    )
    parser.add_argument("--token-url", default=os.environ.get("ZOHO_TOKEN_URL"))
    parser.add_argument("--config", type=Path, default=None, help="config file to write")
    parser.add_argument("--print", action="store_true", help="print the refresh token to stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Exchange the code, then save (and optionally print) the refresh token."""
    client_id = args.client_id or input("Zoho client id: ").strip()
    secret_text = os.environ.get(args.client_secret_env) or getpass.getpass("Client secret: ")
    code = Secret(args.code or getpass.getpass("Grant code: "))
    token_url = args.token_url or data_centre(args.dc).token_url
    try:
        grant = exchange_grant_code(
            code, client_id=client_id, client_secret=Secret(secret_text), token_url=token_url
        )
    except CRMError as exc:
        print(f"crmkit auth: {exc}", file=sys.stderr)
        return 1
    path = args.config or default_config_path()
    values = {"client_id": client_id, "client_secret": secret_text, "dc": args.dc}
    if args.token_url:
        values["token_url"] = args.token_url
    if grant.api_domain:
        values["api_domain"] = grant.api_domain
    values["refresh_token"] = grant.refresh_token.get()
    write_config(path, values)
    print(f"crmkit auth: refresh token saved to {path} (mode 0600)")
    if args.print:
        print(grant.refresh_token.get())
    return 0


def write_config(path: Path, values: dict[str, str]) -> None:
    """Merge `values` into the `[zoho]` table of the config file, written with mode 0600."""
    existing: dict[str, Any] = {}
    if path.exists():
        existing = tomllib.loads(path.read_text(encoding="utf-8"))
    table = dict(existing.get("zoho") or {})
    table.update(values)
    for section in existing:
        if section != "zoho":
            raise SystemExit(f"crmkit auth: {path} has a [{section}] table; edit it by hand")
    lines = ["[zoho]"] + [f"{k} = {_toml_string(str(v))}" for k, v in table.items()]
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
