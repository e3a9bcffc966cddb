-- 低保: who should leave, who should be looked at, and the class top-up (SPEC §4).
--
-- DIBAO_EXIT_DUE           "the household's monthly per-capita income exceeds its 低保 standard (county,
--                           urban/rural): income = max(roster per_capita_income, annual_income_per_capita
--                           / 12 from any member's 建档立卡 row)"
-- EXITED_POVERTY_ON_DIBAO  "a 低保 household has a member whose 建档立卡 status is 已脱贫 (核查重点)"
-- DIBAO_TOPUP_MISMATCH     "|topup − expected| > tolerance, expected = ratio(category) × the member's own
--                           benefit (0 for C/none; the seed: '按其本人享受标准的30%和20%分类别增发')"
--
-- Income and standard per household come from the view dibao_households (sql/dibao_households.sql),
-- which the household roster reads too. Income equal to the standard is not due to exit.
-- Amounts are compared in fen, so a difference of exactly the tolerance never fires.
with
dibao_exit_due as (
    select
        'DIBAO_EXIT_DUE' as rule_code,
        county,
        household_id as subject,
        head_id_number as id_number,
        head_name as name,
        household_id,
        '该户家庭月人均收入 ' || yuan(income_used) || ' 元'
            || case when registry_income_monthly > coalesce(per_capita_income, 0)
                    then '（按建档立卡家庭年人均纯收入 ' || yuan(registry_income_annual)
                         || ' 元折算，低保花名册登记为 ' || yuan(per_capita_income) || ' 元）'
                    else '' end
            || '，高于' || case area_type when 'urban' then '城市' else '农村' end
            || '低保标准 ' || yuan(standard) || ' 元，应按程序退出低保' as detail,
        standard::double as expected,
        income_used::double as actual,
        sources
    from dibao_households
    where income_used > standard
),

members_exited_poverty as (
    select
        dibao.household_id,
        dibao.id_number,
        dibao.name,
        registry.exit_year,
        dibao.src_file,
        dibao.src_sheet,
        dibao.src_row,
        [source_ref(dibao.src_file, dibao.src_sheet, dibao.src_row),
         source_ref(registry.src_file, registry.src_sheet, registry.src_row)] as sources
    from dibao
    join registry using (id_number)
    where registry.poverty_status = 'exited'
),

exited_poverty_on_dibao as (
    select
        'EXITED_POVERTY_ON_DIBAO' as rule_code,
        any_value(households.county) as county,
        members.household_id as subject,
        first(members.id_number order by members.src_file, members.src_sheet, members.src_row)
            as id_number,
        first(members.name order by members.src_file, members.src_sheet, members.src_row) as name,
        members.household_id,
        '该低保户成员'
            || array_to_string(list_sort(list_distinct(list(members.name))), '、')
            || '在建档立卡系统中已脱贫'
            || coalesce('（脱贫年度 '
                        || array_to_string(list_sort(list_distinct(
                               list(members.exit_year) filter (where members.exit_year is not null))), '、')
                        || '）', '')
            || '，请核查家庭收入和财产状况是否仍符合低保条件' as detail,
        null::double as expected,
        null::double as actual,
        flatten(list(members.sources)) as sources
    from members_exited_poverty as members
    join dibao_households as households using (household_id)
    group by members.household_id
),

topup_ratios as (
    select *, topup_ratio(category) as topup_ratio
    from dibao
),

topup_expected as (
    select
        *,
        round(topup_ratio * benefit, 2) as expected_topup,
        coalesce(topup, 0) as paid_topup
    from topup_ratios
),

topup_mismatched_rows as (
    select *
    from topup_expected
    where round(abs(paid_topup - expected_topup), 2) > $tolerance
),

dibao_topup_mismatch as (
    select
        'DIBAO_TOPUP_MISMATCH' as rule_code,
        first(county order by src_file, src_sheet, src_row) as county,
        id_number as subject,
        id_number,
        first(name order by src_file, src_sheet, src_row) as name,
        first(household_id order by src_file, src_sheet, src_row) as household_id,
        first(name order by src_file, src_sheet, src_row) || '为低保'
            || coalesce(' ' || first(category order by src_file, src_sheet, src_row) || ' 类', '（未分类）')
            || '对象，月保障金 ' || yuan(sum(benefit)) || ' 元，应发分类施保金 '
            || yuan(sum(expected_topup)) || ' 元（'
            || percent(first(topup_ratio order by src_file, src_sheet, src_row)) || '），实发 '
            || yuan(sum(paid_topup)) || ' 元，'
            || case when sum(paid_topup) > sum(expected_topup) then '多发 ' else '少发 ' end
            || yuan(abs(sum(paid_topup) - sum(expected_topup))) || ' 元（'
            || rows_text(src_file, src_sheet, src_row) || '）' as detail,
        sum(expected_topup)::double as expected,
        sum(paid_topup)::double as actual,
        list(source_ref(src_file, src_sheet, src_row)) as sources
    from topup_mismatched_rows
    group by id_number
),

findings as (
    select * from dibao_exit_due
    union all by name
    select * from exited_poverty_on_dibao
    union all by name
    select * from dibao_topup_mismatch
)

select * from findings
