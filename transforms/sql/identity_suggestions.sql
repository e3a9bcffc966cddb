-- Identity beyond exact ID numbers (SPEC §6): which valid ID of the month a broken ID most likely is.
--
-- SPEC §6: "filled only when one candidate is clearly best: a valid ID of the month one substitution
--           or one adjacent transposition away (or agreeing with every surviving digit of a
--           precision-lost number) whose name is the same after folding (spaces, full-width,
--           traditional → simplified) or sounds the same (toneless pinyin), and whose birth date and
--           county agree where the row has them."
--
-- One row per quarantined row whose ID is broken ($broken_reasons), with the suggestion, its basis
-- (Chinese) and its score out of 100, or, when several candidates share the best score, no
-- suggestion and the candidates listed. Reads `broken_id_rows` (the rows, typed), `quarantine`
-- (their reason), `name_keys` (folded spelling and sound of every name) and `person_rows`.
--
-- Blocking: a candidate sounds like the row (a name the same after folding sounds the same too), so
-- a row is compared only with the people of its sound, never with the whole month. The birth date
-- is digits 7–14 of the ID: one substitution or transposition there still leaves a candidate, but a
-- candidate whose birth date agrees scores higher. A row's county, where it has one, must be one
-- of the candidate's counties.
with
broken_rows as (  -- the rows to place: the ID as typed, the name's keys, the county
    select
        rows.dataset,
        rows.src_file,
        rows.src_sheet,
        rows.src_row,
        rows.src_member,
        rows.name,
        rows.name_norm,
        rows.county,
        upper(rows.id_number) as typed_id,
        quarantine.reason,
        keys.folded,
        keys.pinyin
    from broken_id_rows as rows
    join quarantine
        on quarantine.file = rows.src_file
        and quarantine.sheet = rows.src_sheet
        and quarantine.row = rows.src_row
        and quarantine.member is not distinct from rows.src_member
        and list_contains($broken_reasons, quarantine.reason)
    join name_keys as keys using (name_norm)
    where keys.pinyin <> ''
),

surviving_digits as (  -- what is left of the number: 15 significant digits of a float, or a prefix
    select
        *,
        case
            -- Excel keeps 15 significant digits of an 18-digit number: 3.40705198001011E+17
            when reason = 'ID_PRECISION_LOST' and try_cast(typed_id as double) between 1e17 and 1e18
                then cast(round(try_cast(typed_id as double) / 1000) as bigint)::varchar
            -- a number cut short: 16 or 17 digits of the 18
            when reason = 'ID_MALFORMED' and regexp_full_match(typed_id, '\d{16,17}') then typed_id
        end as surviving
    from broken_rows
),

names_sought as (  -- the month's names that sound like a broken row's: the blocks
    select name_norm, folded, pinyin
    from name_keys
    where pinyin in (select pinyin from broken_rows)
),

people as (  -- the valid IDs of the month carrying one of those names
    select
        person_rows.id_number,
        person_rows.name_norm,
        min(person_rows.name) as name,  -- spellings of one name_norm differ in white space only
        any_value(names_sought.folded) as folded,
        any_value(names_sought.pinyin) as pinyin
    from person_rows
    join names_sought using (name_norm)
    group by person_rows.id_number, person_rows.name_norm
),

sounding_alike as (  -- the block: people who sound like the row
    select
        rows.*,
        people.id_number,
        people.name as candidate_name,
        people.name_norm as candidate_name_norm,
        rows.folded = people.folded as same_name
    from surviving_digits as rows
    join people using (pinyin)
),

near_enough as (  -- at most two digits apart (counted natively), or a number that lost digits
    select *
    from sounding_alike
    where (length(typed_id) = 18 and hamming(typed_id, id_number) <= 2) or surviving is not null
),

compared as (  -- where the typed ID and the candidate's differ, position by position (1-based)
    select
        *,
        case when length(typed_id) = 18 then list_filter(
            range(1, 19), lambda i: substr(typed_id, i, 1) <> substr(id_number, i, 1)
        ) end as differing
    from near_enough
),

id_related as (  -- how the typed ID can be the candidate's
    select
        *,
        case
            when len(differing) = 1 then 'substitution'
            when len(differing) = 2
                and differing[2] = differing[1] + 1
                and substr(typed_id, differing[1], 1) = substr(id_number, differing[2], 1)
                and substr(typed_id, differing[2], 1) = substr(id_number, differing[1], 1)
                then 'transposition'
            when reason = 'ID_PRECISION_LOST' and surviving is not null
                and (starts_with(id_number, surviving)
                     or cast(round(try_cast(left(id_number, 17) as double) / 100) as bigint)::varchar = surviving)
                then 'surviving'
            when reason = 'ID_MALFORMED' and surviving is not null and starts_with(id_number, surviving)
                then 'cut_short'
        end as id_relation
    from compared
),

people_places as (  -- where each candidate is known: counties and datasets
    select
        id_number,
        coalesce(list_sort(list_distinct(list(county) filter (where county is not null))), []) as counties,
        string_agg(distinct dataset_label, '、' order by dataset_label) as dataset_labels
    from person_rows
    where id_number in (select id_number from id_related where id_relation is not null)
    group by id_number
),

candidates as (  -- one row per (row, candidate ID): its best name, birth date and county agreement
    select
        related.src_file,
        related.src_sheet,
        related.src_row,
        related.src_member,
        related.id_number,
        any_value(related.name) as row_name,
        any_value(related.name_norm) as row_name_norm,
        any_value(related.id_relation) as id_relation,
        any_value(related.differing) as differing,
        any_value(related.typed_id) as typed_id,
        bool_or(related.same_name) as same_name,
        first(related.candidate_name order by related.same_name desc, related.candidate_name_norm)
            as candidate_name,
        first(related.candidate_name_norm order by related.same_name desc, related.candidate_name_norm)
            as candidate_name_norm,
        any_value(related.county) as row_county,
        any_value(places.counties) as counties,
        any_value(places.dataset_labels) as dataset_labels
    from id_related as related
    join people_places as places using (id_number)
    where related.id_relation is not null
    group by related.src_file, related.src_sheet, related.src_row, related.src_member, related.id_number
),

agreeing as (  -- birth date (digits 7–14) and county, where the row has them
    select
        *,
        -- a float or a number cut short keeps the birth date whole
        coalesce(list_bool_and(list_transform(differing, lambda i: i not between 7 and 14)), true)
            as birth_agrees,
        row_county is not null and list_contains(counties, row_county) as county_agrees
    from candidates
    where row_county is null or len(counties) = 0 or list_contains(counties, row_county)
),

scored as (  -- out of 100: how the ID relates 40–50, the name 20–30, birth date 10, county 10
    select
        *,
        case id_relation when 'substitution' then 50 when 'transposition' then 50
                         when 'surviving' then 45 else 40 end
            + case when same_name then 30 else 20 end
            + case when birth_agrees then 10 else 0 end
            + case when county_agrees then 10 else 0 end as score
    from agreeing
),

described as (  -- the basis, as the quarantine workbook shows it
    select
        *,
        case
            when not same_name then '姓名同音（' || row_name || '／' || candidate_name || '）'
            when row_name_norm <> candidate_name_norm
                then '姓名相同（繁简写法不同：' || row_name || '／' || candidate_name || '）'
            else '姓名相同'
        end
        || '，'
        || case id_relation
            when 'substitution' then '身份证号相差一位（第 ' || differing[1] || ' 位）'
            when 'transposition' then '身份证号第 ' || differing[1] || '、' || differing[2] || ' 位顺序颠倒'
            when 'surviving' then '身份证号前 15 位一致（存成数字后末 3 位已丢失）'
            else '身份证号少了末尾 ' || (18 - length(typed_id)) || ' 位，其余各位一致'
        end
        || case when county_agrees then '，区县相同' else '' end as basis
    from scored
),

best as (
    select
        *,
        count(*) over (partition by src_file, src_sheet, src_row, src_member, score) as sharing_score,
        max(score) over (partition by src_file, src_sheet, src_row, src_member) as best_score
    from described
),

suggestions as (
    select
        src_file,
        src_sheet,
        src_row,
        src_member,
        any_value(id_number) filter (where sharing_score = 1) as suggested_id_number,
        case when count(*) = 1 then any_value(basis)
             else '有 ' || count(*) || ' 人同样符合，未作建议，请核实：'
                  || string_agg(id_number || '（' || dataset_labels || '；' || basis || '）', '；'
                                order by id_number)
        end as suggestion_basis,
        any_value(score) filter (where sharing_score = 1) as suggestion_score,
        list(id_number order by id_number) as candidates
    from best
    where score = best_score
    group by src_file, src_sheet, src_row, src_member
),

final as (  -- every broken row, with or without a suggestion
    select
        rows.dataset,
        rows.src_file as file,
        rows.src_sheet as sheet,
        rows.src_row as row,
        rows.src_member as member,
        suggestions.suggested_id_number,
        suggestions.suggestion_basis,
        suggestions.suggestion_score,
        coalesce(suggestions.candidates, []) as candidates
    from broken_id_rows as rows
    left join suggestions
        on suggestions.src_file = rows.src_file
        and suggestions.src_sheet = rows.src_sheet
        and suggestions.src_row = rows.src_row
        and suggestions.src_member is not distinct from rows.src_member
)

select * from final
order by file, sheet, row, member
