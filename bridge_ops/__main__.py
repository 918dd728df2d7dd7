from bridge_ops.cli import app

app(prog_name="python -m bridge_ops")
