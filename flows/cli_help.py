"""The `doudi` command's help and usage errors, in Chinese, fitting an 80-column terminal.

Typer's own help draws boxed tables that cut Chinese text at 80 columns, and click's messages are
English. Here every option is a line of its own (name and value), its help on the lines below,
folded by display width (a Chinese character takes two columns); errors are one line and a hint.
"""

from __future__ import annotations

import inspect
import re
import shutil
import sys
import unicodedata

import typer
from typer import core
from typer._click import exceptions as click_errors

WIDTH = 80
INDENT = "      "
VALUE_TYPES = {int: "应为整数", float: "应为数字"}


def _width() -> int:
    return min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)


def _folded(text: str, indent: str) -> list[str]:
    """`text` folded to the terminal's width below `indent`; a blank line separates paragraphs, and
    the lines of one paragraph are joined (with a space only between two Latin words)."""
    from transforms.reports.terminal import folded  # only when help is shown: it imports polars

    width, lines = _width() - len(indent), []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines += [*(indent + line for line in folded(_joined(paragraph), width)), ""]
    return lines[:-1]


def _joined(paragraph: str) -> str:
    """The lines of a paragraph as one: a space where a Latin word meets a word (`的 Prefect`), none
    beside Chinese punctuation (`（DOUDI`, `，YYYY`) or between Chinese characters."""
    def join(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        latin = left.isascii() or right.isascii()
        punctuation = any(not c.isascii() and unicodedata.category(c).startswith("P") for c in (left, right))
        return left + (" " if latin and not punctuation else "") + right

    return re.sub(r"(\S)[ \t]*\n\s*(\S)", join, paragraph)


def _summary(command) -> str:
    """The first sentence of a command's help, for the list of commands."""
    text = inspect.cleandoc(command.help or "").partition("\n")[0]
    return text.split("。")[0]


def _option_line(param) -> str | None:
    """`--name VALUE`, or for a switch the form that changes its default; an argument's value."""
    if getattr(param, "hidden", False):
        return None
    if param.param_type_name == "argument":
        return f"{param.metavar or param.name.upper()}{'…' if param.nargs != 1 else ''}"
    if getattr(param, "is_flag", False) and param.secondary_opts:
        return param.secondary_opts[0] if param.default else param.opts[0]
    names = " / ".join(param.opts)
    return names if getattr(param, "is_flag", False) else f"{names} {param.metavar or '值'}"


def _option_help(param) -> str:
    return "显示本帮助" if param.name == "help" else param.help or ""


def _option_default(param) -> str:
    """`必填`, `默认 reports`, or nothing (a switch, or a default the help already says)."""
    if param.required:
        return "必填"
    if getattr(param, "is_flag", False) or getattr(param, "show_default", True) is False or param.default in (None, ""):
        return ""
    return f"默认 {param.default}"


def command_help(command, ctx) -> str:
    required = " ".join(_option_line(p) for p in command.get_params(ctx) if p.required)
    lines = [f"用法：{ctx.command_path} {required + ' ' if required else ''}[选项]", ""]
    if command.help:
        lines += [*_folded(command.help, ""), ""]
    lines.append("选项：")
    for param in command.get_params(ctx):
        if (line := _option_line(param)) is not None:
            default = _option_default(param)
            lines += [f"  {line}{'  ' + default if default else ''}", *_folded(_option_help(param), INDENT)]
    return "\n".join(lines)


def group_help(group, ctx) -> str:
    lines = [f"用法：{ctx.command_path} 命令 [选项]", ""]
    if group.help:
        lines += [*_folded(group.help, ""), ""]
    lines.append("命令：")
    names = group.list_commands(ctx)
    column = max(len(n) for n in names) + 4
    for name in names:
        summary = _folded(_summary(group.get_command(ctx, name)), " " * column)
        lines.append(f"  {name:<{column - 2}}{summary[0].lstrip()}")
        lines += summary[1:]
    lines += ["", f"每个命令的用法：{ctx.command_path} 命令 --help"]
    return "\n".join(lines)


def error_text(error: click_errors.ClickException) -> str:
    """A usage error in Chinese, with where to read the usage."""
    if isinstance(error, click_errors.NoSuchOption):
        message = f"没有选项 {error.option_name}"
        if error.possibilities:
            message += f"（是否想用 {'、'.join(sorted(error.possibilities))}？）"
    elif isinstance(error, click_errors.MissingParameter) and error.param is not None:
        what = "" if error.param.param_type_name == "argument" else "必填选项 "
        message = f"缺少{what}{_option_line(error.param)}"
    elif isinstance(error, click_errors.BadParameter) and error.param is not None:
        what = VALUE_TYPES.get(error.param.type_descriptor.annotation, "不符合要求")
        message = f"{error.param.opts[0]} 的值无效：{what}"
    elif isinstance(error, click_errors.UsageError) and error.message.startswith("No such command"):
        message = f"没有这个命令：{error.message.split(chr(39))[1]}"
    else:
        message = error.format_message()
    ctx = getattr(error, "ctx", None)
    hint = f"\n用 {ctx.command_path} --help 查看用法" if ctx is not None else ""
    return f"doudi: {message}{hint}"


class DoudiCommand(core.TyperCommand):
    def format_help(self, ctx, formatter) -> None:
        formatter.write(command_help(self, ctx) + "\n")


class DoudiGroup(core.TyperGroup):
    def format_help(self, ctx, formatter) -> None:
        formatter.write(group_help(self, ctx) + "\n")

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Typer's main, with usage errors said in Chinese."""
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0  # typer.Exit's code, or 0
        except click_errors.ClickException as e:
            if not standalone_mode:
                raise
            no_args = isinstance(e, click_errors.NoArgsIsHelpError)
            typer.echo(e.ctx.get_help() if no_args else error_text(e), err=not no_args)
            code = e.exit_code
        except click_errors.Abort:
            if not standalone_mode:
                raise
            typer.echo("doudi: 已取消", err=True)
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code
