"""Citizen ID numbers for tests: valid ones, broken ones, and the checks a test applies to them.

Check digits come from python-stdnum (GB 11643-1999), never from doudi's own normaliser, so a
test of the normaliser is not a test of itself.
"""

import re

from stdnum.cn import ric


def valid_id(area: str = "340702", birth: str = "19800101", sequence: str = "123") -> str:
    first17 = area + birth + sequence
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum ignores the 18th character


def numbered_id(n: int, area: str = "340705", birth: str = "19800101") -> str:
    """A valid ID for person number `n` (sequence digits n, zero-padded)."""
    return valid_id(area, birth, f"{n:03d}")


def with_wrong_check(number: str) -> str:
    right = number[-1]
    wrong = "0" if right != "0" else "1"
    return number[:-1] + wrong


def is_valid_id(number: str) -> bool:
    """18 characters, 17 digits then a digit or X, and the right check digit (birth date not checked)."""
    return bool(re.fullmatch(r"\d{17}[\dX]", number)) and ric.calc_check_digit(number) == number[17]


def lengthened(legacy: str) -> str:
    """A 15-digit legacy number as 18 digits: '19' before the birth year, and a check digit."""
    first17 = legacy[:6] + "19" + legacy[6:]
    return first17 + ric.calc_check_digit(first17 + "0")
