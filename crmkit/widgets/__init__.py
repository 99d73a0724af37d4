"""ipywidgets front ends; each is a thin view over a plain, tested controller."""

from crmkit.widgets.console import ConversionConsole, convert_console
from crmkit.widgets.console_model import ConsoleError, ConsoleModel, DealForm

__all__ = [
    "ConsoleError",
    "ConsoleModel",
    "ConversionConsole",
    "DealForm",
    "convert_console",
]
