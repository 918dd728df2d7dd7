"""UTP (1C OData) emulator."""
