"""SalesDrive emulator."""
