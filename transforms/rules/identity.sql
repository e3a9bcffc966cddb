-- Identity: one person, one place on the rosters, one name (SPEC §4).
--
-- DIBAO_TEKUN_OVERLAP   "a person is both in 低保 and in 特困"
-- DUPLICATE_ENROLLMENT  "a person has 2+ rows in one of `dibao`, `tekun`, `persons` (two households,
--                        two counties, or a repeated row)"
-- IDENTITY_CONFLICT     "one ID carries two different names across or within sources (after removing
--                        spaces and folding full-width)"
--
-- rules/README: one DUPLICATE_ENROLLMENT per ID even when it repeats in several datasets; names are
-- compared on name_norm (white space removed, NFKC), so 張三 and 张三 are still two names.
-- SPEC §6 (the issue "Identity beyond exact ID numbers", item 3): the detail says which mistake is
-- likelier. Names that sound the same (toneless pinyin, `name_keys`) or differ by one character
-- after folding (traditional → simplified) are a typing slip; unrelated names, an ID used for
-- someone else.
with
dibao_tekun_overlap as (
    select
        'DIBAO_TEKUN_OVERLAP' as rule_code,
        coalesce(dibao.county, tekun.county) as county,
        dibao.id_number as subject,
        dibao.id_number,
        dibao.name,
        dibao.household_id,
        dibao.name || '同时在低保花名册（户编号 ' || dibao.household_id || '，月保障金 '
            || yuan(dibao.benefit) || ' 元）和特困供养人员名册（月基本生活费 '
            || yuan(tekun.basic_paid) || ' 元）中，同一人不应同时享受低保和特困供养，请核实后停发其中一项'
            as detail,
        null::double as expected,
        null::double as actual,
        list_concat(dibao.sources, tekun.sources) as sources,
        false as undecided
    from dibao_members as dibao
    join tekun_members as tekun using (id_number)
),

enrolment_rows as (  -- the datasets a person may appear on only once
    select *
    from person_rows
    where dataset in ('dibao', 'tekun', 'persons')
),

repeated_ids as (  -- found first, described after: most IDs appear once
    select id_number, dataset_order
    from enrolment_rows
    group by id_number, dataset_order
    having count(*) >= 2
),

enrolment_rows_with_county_names as (
    select
        enrolment_rows.*,
        {'code': county, 'name': coalesce(policy_counties.county_name, county)} as county_named
    from enrolment_rows
    semi join repeated_ids using (id_number, dataset_order)
    left join policy_counties using (county)
),

repeated_in_a_dataset as (
    select
        id_number,
        dataset_label,
        dataset_order,
        first(name order by src_file, src_sheet, src_row, src_member) as name,
        first(county order by src_file, src_sheet, src_row, src_member) filter (where county is not null) as county,
        first(household_id order by src_file, src_sheet, src_row, src_member) as household_id,
        count(*) as row_count,
        rows_text(src_file, src_sheet, src_row, src_member) as rows_text,
        list_sort(list_distinct(list(household_id))) as household_ids,
        list_sort(list_distinct(list(county_named) filter (where county is not null))) as counties,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from enrolment_rows_with_county_names
    group by id_number, dataset_label, dataset_order
),

where_repeated as (  -- 低保花名册中有 2 行（…），分属户编号 DB001、DB002，分属 铜官区、枞阳县
    select
        *,
        dataset_label || '中有 ' || row_count || ' 行（' || rows_text || '）'
            || case when len(household_ids) > 1
                    then '，分属户编号 ' || array_to_string(household_ids, '、') else '' end
            || case when len(counties) > 1
                    then '，分属 ' || array_to_string(list_transform(counties, lambda c: c.name), '、')
                    else '' end as where_repeated
    from repeated_in_a_dataset
),

duplicate_enrollment as (
    select
        'DUPLICATE_ENROLLMENT' as rule_code,
        coalesce(first(repeated.county order by repeated.dataset_order)
                     filter (where repeated.county is not null),
                 any_value(home.county)) as county,
        repeated.id_number as subject,
        repeated.id_number,
        first(repeated.name order by repeated.dataset_order) as name,
        coalesce(first(repeated.household_id order by repeated.dataset_order),
                 any_value(home.dibao_household_id)) as household_id,
        first(repeated.name order by repeated.dataset_order) || '在'
            || string_agg(repeated.where_repeated, '；' order by repeated.dataset_order)
            || '，同一人只应登记一次，请核实后删除重复记录' as detail,
        null::double as expected,
        null::double as actual,
        flatten(list(repeated.sources)) as sources,
        false as undecided
    from where_repeated as repeated
    left join assisted_people as home using (id_number)
    group by repeated.id_number
),

ids_with_two_names as (  -- found first, described after: most IDs carry one name
    select id_number
    from person_rows
    group by id_number
    having count(distinct coalesce(name_norm, name)) > 1
),

names_of_an_id as (
    select
        id_number,
        coalesce(name_norm, name) as name_norm,
        first(name order by dataset_order, src_file, src_sheet, src_row, src_member) as name,
        min(dataset_order) as first_dataset,
        -- where the name is first met: its dataset's rank, then file order
        min({'rank': dataset_order, 'file': src_file, 'sheet': src_sheet, 'row': src_row}) as first_row,
        string_agg(distinct dataset_label, '、' order by dataset_label) as dataset_labels,
        first(county order by dataset_order, src_file, src_sheet, src_row, src_member)
            filter (where county is not null) as county,
        list(source_ref(src_file, src_sheet, src_row, src_member)) as sources
    from person_rows
    semi join ids_with_two_names using (id_number)
    group by id_number, coalesce(name_norm, name)
),

name_likeness as (  -- per ID: is every pair of its names alike (同音或一字之差)?
    select
        one.id_number,
        bool_and(coalesce(
            one_keys.pinyin = other_keys.pinyin or levenshtein(one_keys.folded, other_keys.folded) <= 1,
            false
        )) as typing_slip
    from names_of_an_id as one
    join names_of_an_id as other on other.id_number = one.id_number and other.name_norm > one.name_norm
    left join name_keys as one_keys on one_keys.name_norm = one.name_norm
    left join name_keys as other_keys on other_keys.name_norm = other.name_norm
    group by one.id_number
),

identity_conflict as (
    select
        'IDENTITY_CONFLICT' as rule_code,
        coalesce(any_value(home.county), first(names.county order by names.first_row)) as county,
        names.id_number as subject,
        names.id_number,
        coalesce(any_value(home.name), first(names.name order by names.first_row)) as name,
        any_value(home.dibao_household_id) as household_id,
        '同一身份证号登记了 ' || count(*) || ' 个不同姓名：'
            || string_agg(names.name || '（' || names.dataset_labels || '）', '、'
                          order by names.first_dataset, names.name)
            || case when any_value(likeness.typing_slip)
                    then '，姓名同音或一字之差，可能是录入错误，请核实姓名'
                    else '，姓名完全不同，可能是身份证号用错，请核实身份证号' end as detail,
        null::double as expected,
        null::double as actual,
        flatten(list(names.sources)) as sources,
        false as undecided
    from names_of_an_id as names
    join name_likeness as likeness using (id_number)
    left join assisted_people as home using (id_number)
    group by names.id_number
),

findings as (
    select * from dibao_tekun_overlap
    union all by name
    select * from duplicate_enrollment
    union all by name
    select * from identity_conflict
)

select * from findings
