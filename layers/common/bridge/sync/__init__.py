"""The rules of the mission, one module per capability (docs/mission.md)."""
