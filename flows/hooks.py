"""What Prefect calls around a month's flow run: its name, and the message when a scheduled run ends.

A run is named by its period and its number among that period's runs (`2024-10 第 3 次`), as
`doudi history` counts them. When the policy file has `[notify] webhook = "…"`, every scheduled
run (one started by the deployment; or by `doudi run --notify`, as from cron) ends with a JSON POST
to that address, in the shape the group robots of WeCom (企业微信) and DingTalk (钉钉) both take:
counts and file paths only, never a name or an ID number. It is sent by Prefect's custom-webhook
notification block.
"""

from __future__ import annotations

import os
from pathlib import Path

NOTIFY_VARIABLE = "DOUDI_NOTIFY"  # set by `doudi run --notify`: a run by hand that tells the chat too
ROBOT_MESSAGE = {"msgtype": "text", "text": {"content": "{{body}}"}}  # WeCom's and DingTalk's text message
MESSAGE_BYTES = 2000  # WeCom takes at most 2,048 bytes of text


def run_name() -> str:
    """`2024-10 第 3 次`: the run's period (the previous month for a scheduled run) and its number."""
    from prefect.runtime import flow_run

    from schemas.period import previous_period
    from transforms.month.history import runs_of, warehouse

    parameters = flow_run.parameters
    period = parameters.get("period") or previous_period()
    try:
        with warehouse(Path(parameters["out"]), read_only=True) as con:
            return f"{period} 第 {runs_of(con, period).height + 1} 次"
    except Exception:  # noqa: BLE001 - a name is not worth failing a run for
        return period


def webhook_of(parameters: dict) -> str | None:
    from schemas.policy import PolicyError, load_policy

    try:
        return load_policy(Path(parameters["policy_path"])).notify.webhook
    except (PolicyError, KeyError):
        return None


def done_message(record: dict, name: str, folder: Path) -> str:
    """The end of a run in a few lines of counts, for a group chat; `folder` holds its reports."""
    from schemas.catalog import rule_catalog

    inputs = record["inputs"]
    counted = {key: sum(i[key] for i in inputs) for key in ("rows_read", "rows_accepted", "rows_quarantined")}
    lines = [
        f"doudi：{name}核对完成（定时运行）",
        f"读取 {len({i['file'] for i in inputs})} 个文件 {counted['rows_read']:,} 行：接收 {counted['rows_accepted']:,}，"
        f"隔离 {counted['rows_quarantined']:,}；无法读取的文件 {len(record['rejected'])} 个",
    ]
    if record["missing_datasets"]:
        lines.append(f"未收到的数据：{len(record['missing_datasets'])} 项，{len(record['rules_skipped'])} 条规则未能运行")
    found = {code: n for code, n in record["rule_counts"].items() if n}
    lines.append(f"发现异常 {sum(found.values()):,} 条" + ("：" if found else ""))
    titles = {code: rule.title for code, rule in rule_catalog().items()}
    rules = [f"· {titles.get(code, code)} {n:,}" for code, n in found.items()]
    tail = [f"报表：{folder / 'summary.html'}"]
    shown = len(rules)
    while shown and len("\n".join(lines + rules[:shown] + tail).encode()) > MESSAGE_BYTES - 40:
        shown -= 1  # a robot takes about 2 KB: the rules that do not fit are counted, not listed
    more = [f"· ……另有 {len(rules) - shown} 条规则，见报表"] if shown < len(rules) else []
    return "\n".join(lines + rules[:shown] + more + tail)


def notify(url: str, text: str) -> None:
    """POST `text` to the robot at `url`; a failure is logged (without the address: it holds the
    robot's key), never raised: the month is done whether the chat hears of it or not."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.logging import get_logger

    try:
        CustomWebhookNotificationBlock(name="doudi", url=url, json_data=ROBOT_MESSAGE).notify(text)
    except Exception as e:  # noqa: BLE001
        get_logger("doudi.notify").warning("群机器人通知未能发送：%s", type(e).__name__)


def _scheduled(flow_run) -> bool:
    return bool(flow_run.deployment_id or os.environ.get(NOTIFY_VARIABLE))


def month_done(flow, flow_run, state) -> None:
    """on_completion: a scheduled run tells the chat what it found."""
    url = webhook_of(flow_run.parameters) if _scheduled(flow_run) else None
    if url:
        record = state.result(raise_on_failure=False)
        notify(url, done_message(record, flow_run.name, Path(flow_run.parameters["out"]) / record["period"]))


def month_failed(flow, flow_run, state) -> None:
    """on_failure / on_crashed: a scheduled run that could not finish says so (no error text: it
    may quote a file's content)."""
    url = webhook_of(flow_run.parameters) if _scheduled(flow_run) else None
    if url:
        notify(url, f"doudi：{flow_run.name}核对未能完成（{state.name}），上一次的报表保持不变；详见 Prefect 界面的运行日志")
