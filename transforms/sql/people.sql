-- Who is who this month: the memberships every rule of SPEC §4 speaks of, defined once.
--
-- SPEC §4: "A person is keyed by the normalised 18-digit ID. 'In 低保' = on this month's `dibao`;
--           'in 特困' = on this month's `tekun`."
-- rules/README: "The `county` of a person-level exception is the county of the rows behind it; when
--           those rows carry none, the county of the person's 低保, 特困 or 建档立卡 row."
--
-- Temporary tables, built once when the month is prepared (after staging) and read by every rule
-- and roster: nothing here is stored in the database file. "First" always means first in file
-- order (file, sheet, row). The macros they use are in macros.sql.

-- Every staged row that names a person, from every dataset, with the dataset's label and
-- rank (datasets table: whose spelling of a name or county is taken first) and the household the
-- row names (低保 or 建档立卡).
create or replace temp table person_rows as
with
rows_of_every_dataset as (
    select 'dibao' as dataset, id_number, name, name_norm, county, household_id,
           src_file, src_sheet, src_row, src_member
    from dibao
    union all
    select 'tekun', id_number, name, name_norm, county, null, src_file, src_sheet, src_row, src_member
    from tekun
    union all
    select 'registry', id_number, name, name_norm, county, household_id, src_file, src_sheet, src_row, src_member
    from registry
    union all
    select 'persons', id_number, name, name_norm, county, null, src_file, src_sheet, src_row, src_member
    from persons
    union all
    select 'enrollment', id_number, name, name_norm, county, null, src_file, src_sheet, src_row, src_member
    from enrollment
    union all
    select 'claims', id_number, name, name_norm, county, null, src_file, src_sheet, src_row, src_member
    from claims
    union all
    select 'deaths', id_number, name, name_norm, county, null, src_file, src_sheet, src_row, src_member
    from deaths
    union all
    select 'children', id_number, name, name_norm, county, null, src_file, src_sheet, src_row, src_member
    from children
    union all
    select 'low_income', id_number, name, name_norm, county, null, src_file, src_sheet, src_row, src_member
    from low_income
    union all
    select 'temp_relief', id_number, name, name_norm, county, null, src_file, src_sheet, src_row, src_member
    from temp_relief
)

select
    rows.dataset,
    datasets.label as dataset_label,
    datasets.person_rank as dataset_order,
    rows.* exclude (dataset)
from rows_of_every_dataset as rows
join datasets using (dataset);

-- In 低保: one row per ID on this month's dibao roster, with what it was paid (unknown when a
-- sheet of theirs has no such column).
create or replace temp table dibao_members as
select
    id_number,
    first(name order by src_file, src_sheet, src_row, src_member) as name,
    first(county order by src_file, src_sheet, src_row, src_member) as county,
    first(household_id order by src_file, src_sheet, src_row, src_member) as household_id,
    known_sum(benefit) as benefit,
    known_sum(topup) as topup,
    list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
from dibao
group by id_number;

-- In 特困: one row per ID on this month's tekun roster.
create or replace temp table tekun_members as
select
    id_number,
    first(name order by src_file, src_sheet, src_row, src_member) as name,
    first(county order by src_file, src_sheet, src_row, src_member) as county,
    known_sum(basic_paid) as basic_paid,
    known_sum(care_paid) as care_paid,
    list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
from tekun
group by id_number;

-- On 建档立卡: one row per ID. "poor" when any of the ID's rows says so (rules/README, disability);
-- unknown when none says so but a row's status is unknown (a sheet without the status column).
create or replace temp table registry_members as
select
    id_number,
    first(name order by src_file, src_sheet, src_row, src_member) as name,
    first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null) as county,
    first(household_id order by src_file, src_sheet, src_row, src_member) as household_id,
    first(labor_ability order by src_file, src_sheet, src_row, src_member) as labor_ability,
    any_true(poverty_status = 'poor') as is_poor,
    any_true(poverty_status = 'exited') as has_exited,
    list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
from registry
group by id_number;

-- Everyone in 低保, in 特困 or on 建档立卡, with the county and household they are known by.
create or replace temp table assisted_people as
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
    case when r.id_number is null then false else r.is_poor end as registry_poor,
    case when r.id_number is null then false else r.has_exited end as registry_exited,
    coalesce(d.sources, []) as dibao_sources,
    coalesce(t.sources, []) as tekun_sources,
    coalesce(r.sources, []) as registry_sources
from ids
left join dibao_members d using (id_number)
left join tekun_members t using (id_number)
left join registry_members r using (id_number);

-- On 低收入人口 (低保边缘, 支出型困难): one row per ID on this month's low_income list.
create or replace temp table low_income_members as
select
    id_number,
    first(name order by src_file, src_sheet, src_row, src_member) as name,
    first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null) as county,
    first(household_id order by src_file, src_sheet, src_row, src_member) as household_id,
    first(low_income_type order by src_file, src_sheet, src_row, src_member) as low_income_type,
    list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
from low_income
group by id_number;

-- On the 困境儿童 roster: one row per ID on this month's children roster, with the category of
-- its first row and what it was paid (unknown when a sheet of theirs has no such column).
create or replace temp table children_members as
select
    id_number,
    first(name order by src_file, src_sheet, src_row, src_member) as name,
    first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null) as county,
    first(child_category order by src_file, src_sheet, src_row, src_member) as child_category,
    first(care_setting order by src_file, src_sheet, src_row, src_member) as care_setting,
    known_sum(allowance) as allowance,
    list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
from children
group by id_number;
