-- The macros every rule, roster and report query shares: how a row, an amount, a ratio, a level
-- and a household head are written, and the class top-up ratio. Created once per month, after the
-- policy tables (`topup_ratio` reads policy_topup_ratios).

-- A row's lineage as exceptions.parquet lists it: civil/低保.xlsx:铜官区:5
create or replace temp macro source_ref(src_file, src_sheet, src_row) as
    src_file || ':' || coalesce(src_sheet, '') || ':' || src_row;

-- A row as a detail sentence names it: civil/低保.xlsx·铜官区 第5行
create or replace temp macro row_ref(src_file, src_sheet, src_row) as
    src_file || coalesce('·' || nullif(src_sheet, ''), '') || ' 第' || src_row || '行';

-- The rows of a group in a sentence, in file order (an aggregate): a.xlsx·S 第5行、a.xlsx·S 第10行
create or replace temp macro rows_text(src_file, src_sheet, src_row) as
    string_agg(row_ref(src_file, src_sheet, src_row), '、' order by src_file, src_sheet, src_row);

-- Money in a sentence: 812.00
create or replace temp macro yuan(amount) as printf('%.2f', amount::double);

-- A ratio in a sentence: 30%
create or replace temp macro percent(ratio) as printf('%g', round(ratio * 100, 2)) || '%';

-- A disability level in a sentence: 一级
create or replace temp macro level_cn(level) as ['一', '二', '三', '四'][level] || '级';

-- The head of a household, as 与户主关系 says it (rules/README: the head's row, else the first).
create or replace temp macro is_head(relation) as coalesce(relation in ('户主', '本人'), false);

-- 分类施保 (SPEC §4 DIBAO_TOPUP_MISMATCH): the share of the member's own benefit paid as a class
-- top-up; 0 for class C unless the policy sets one, and for a member without a class.
create or replace temp macro topup_ratio(dibao_category) as
    coalesce((select ratio from policy_topup_ratios as r where r.category = dibao_category), 0);
