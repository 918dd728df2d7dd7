"""The rules of the mission, one module per capability (design §1)."""
