"""The `doudi` command: the typer app, and where each command lives.

Each command is a thin call into transforms/ (or into the flow), in a module of its group:
flows/cli_run.py (run, serve), flows/cli_history.py (history, diff, purge), flows/cli_inspect.py
(inspect), flows/cli_review.py (feedback import, cases), flows/cli_server.py (server
start|status|stop), flows/cli_sample.py (sample). Help and usage errors are Chinese and fit 80
columns (flows/cli_help.py). Importing this module imports nothing heavy: `doudi run` says
its first line before Prefect and the data libraries load.
"""

from __future__ import annotations

import typer

from flows import cli_history, cli_inspect, cli_review, cli_run, cli_sample
from flows.cli_help import DoudiCommand, DoudiGroup
from flows.cli_server import server_app

app = typer.Typer(cls=DoudiGroup, help="兜底 doudi：社会救助兜底数据月度核对。", no_args_is_help=True,
                  add_completion=False)

for command in (cli_run.run, cli_history.history, cli_history.diff, cli_inspect.inspect, cli_sample.sample,
                cli_history.purge, cli_run.serve):
    app.command(cls=DoudiCommand)(command)
cli_review.register(app)  # feedback import, cases (SPEC §7)
app.add_typer(server_app, name="server")
