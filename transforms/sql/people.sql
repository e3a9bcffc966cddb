-- Who is who this month: the memberships every rule of SPEC §4 speaks of, defined once.
--
-- SPEC §4: "A person is keyed by the normalised 18-digit ID. 'In 低保' = on this month's `dibao`;
--           'in 特困' = on this month's `tekun`."
-- rules/README: "The `county` of a person-level exception is the county of the rows behind it; when
--           those rows carry none, the county of the person's 低保, 特困 or 建档立卡 row."
--
-- Temporary macros and views only: nothing here is stored, and every view reads the staged tables
-- as they are when a rule runs. "First" always means first in file order (file, sheet, row).

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

-- Every staged row that names a person, from all seven datasets.
create or replace temp view person_rows as
select 'dibao' as dataset, '低保花名册' as dataset_label, 1 as dataset_order,
       id_number, name, name_norm, county, src_file, src_sheet, src_row
from dibao
union all
select 'tekun', '特困供养人员名册', 2, id_number, name, name_norm, county, src_file, src_sheet, src_row
from tekun
union all
select 'registry', '建档立卡人员名单', 3, id_number, name, name_norm, county, src_file, src_sheet, src_row
from registry
union all
select 'persons', '残疾人及两项补贴名单', 4, id_number, name, name_norm, county, src_file, src_sheet, src_row
from persons
union all
select 'enrollment', '参保与资助名单', 5, id_number, name, name_norm, county, src_file, src_sheet, src_row
from enrollment
union all
select 'claims', '住院结算明细', 6, id_number, name, name_norm, county, src_file, src_sheet, src_row
from claims
union all
select 'deaths', '死亡人员名单', 7, id_number, name, name_norm, county, src_file, src_sheet, src_row
from deaths;

-- In 低保: one row per ID on this month's dibao roster, with what it was paid.
create or replace temp view dibao_members as
select
    id_number,
    first(name order by src_file, src_sheet, src_row) as name,
    first(county order by src_file, src_sheet, src_row) as county,
    first(household_id order by src_file, src_sheet, src_row) as household_id,
    sum(benefit) as benefit,
    sum(coalesce(topup, 0)) as topup,
    list(source_ref(src_file, src_sheet, src_row)) as sources
from dibao
group by id_number;

-- In 特困: one row per ID on this month's tekun roster.
create or replace temp view tekun_members as
select
    id_number,
    first(name order by src_file, src_sheet, src_row) as name,
    first(county order by src_file, src_sheet, src_row) as county,
    sum(basic_paid) as basic_paid,
    sum(coalesce(care_paid, 0)) as care_paid,
    list(source_ref(src_file, src_sheet, src_row)) as sources
from tekun
group by id_number;

-- On 建档立卡: one row per ID. "poor" when any of the ID's rows says so (rules/README, disability).
create or replace temp view registry_members as
select
    id_number,
    first(name order by src_file, src_sheet, src_row) as name,
    first(county order by src_file, src_sheet, src_row) filter (where county is not null) as county,
    first(household_id order by src_file, src_sheet, src_row) as household_id,
    first(labor_ability order by src_file, src_sheet, src_row) as labor_ability,
    bool_or(poverty_status = 'poor') as is_poor,
    bool_or(poverty_status = 'exited') as has_exited,
    list(source_ref(src_file, src_sheet, src_row)) as sources
from registry
group by id_number;

-- Everyone in 低保, in 特困 or on 建档立卡, with the county and household they are known by.
create or replace temp view assisted_people as
with ids as (
    select id_number from dibao_members
    union
    select id_number from tekun_members
    union
    select id_number from registry_members
)
select
    ids.id_number,
    coalesce(d.name, t.name, r.name) as name,
    coalesce(d.county, t.county, r.county) as county,
    d.household_id as dibao_household_id,
    r.household_id as registry_household_id,
    d.id_number is not null as in_dibao,
    t.id_number is not null as in_tekun,
    r.id_number is not null as on_registry,
    coalesce(r.is_poor, false) as registry_poor,
    coalesce(r.has_exited, false) as registry_exited,
    coalesce(d.sources, []) as dibao_sources,
    coalesce(t.sources, []) as tekun_sources,
    coalesce(r.sources, []) as registry_sources
from ids
left join dibao_members d using (id_number)
left join tekun_members t using (id_number)
left join registry_members r using (id_number);
