"""crmkit's local Zoho CRM: the sandbox server, its control client and the data-directory loader.

with Sandbox(data="my_export/", edition="professional") as sb:
    sb.url, sb.token_url, sb.credentials, sb.control.reset()
"""

from crmkit.sandbox.loader import DataDirError, load_data_dir
from crmkit.sandbox.server import Credentials, Sandbox, SandboxControl, SandboxError

__all__ = [
    "Credentials",
    "DataDirError",
    "Sandbox",
    "SandboxControl",
    "SandboxError",
    "load_data_dir",
]
