"""The quality site made readable offline, with a Chinese index (transforms/reports/quality.py builds it).

GE's pages load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs and its logo
from S3; the index table is drawn by that JavaScript. Auditors' machines are often offline, and a
blocked stylesheet stalls a page, so the CDN tags are removed, a small stylesheet stands in, and
the index gets a plain table of the suites.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from transforms.reports import MonthReport

if TYPE_CHECKING:
    from transforms.reports.quality import Outcome

CDN_TAG = re.compile(r'<link[^>]*href="https?://[^"]*"[^>]*>|<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>')
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
OFFLINE_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0 1.5rem;color:#222}
table{border-collapse:collapse;margin:.4rem 0} nav.navbar{height:auto!important}
td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
.fa-check-circle::before{content:"✔ ";color:#1a7f37} .fa-times::before{content:"✘ ";color:#c62828}
.fa-exclamation-triangle::before{content:"⚠ ";color:#b26a00} .failed{color:#c62828;font-weight:bold}
.ge-index-page-tabs-container,.card:has(.btn-group-toggle),footer{display:none}
.doudi-banner{margin:.8rem 0;padding:.5rem .8rem;background:#f3f6f9;border-left:4px solid #4a6fa5}
"""


def offline_html(page: str, site: Path, path: Path, banner: str) -> str:
    """A GE page that needs no network: CDN tags out, local logo, our stylesheet and banner in."""
    images = Path(os.path.relpath(site / "static" / "images", path.parent)).as_posix() + "/"
    page = CDN_TAG.sub("", page).replace(GX_IMAGES, images)
    page = page.replace("</head>", f"<style>{OFFLINE_CSS}</style></head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, page, count=1)


def banner_html(site: Path, page: Path, report: MonthReport, outcomes: dict[str, Outcome]) -> str:
    """In Chinese, on top of a page: the index gets the table of suites, a suite's pages its title."""
    parts = page.relative_to(site).parts
    if len(parts) == 1:
        return summary_html(site, report, outcomes)
    name = f"{parts[1]}.{Path(parts[2]).stem}"  # validations/inputs/dibao/… or expectations/inputs/dibao.html
    outcome = outcomes.get(name)
    if outcome is None:
        return ""
    home = Path(os.path.relpath(site / "index.html", page.parent)).as_posix()
    return (f"<p class='doudi-banner'><b>{html.escape(outcome.label)}</b> · {report.period} · "
            f"{verdict(outcome)} · <a href='{home}'>返回本月检查一览</a></p>")


def verdict(outcome: Outcome) -> str:
    return "✔ 通过" if outcome.success else "<span class=failed>✘ 未通过</span>"


def summary_html(site: Path, report: MonthReport, outcomes: dict[str, Outcome]) -> str:
    """The index's table of suites: outcome, counts and the links to each suite's pages."""
    rows = "".join(
        f"<tr><td>{html.escape(o.label)}</td><td>{verdict(o)}</td><td>{o.rows:,}</td>"
        f"<td>{o.evaluated}</td><td>{len(o.failed)}</td><td>{html.escape('；'.join(o.failed))}</td>"
        f"<td>{suite_links(site, name)}</td></tr>"
        for name, o in outcomes.items()
    )
    privacy = ("本次运行要求显示完整身份证号码（--unmask），页面可能出现姓名和身份证号码。" if report.unmask
               else "页面不显示姓名和身份证号码。")
    return (
        f"<div><h2>{report.period} 数据质量检查（Great Expectations）</h2>"
        f"<p>每行一组检查：输入为已接收的行，输出为本月结果。{privacy}</p>"
        "<table><tr><th>检查</th><th>结果</th><th>校验行数</th><th>检查项</th><th>未满足</th>"
        f"<th>未满足的检查项</th><th>详情</th></tr>{rows}</table></div>"
    )


def suite_links(site: Path, suite_name: str) -> str:
    parts = suite_name.split(".")
    pages = sorted(site.joinpath("validations", *parts).rglob("*.html"))
    links = [("验证结果", p) for p in pages[-1:]]
    links += [("检查项定义", site.joinpath("expectations", *parts[:-1], f"{parts[-1]}.html"))]
    return " ".join(f"<a href='{quote(p.relative_to(site).as_posix())}'>{label}</a>" for label, p in links)
