-- Identity beyond exact ID numbers: a mistyped row that is probably someone we know (SPEC §6).
--
-- POSSIBLE_SAME_PERSON  "a quarantined row has a suggestion whose person is in another dataset;
--                        the detail names the rules that would fire if the suggestion is right.
--                        Rules of §4 never change on a suggestion."
--
-- Reads the quarantine's suggestion columns (filled by transforms/month/identity.py before the
-- rules run), the broken rows as typed (`broken_id_rows`), what the rules would say if each
-- suggestion were right (`suggestion_consequences`) and the staged rows of the suggested person.
-- The subject is the quarantined row (file:sheet:row): it is the row the officer corrects.
-- `id_number` is the suggested person, so the person roster shows the suspicion beside them.
with
suggested_rows as (  -- one per quarantined row: the ID reason carries the suggestion
    select
        quarantine.dataset,
        quarantine.file,
        quarantine.sheet,
        quarantine.row,
        quarantine.member,
        source_ref(quarantine.file, quarantine.sheet, quarantine.row, quarantine.member) as ref,
        quarantine.suggested_id_number,
        quarantine.suggestion_basis,
        rows.name,
        rows.county,
        rows.household_id
    from quarantine
    join broken_id_rows as rows
        on rows.src_file = quarantine.file
        and rows.src_sheet = quarantine.sheet
        and rows.src_row = quarantine.row
        and rows.src_member is not distinct from quarantine.member
    where quarantine.suggested_id_number is not null
),

suggested_person_rows as (
    select person_rows.*
    from person_rows
    where id_number in (select suggested_id_number from suggested_rows)
),

found_elsewhere as (  -- the suggested person's rows, kept when one is in another dataset
    select
        suggested.ref,
        string_agg(distinct person.dataset_label, '、' order by person.dataset_label)
            filter (where person.dataset <> suggested.dataset) as other_datasets,
        first(person.name order by person.dataset_order, person.src_file, person.src_sheet, person.src_row, person.src_member)
            as person_name,
        first(person.county order by person.dataset_order, person.src_file, person.src_sheet, person.src_row, person.src_member)
            filter (where person.county is not null) as person_county,
        list(source_ref(person.src_file, person.src_sheet, person.src_row, person.src_member)) as sources
    from suggested_rows as suggested
    join suggested_person_rows as person on person.id_number = suggested.suggested_id_number
    group by suggested.ref
    having count(*) filter (where person.dataset <> suggested.dataset) > 0
),

rules_citing as (  -- 若确为同一人：the rules whose exceptions would cite the row
    select distinct source_ref(src_file, src_sheet, src_row, src_member) as ref, rule_code
    from suggestion_consequences
),

consequences as (
    select ref, string_agg(catalog.title, '、' order by catalog.rule_order) as titles
    from rules_citing
    join rule_catalog as catalog using (rule_code)
    group by ref
),

possible_same_person as (
    select
        'POSSIBLE_SAME_PERSON' as rule_code,
        coalesce(suggested.county, home.county, elsewhere.person_county) as county,
        suggested.ref as subject,
        suggested.suggested_id_number as id_number,
        coalesce(suggested.name, elsewhere.person_name) as name,
        case when suggested.dataset = 'dibao' then suggested.household_id
             else home.dibao_household_id end as household_id,
        row_ref(suggested.file, suggested.sheet, suggested.row, suggested.member) || '（' || datasets.label || '）'
            || coalesce(suggested.name, '') || '的身份证号码有误，疑为' || elsewhere.other_datasets
            || '中的' || elsewhere.person_name || '（' || suggested.suggestion_basis || '）。若确为同一人，'
            || coalesce('将触发：' || consequences.titles, '不会触发其他核对规则')
            || '。请按户籍信息核对后更正身份证号码并重新报送' as detail,
        null::double as expected,
        null::double as actual,
        list_concat([suggested.ref], elsewhere.sources) as sources,
        false as undecided
    from suggested_rows as suggested
    join found_elsewhere as elsewhere using (ref)
    join datasets on datasets.dataset = suggested.dataset
    left join consequences using (ref)
    left join assisted_people as home on home.id_number = suggested.suggested_id_number
),

findings as (
    select * from possible_same_person
)

select * from findings
