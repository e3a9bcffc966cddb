"""`doudi server start|status|stop`: doudi's resident Prefect server (flows/server.py) by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from flows import backend
from flows import server as resident
from flows.cli_help import DoudiCommand, DoudiGroup
from flows.cli_options import OUT, Out, fail, out_console
from flows.homes import home_of

server_app = typer.Typer(cls=DoudiGroup, no_args_is_help=True,
                         help="doudi 自己的 Prefect 服务器：运行时自动启动，也可手动启动、查看和停止。")


@server_app.command("start", cls=DoudiCommand)
def start(
    out: Out = OUT,
    port: Annotated[int | None, typer.Option(
        metavar="端口", show_default=False, help="端口，默认 4200（被占用时另选一个空闲端口）")] = None,
    idle_minutes: Annotated[float | None, typer.Option(
        metavar="分钟", show_default=False,
        help="无人使用多少分钟后自动停止，默认 60（DOUDI_SERVER_IDLE_MINUTES）；0 表示不自动停止")] = None,
) -> None:
    """启动服务器（已在运行则直接使用），之后的 doudi run 都使用它。"""
    home = home_of(out)
    backend.configure_environment(home)
    try:
        launch = resident.ensure(home.prefect, port, idle_minutes)
        state = launch.wait(backend.startup_seconds())
    except resident.ServerDidNotStart as e:
        fail(str(e))
    out_console.print(f"Prefect 服务器{'已启动' if launch.process else '已在运行'}：{state.ui_url}，"
                      f"{state.stops_by_itself()}", highlight=False, soft_wrap=True)


@server_app.command("status", cls=DoudiCommand)
def status(out: Out = OUT) -> None:
    """说明服务器是否在运行、界面地址和何时自动停止；未运行时退出码为 1。"""
    home = home_of(out).prefect
    state = resident.running(home)
    if state is None:
        out_console.print("Prefect 服务器未运行", highlight=False)
        raise typer.Exit(code=1)
    since = max(resident.last_used(home), state.started_at)
    from datetime import datetime

    out_console.print(f"Prefect 服务器运行中：{state.ui_url}，"
                      f"{state.stops_by_itself(datetime.fromtimestamp(since))}", highlight=False, soft_wrap=True)


@server_app.command("stop", cls=DoudiCommand)
def stop(out: Out = OUT) -> None:
    """停止服务器；有核对正在进行时，等它结束后再停止。"""
    stopped = resident.stop(home_of(out).prefect,
                            waiting=lambda: out_console.print("有核对正在进行，等它结束后停止…", highlight=False))
    out_console.print("Prefect 服务器已停止" if stopped else "Prefect 服务器本来就没有运行", highlight=False)
