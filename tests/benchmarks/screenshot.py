"""`python -m tests.benchmarks.screenshot PAGE.html OUT.png`: a page as a reader sees it, drawn by
headless Chromium (Debian: chromium, fonts-noto-cjk), to look at a report rather than its source.

The browser is kept off the network (no QUIC, no background fetches, no component updates), so a
page that needed anything from outside would show it missing in the picture.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def screenshot(page: Path, out: Path, width: int = 1280, height: int = 2400) -> Path:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("没有找到 chromium：apt-get install -y chromium fonts-noto-cjk")
    with tempfile.TemporaryDirectory(prefix="doudi-chromium-") as profile:
        subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             f"--screenshot={out.resolve()}", page.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)
    print(screenshot(args.page, args.out, args.width, args.height), file=sys.stdout)


if __name__ == "__main__":
    main()
