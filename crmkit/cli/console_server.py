"""Voila serving one generated notebook, in this process, until Ctrl-C or SIGTERM.

Kept apart from `crmkit.cli.console` so that only `crmkit console` imports Voila (an optional
dependency: `pip install 'crmkit[console]'`) and the command's checks run before it is loaded.

Voila gives each page load its own kernel, which runs the notebook's one cell; tracebacks stay
in the kernel (`show_tracebacks` off), sources are stripped, and the token it is given protects
every route (the page, the kernels' websockets, the API): a request without it is sent to a token
prompt, or refused with 403 for the API. Voila stops its kernels when the loop stops (its own
SIGTERM handler, or Ctrl-C); `serve` returns after that.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tornado.ioloop import IOLoop
from traitlets.config import Config
from voila.app import Voila

__all__ = ["serve", "voila_config", "write_page"]


def write_page(path: Path, source: str) -> Path:
    """A notebook (nbformat 4.5) of one code cell at `path`: Voila serves notebooks, not scripts."""
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "crmkit-console",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "title": "crmkit console",
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def voila_config(*, host: str, port: int, token: str, cell_timeout: int) -> Config:
    """Voila's settings: one interface and port (no retrying others), the token, no browser
    (the command opens its own URL), quiet logs, no tracebacks on the page."""
    config = Config()
    config.Voila.ip = host
    config.Voila.port = port
    config.Voila.port_retries = 0
    config.Voila.token = token
    # the token is the only way in: no Jupyter password (a user's own would outlive this start),
    # and no "set a password" form on the token prompt (it would persist one for every start)
    config.PasswordIdentityProvider.hashed_password = ""
    config.PasswordIdentityProvider.allow_password_change = False
    config.Voila.open_browser = False
    config.Voila.log_level = "WARN"
    config.VoilaConfiguration.show_tracebacks = False
    config.VoilaConfiguration.strip_sources = True
    config.NotebookClient.timeout = cell_timeout
    return config


def serve(
    page: Path,
    source: str,
    *,
    host: str,
    port: int,
    token: str,
    ready: Callable[[], None],
    cell_timeout: int = 1800,
) -> int:
    """Serve `source` as the notebook `page` until stopped; `ready()` runs once Voila listens.

    Returns 0 when stopped, else the exit code Voila gave up with (it could not listen).
    """
    write_page(page, source)
    app: Any = Voila(
        config=voila_config(host=host, port=port, token=token, cell_timeout=cell_timeout)
    )
    app.initialize([str(page)])
    # Voila's listen() takes IOLoop.current() and starts it: a callback queued on that loop runs
    # only once the port is bound.
    IOLoop.current().add_callback(ready)
    try:
        app.start()
    except SystemExit as exc:  # Voila.exit(): no port it could listen on
        return int(exc.code) if isinstance(exc.code, int) else 1
    return 0
