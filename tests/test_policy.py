import re
from pathlib import Path

import pytest

from schemas.policy import PolicyError, load_policy

BUNDLED = Path("data/policy.toml")
SAMPLE = Path("data/policy-sample.toml")  # Tongling's with the optional standards of SPEC §3 set


def edited(tmp_path: Path, old: str, new: str) -> Path:
    """The bundled policy with `old` replaced, or the sample policy where the bundled one has no
    such line (an optional key the seed does not set)."""
    text = BUNDLED.read_text(encoding="utf-8")
    if not any(old in line and not line.lstrip().startswith("#") for line in text.splitlines()):
        text = SAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "policy.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_bundled_policy_is_valid_and_names_tonglings_four_districts():
    policy = load_policy(BUNDLED)
    assert sorted(policy.counties) == ["340705", "340706", "340711", "340722"]
    assert policy.rules.topup_ratio.A == 0.30 and policy.rules.care_subsidy_levels == [1, 2]


def test_the_bundled_policy_sets_none_of_the_optional_standards_the_sample_policy_sets():
    bundled, sample = load_policy(BUNDLED).rules, load_policy(SAMPLE).rules
    assert bundled.medical_aid_ratio_low_income is None and bundled.tekun_care is None
    assert sample.medical_aid_ratio_low_income == 0.60 and sample.tekun_care is not None
    assert load_policy(BUNDLED).counties == load_policy(SAMPLE).counties


def test_the_seed_standards_are_realistic():
    policy = load_policy(BUNDLED)
    for county in policy.counties.values():
        assert 600 <= county.dibao_rural <= county.dibao_urban <= 900
        assert county.tekun_basic >= 1.3 * county.dibao_rural - 1


@pytest.mark.parametrize("old, new, key", [
    ("dibao_urban = 720.0", "dibao_urban = -5.0", "counties.340705.dibao_urban"),
    ("medical_aid_ratio = 0.70", "medical_aid_ratio = 1.70", "rules.medical_aid_ratio"),
    ("[counties.340711]", "[removed_340711]", "340711"),
    ("tekun_basic = 936.0                    # 1.3", "# tekun_basic removed", "counties.340705.tekun_basic"),
    ("tolerance = 1.0", "tolerance = \"one\"", "rules.tolerance"),
    # the optional keys of SPEC §3, validated when present
    ("medical_aid_ratio_low_income = 0.60", "medical_aid_ratio_low_income = 1.60",
     "rules.medical_aid_ratio_low_income"),
    ("partial = 280.0", "partial = -280.0", "rules.tekun_care.partial"),
    ("unable = 560.0 }", "unable = 560.0, able = 0.0 }", "rules.tekun_care.able"),
    ("temp_relief_even_min = 10", "temp_relief_even_min = 1", "rules.temp_relief_even_min"),
    ("temp_relief_even_min = 10", "temp_relief_even_min = 9.5", "rules.temp_relief_even_min"),
    ("temp_relief_even_share = 0.8", "temp_relief_even_share = 1.8", "rules.temp_relief_even_share"),
    ("difficulty = 720.0", "difficulty = \"七百\"", "counties.340705.children.difficulty"),
    ("de_facto = 1400.0", "# de_facto removed", "counties.340705.children.de_facto"),
])
def test_a_bad_policy_stops_with_one_line_naming_the_key(tmp_path: Path, old, new, key):
    with pytest.raises(PolicyError) as error:
        load_policy(edited(tmp_path, old, new))
    message = str(error.value)
    assert "\n" not in message and key in message


def test_a_policy_that_is_not_toml_is_refused(tmp_path: Path):
    path = tmp_path / "p.toml"
    path.write_text("[rules\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=re.escape(str(path))):
        load_policy(path)


def test_a_missing_policy_file_is_named(tmp_path: Path):
    with pytest.raises(PolicyError, match="找不到"):
        load_policy(tmp_path / "none.toml")


def test_a_policy_without_the_optional_keys_is_valid_and_takes_the_defaults(tmp_path: Path):
    text = re.sub(r"\[counties\.\d+\.children\][^\[]*", "", BUNDLED.read_text(encoding="utf-8"))
    kept = [line for line in text.splitlines()
            if not line.startswith(("medical_aid_ratio_low_income", "tekun_care", "temp_relief_even"))]
    path = tmp_path / "policy.toml"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    policy = load_policy(path)
    rules = policy.rules
    assert rules.medical_aid_ratio_low_income is None and rules.tekun_care is None
    assert (rules.temp_relief_even_min, rules.temp_relief_even_share) == (10, 0.8)
    assert all(county.children is None for county in policy.counties.values())
    assert policy.missing_keys(("tekun_care", "children")) == ["tekun_care", "children"]


def test_the_sample_policy_sets_every_optional_key_so_the_sample_month_runs_every_rule():
    policy = load_policy(SAMPLE)
    assert policy.missing_keys(("tekun_care", "children")) == []
    assert policy.rules.medical_aid_ratio_low_income == 0.60
    assert load_policy(BUNDLED).missing_keys(("tekun_care", "children")) == ["tekun_care"]
