"""The operator's commands, one module per command group; ``bridge_ops.cli`` wires them into the tool."""
