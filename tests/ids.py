"""Valid citizen ID numbers for tests, with the check digit computed by python-stdnum."""

from stdnum.cn import ric


def valid_id(area: str = "340702", birth: str = "19800101", sequence: str = "123") -> str:
    first17 = area + birth + sequence
    return first17 + ric.calc_check_digit(first17 + "0")


def with_wrong_check(number: str) -> str:
    right = number[-1]
    wrong = "0" if right != "0" else "1"
    return number[:-1] + wrong
