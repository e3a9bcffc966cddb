-- The macros every rule, roster and report query shares: how a row, an amount, a ratio, a level
-- and a household head are written, the class top-up ratio, and the people a rule could not decide.
-- Created once per month, after the policy tables (`topup_ratio` reads policy_topup_ratios).

-- A row's lineage as exceptions.parquet lists it: civil/低保.xlsx:铜官区:5, and where one office
-- row became several (a household's members, SPEC §2) the position in it: civil/低保.xlsx:铜官区:5#2
create or replace temp macro source_ref(src_file, src_sheet, src_row, src_member) as
    src_file || ':' || coalesce(src_sheet, '') || ':' || src_row || coalesce('#' || src_member, '');

-- A row as a detail sentence names it: civil/低保.xlsx·铜官区 第5行 (第5行第2人)
create or replace temp macro row_ref(src_file, src_sheet, src_row, src_member) as
    src_file || coalesce('·' || nullif(src_sheet, ''), '') || ' 第' || src_row || '行'
        || coalesce('第' || src_member || '人', '');

-- The rows of a group in a sentence, in file order (an aggregate): a.xlsx·S 第5行、a.xlsx·S 第10行
create or replace temp macro rows_text(src_file, src_sheet, src_row, src_member) as
    string_agg(row_ref(src_file, src_sheet, src_row, src_member), '、'
               order by src_file, src_sheet, src_row, src_member);

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

-- Unknown facts (SPEC §2): a column a sheet does not have is NULL in the staged table and is
-- never read as 0 or "no". A rule fires on a subject only when it would fire whatever the unknown
-- values were; when the answer depends on one, the subject is undecided (a NULL condition).

-- A sum that is unknown when any of its terms is (an aggregate).
create or replace temp macro known_sum(amount) as
    case when bool_or(amount is null) then null else sum(amount) end;

-- Three-valued "some row": true when a row says so, unknown when none does but a row is unknown.
create or replace temp macro any_true(condition) as
    case when bool_or(condition) then true when bool_or(condition is null) then null else false end;

-- Three-valued "every row": false when a row says not, unknown when none does but a row is unknown.
create or replace temp macro every_true(condition) as
    case when bool_or(not condition) then false when bool_or(condition is null) then null else true end;

-- Money in a sentence, or that it is not known: 812.00 元 / 金额未知
create or replace temp macro yuan_or_unknown(amount) as coalesce(yuan(amount) || ' 元', '金额未知');

-- The people a person rule could not decide (rules/README "Unknown facts"): those with a row of
-- `judged` whose `fires` is unknown and none that proves it, one finding each. `judged` is a
-- table or CTE of rows with id_number, name, county, dibao_household_id, the src_ lineage, fires.
create or replace temp macro undecided_people(judged, code) as table
    select
        code as rule_code,
        first(county order by src_file, src_sheet, src_row, src_member) as county,
        id_number as subject,
        id_number,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        any_value(dibao_household_id) as household_id,
        null as detail,
        null::double as expected,
        null::double as actual,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources,
        true as undecided
    from query_table(judged)
    where fires is null and id_number not in (select id_number from query_table(judged) where fires)
    group by id_number;
