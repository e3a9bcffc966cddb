"""How two names are compared (SPEC §6): the same after folding, or the same sound.

`name_keys` gives, for each distinct name, its folded spelling (white space removed, full-width
forms folded, traditional characters made simplified by OpenCC) and its sound (pypinyin's usual
reading of each character, without tones: 李明 and 黎明 are both li ming). The month's names are
keyed once, into the table `name_keys` that the identity rules join. A city has tens of thousands
of distinct names but a few thousand distinct characters: pypinyin is asked about each character
once, OpenCC about all names in one call.
"""

from __future__ import annotations

import os
import unicodedata
from functools import cache

import duckdb
import opencc
import polars as pl

# Names are read one character at a time, so pypinyin's phrase dictionary (a third of a second to
# load, for readings of multi-character words) is never consulted: tell it not to load.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

NAME_KEYS_DDL = "name_norm varchar primary key, folded varchar, pinyin varchar"


@cache
def _traditional_to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def folded_names(names: pl.Series) -> pl.Series:
    """Each name NFKC-folded, without white space, in simplified characters (張三 -> 张三).

    One OpenCC call over the names joined by line breaks: a name holds no white space once folded.
    """
    bare = names.str.normalize("NFKC").str.replace_all(r"\s", "")
    text = "\n".join(bare.fill_null("").to_list())
    simplified = _traditional_to_simplified().convert(text).split("\n") if text else []
    if len(simplified) != bare.len():  # OpenCC keeps line breaks; anything else is a bug
        raise RuntimeError("OpenCC changed the number of names")
    return pl.Series(names.name, simplified, dtype=pl.String).zip_with(bare.is_not_null(), bare)


def char_readings(chars: list[str]) -> dict[str, str]:
    """Each character's usual reading without tone (pypinyin): 李 and 黎 are both li. Punctuation
    (the · of 买买提·艾力) is silent; a letter or digit stands for itself, lower-cased."""
    from pypinyin import Style, pinyin  # only for a month with names to key

    readings = {}
    for char in chars:
        silent = unicodedata.category(char).startswith(("P", "Z", "S"))
        readings[char] = "" if silent else pinyin(char, style=Style.NORMAL, errors="default")[0][0].lower()
    return readings


def sounds(folded: pl.Series) -> pl.Series:
    """Each folded name as it sounds: its characters' readings joined by spaces (li ming)."""
    chars = folded.str.split("")
    readings = char_readings(chars.explode().drop_nulls().unique().to_list())
    spoken = chars.list.eval(pl.element().replace_strict(readings, return_dtype=pl.String))
    return spoken.list.eval(pl.element().filter(pl.element() != "")).list.join(" ").rename("pinyin")


def name_keys(names: pl.Series) -> pl.DataFrame:
    """One row per distinct name as staged (`name_norm`): its folded spelling and its sounds."""
    distinct = pl.DataFrame({"name_norm": names.drop_nulls().unique()})
    folded = distinct.with_columns(folded_names(distinct["name_norm"]).alias("folded"))
    return folded.with_columns(sounds(folded["folded"]).alias("pinyin"))


def create_name_keys(con: duckdb.DuckDBPyConnection, names_sql: str) -> None:
    """The temp table `name_keys` over the names that `names_sql` (one column) returns."""
    names = con.sql(names_sql).pl().to_series()
    con.execute(f"create or replace temp table name_keys ({NAME_KEYS_DDL})")
    keys = name_keys(names)
    if keys.height:
        con.register("incoming_name_keys", keys.to_arrow())
        con.execute("insert into name_keys select * from incoming_name_keys")
        con.unregister("incoming_name_keys")
