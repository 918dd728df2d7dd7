"""SalesDrive emulator: answers like `https://{account}.salesdrive.me` (README.md). Never imports `bridge`."""

from .app import SalesDriveEmulator, create_app
from .clock import Clock, ManualClock, RealClock
from .config import SalesDriveEmulatorConfig

__all__ = [
    "Clock",
    "ManualClock",
    "RealClock",
    "SalesDriveEmulator",
    "SalesDriveEmulatorConfig",
    "create_app",
]
