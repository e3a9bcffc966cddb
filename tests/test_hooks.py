"""flows/hooks.py and the policy's `[notify]` table: the message a scheduled run sends, and how it is
configured. The whole path (a scheduled run posting to a robot) is in tests/test_deployment.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.hooks import MESSAGE_BYTES, done_message, notify
from schemas.catalog import rule_catalog
from schemas.policy import PolicyError, load_policy

POLICY = Path("data/policy.toml")


def policy_with(tmp_path: Path, table: str) -> Path:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY.read_text(encoding="utf-8") + "\n" + table, encoding="utf-8")
    return policy


def test_the_bundled_policy_sends_no_message():
    assert load_policy(POLICY).notify.webhook is None


def test_a_webhook_is_read_from_the_notify_table(tmp_path):
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    assert load_policy(policy_with(tmp_path, f'[notify]\nwebhook = "{url}"\n')).notify.webhook == url


def test_a_webhook_that_is_not_an_address_stops_with_one_line_naming_the_key(tmp_path):
    with pytest.raises(PolicyError, match=r"notify\.webhook 应为 http:// 或 https:// 开头的地址"):
        load_policy(policy_with(tmp_path, '[notify]\nwebhook = "qyapi.weixin.qq.com/send"\n'))


def record(rule_counts: dict[str, int]) -> dict:
    inputs = [{"file": "civil/低保.xlsx", "rows_read": 1200, "rows_accepted": 1150, "rows_quarantined": 40},
              {"file": "civil/低保.xlsx", "rows_read": 10, "rows_accepted": 10, "rows_quarantined": 0}]
    return {"period": "2024-10", "inputs": inputs, "rejected": [{"file": "x.xlsx"}], "missing_datasets": [],
            "rules_skipped": [], "rule_counts": rule_counts}


def test_the_message_counts_files_rows_and_exceptions_by_rule():
    code, rule = next(iter(rule_catalog().items()))
    text = done_message(record({code: 3}), "2024-10 第 2 次", Path("/srv/reports/2024-10"))
    assert text.splitlines() == [
        "doudi：2024-10 第 2 次核对完成（定时运行）",
        "读取 1 个文件 1,210 行：接收 1,160，隔离 40；无法读取的文件 1 个",
        "发现异常 3 条：",
        f"· {rule.title} 3",
        "报表：/srv/reports/2024-10/summary.html",
    ]


def test_a_message_longer_than_a_robot_takes_lists_fewer_rules_and_counts_the_rest():
    counts = {code: 1000 + i for i, code in enumerate(rule_catalog())}
    long_path = Path("/srv/" + "很长的目录名" * 60)
    lines = done_message(record(counts), "2024-10 第 1 次", long_path).splitlines()
    assert len("\n".join(lines).encode()) <= MESSAGE_BYTES
    listed = [line for line in lines if line.startswith("· ") and "另有" not in line]
    assert 0 < len(listed) < len(counts) and lines[-2] == f"· ……另有 {len(counts) - len(listed)} 条规则，见报表"
    assert lines[0] == "doudi：2024-10 第 1 次核对完成（定时运行）" and lines[-1].startswith("报表：/srv/很长的目录名")


def test_a_robot_that_cannot_be_reached_does_not_fail_the_run():
    assert notify("http://127.0.0.1:9/cgi-bin/webhook/send?key=x", "doudi：测试") is None
