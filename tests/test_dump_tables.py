import logging
from pathlib import Path

import pytest
import sqlglot

from sample_month.formats import write_mysql_dump, write_sql_server_dump
from schemas.policy import load_policy
from tests.files import table_plan
from tests.ids import numbered_id
from transforms.ingest import dump_tables as dumps
from transforms.ingest.dump_tables import DumpTable, dump_tables
from transforms.ingest.file import ingest_file
from transforms.ingest.guard import UnreadableFile

POLICY = load_policy("data/policy.toml")
A, B, C = numbered_id(1), numbered_id(2), numbered_id(3)

MYSQL = f"""-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `dibao`;
CREATE TABLE `dibao` (
  `id` int(11) unsigned NOT NULL AUTO_INCREMENT COMMENT '主键',
  `姓名` varchar(20) CHARACTER SET utf8mb4 DEFAULT NULL,
  `身份证号码` varchar(18) DEFAULT NULL,
  `月保障金` decimal(10,2) DEFAULT NULL,
  PRIMARY KEY (`id`) USING BTREE
) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COMMENT='低保';
LOCK TABLES `dibao` WRITE;
/*!40000 ALTER TABLE `dibao` DISABLE KEYS */;
INSERT INTO `dibao` VALUES (1,'张三','{A}',420.00),(2,'O\\'Brien\\\\','{B}',-5),(3,'李''四',NULL,NULL);
INSERT INTO `dibao` VALUES (4,'王\\n五','{C}',620.50);
/*!40000 ALTER TABLE `dibao` ENABLE KEYS */;
UNLOCK TABLES;
-- Dump completed on 2024-11-05 10:00:00
"""

SQL_SERVER = f"""USE [mzxt]
GO
/****** Object:  Table [dbo].[参保]    Script Date: 2024/11/5 10:00:00 ******/
SET ANSI_NULLS ON
GO
CREATE TABLE [dbo].[参保](
\t[ID] [int] IDENTITY(1,1) NOT NULL,
\t[姓名] [nvarchar](20) NULL,
\t[身份证号] [varchar](18) NULL,
\t[缴费] [decimal](10, 2) NULL,
\t[日期] [datetime] NULL,
\t[备注] [nvarchar](max) NULL,
 CONSTRAINT [PK_参保] PRIMARY KEY CLUSTERED
(
\t[ID] ASC
)WITH (PAD_INDEX = OFF, STATISTICS_NORECOMPUTE = OFF) ON [PRIMARY]
) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]
GO
SET IDENTITY_INSERT [dbo].[参保] ON

INSERT [dbo].[参保] ([ID], [姓名], [身份证号], [缴费], [日期], [备注]) VALUES (1, N'张三', N'{A}', CAST(420.00 AS Decimal(10, 2)), CAST(N'2024-10-05T00:00:00.000' AS DateTime), NULL)
INSERT [dbo].[参保] ([ID], [姓名], [备注], [身份证号]) VALUES (2, N'O''Brien', N'两行
备注', N'{B}')
SET IDENTITY_INSERT [dbo].[参保] OFF
GO
"""


def table(text: str, encoding: str = "utf-8") -> DumpTable:
    (found,) = dump_tables(text.encode(encoding))
    return found


def test_a_mysqldump_table_is_read_with_its_escapes_nulls_and_numbers_as_written():
    found = table(MYSQL)
    assert (found.name, found.columns, found.error) == ("dibao", ["id", "姓名", "身份证号码", "月保障金"], "")
    assert found.rows == [["1", "张三", A, "420.00"], ["2", "O'Brien\\", B, "-5"], ["3", "李'四", None, None],
                          ["4", "王\n五", C, "620.50"]]


def test_a_sql_server_script_is_read_without_semicolons_with_its_go_batches_and_casts():
    found = table(SQL_SERVER)
    assert (found.name, found.columns) == ("参保", ["ID", "姓名", "身份证号", "缴费", "日期", "备注"])
    assert found.rows == [["1", "张三", A, "420.00", "2024-10-05T00:00:00.000", None],
                          ["2", "O'Brien", B, None, None, "两行\n备注"]]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gbk"])
def test_a_script_is_decoded_whatever_its_chinese_encoding(encoding: str):
    assert table(SQL_SERVER, encoding).rows[0][1] == "张三"


def test_a_broken_statement_sets_its_own_table_aside_and_the_others_are_read():
    text = MYSQL.replace("-- Dump completed", """CREATE TABLE `坏表` (`a` int, `b` varchar(9));
INSERT INTO `坏表` VALUES (1,'x);
INSERT INTO `mzj`.`死亡` (`姓名`,`身份证号码`) VALUES ('赵六','{A}');
-- Dump completed""")
    dibao, broken, deaths = dump_tables(text.encode())
    assert (dibao.error, len(dibao.rows)) == ("", 4)
    assert (broken.name, broken.rows, broken.error) == ("坏表", [], dumps.BROKEN.format(line=18, what=" INSERT "))
    assert broken.error == "第 18 行的 INSERT 语句无法解析（可能被截断、引号不配对或写法有误）：此表未读取，请从原系统重新导出"
    assert (deaths.name, deaths.columns, deaths.error) == ("死亡", ["姓名", "身份证号码"], "")


def test_replace_and_insert_ignore_statements_are_rows_like_any_insert():
    found = table("CREATE TABLE `t` (`a` int, `b` text);\nREPLACE INTO `t` VALUES (1,'x');\n"
                  "INSERT IGNORE INTO `t` (`b`) VALUES ('y');\n")
    assert (found.rows, found.error) == ([["1", "x"], [None, "y"]], "")


def test_a_row_of_the_wrong_width_sets_its_table_aside():
    found = table("CREATE TABLE t (a int, b int);\nINSERT INTO t VALUES (1,2),(3);\n")
    assert (found.rows, found.error) == ([], dumps.WIDTH.format(line=2, values=1, columns=2))


def test_rows_without_column_names_anywhere_set_their_table_aside():
    assert table("INSERT INTO t VALUES (1,2);\n").error == dumps.NO_COLUMNS


def test_a_mysqldump_cut_short_sets_its_last_table_aside():
    text = MYSQL.replace("-- Dump completed on 2024-11-05 10:00:00\n", "")
    assert table(text).error == dumps.CUT_SHORT


def test_a_table_with_no_rows_is_a_table_with_its_column_names():
    found = table("CREATE TABLE `t` (`姓名` varchar(9), `身份证号码` varchar(18));\n")
    assert (found.columns, found.rows, found.error) == (["姓名", "身份证号码"], [], "")


@pytest.mark.parametrize("content, reason", [
    ("-- 只有注释\nSELECT 1;\n".encode(), dumps.NO_TABLES),
    (b"\x00\x01\x02\xff\xfe" * 100, dumps.BINARY_DUMP),
    ("CREATE TABLE t (a int);".encode("gbk") + b"\xff\x80\xfe\xff" * 30, dumps.UNKNOWN_ENCODING_DUMP),
], ids=["no-tables", "binary", "no-encoding"])
def test_a_script_that_holds_no_tables_is_refused_with_a_reason(content: bytes, reason: str):
    with pytest.raises(UnreadableFile, match=reason):
        dump_tables(content)


def test_a_statement_sqlglot_falls_back_on_is_never_quoted_in_the_log(caplog):
    with caplog.at_level(logging.DEBUG):  # sqlglot warns quoting the statement, names included
        sqlglot.parse_one("CREATE TABLE 张三 (a int) TEXTIMAGE_ON [PRIMARY]", read="tsql")
    assert "张三" not in caplog.text


@pytest.mark.parametrize("writer, name", [(write_mysql_dump, "低保.sql"), (write_sql_server_dump, "低保_mssql.sql")])
def test_a_dibao_dump_is_ingested_with_rows_numbered_from_1(tmp_path: Path, writer, name: str):
    rows = [["区县", "户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金"],
            ["铜官区", "H1", "张三", A, "城市", 300, 420.0], ["铜官区", "H1", "李四", B, "城市", 300, None],
            ["铜官区", "H2", "王五", C, "农村", 100.5, 620]]
    path = tmp_path / name
    writer(path, [table_plan("dbo_低保", rows), table_plan("代码表", [["代码", "名称"], ["01", "城市"]])])
    result = ingest_file(path, f"civil/{name}", "2024-10", POLICY)
    (sheet,) = result.sheets
    assert (sheet.sheet, sheet.dataset, sheet.rows_read, sheet.rows_accepted) == ("dbo_低保", "dibao", 3, 2)
    assert sheet.accepted.select("src_row", "name", "benefit").rows() == [(1, "张三", 420.0), (3, "王五", 620.0)]
    assert sheet.quarantine.select("row", "reason", "field").rows() == [(2, "REQUIRED_MISSING", "benefit")]
    assert [i["sheet"] for i in result.ignored_sheets] == ["代码表"]
