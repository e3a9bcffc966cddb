-- Coverage: poor households that cannot work must be inside the safety net (SPEC §4).
--
-- COVERAGE_GAP  "a 建档立卡 household not 已脱贫, every member's labor ability is none, and no member is
--                in 低保 or 特困"
--
-- rules/README: the household is the registry household_id; none of its rows says `exited`, all of
-- its rows say labor ability `none` (弱劳动力 is not none), and none of its members is on this month's
-- dibao or tekun. The exception names the head (与户主关系 户主/本人), else the first row.
-- Unknowns (SPEC §2): a status or labor ability no sheet gave is unknown; the household is
-- undecided when it would fire with the unknowns one way and not the other.
with
registry_rows as (
    select *, is_head(relation) as is_head
    from registry
),

registry_households as (
    select
        household_id,
        first(county order by not is_head, src_file, src_sheet, src_row, src_member)
            filter (where county is not null) as county,
        first(id_number order by not is_head, src_file, src_sheet, src_row, src_member) as head_id_number,
        first(name order by not is_head, src_file, src_sheet, src_row, src_member) as head_name,
        count(distinct id_number) as members,
        string_agg(distinct name, '、' order by name) as member_names,
        any_true(poverty_status = 'exited') as any_exited,
        every_true(labor_ability = 'none') as none_can_work,
        bool_or(id_number in (select id_number from dibao)
                or id_number in (select id_number from tekun)) as any_member_covered,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from registry_rows
    group by household_id
),

coverage_gap as (
    select
        'COVERAGE_GAP' as rule_code,
        coalesce(households.county, home.county) as county,
        households.household_id as subject,
        households.head_id_number as id_number,
        households.head_name as name,
        households.household_id,
        '建档立卡户（户编号 ' || households.household_id || '，' || households.members || ' 人：'
            || households.member_names || '）未脱贫，全部成员无劳动能力，但无人纳入低保或特困供养，'
            || '请入户核查是否应纳入兜底保障' as detail,
        null::double as expected,
        null::double as actual,
        households.sources,
        (not households.any_exited and households.none_can_work) is null as undecided
    from registry_households as households
    left join assisted_people as home on home.id_number = households.head_id_number
    where (not households.any_exited and households.none_can_work) is distinct from false
      and not households.any_member_covered
),

findings as (
    select * from coverage_gap
)

select * from findings
