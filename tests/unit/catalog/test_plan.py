import argparse

import pytest

from leak_tests.catalog.names import CONDITIONS, SITE_IDS
from leak_tests.errors import UsageError
from leak_tests.matrix.plan import (
    ScenarioSpec,
    parse_choices,
    parse_shard,
    plan_scenarios,
    select_shard,
)


def test_plan_lists_every_combination_by_default() -> None:
    # GIVEN no filters
    # WHEN the scenarios are listed
    specs = plan_scenarios()

    # THEN each site has three pattern/context pairs under every condition
    assert len(specs) == len(SITE_IDS) * 3 * len(CONDITIONS)
    assert len(set(specs)) == len(specs)


def test_plan_keeps_fixed_pattern_in_helper_context_only() -> None:
    # GIVEN / WHEN
    specs = plan_scenarios()

    # THEN
    assert {spec.context for spec in specs if spec.pattern == "fixed"} == {"helper"}
    assert {spec.context for spec in specs if spec.pattern == "legacy"} == {
        "thread",
        "pool",
    }


def test_plan_filters_sites_patterns_and_conditions() -> None:
    # GIVEN filters on every axis
    # WHEN
    specs = plan_scenarios(
        sites=["vendor_invite", "booking_whatsapp"],
        patterns=["legacy"],
        contexts=["pool", "thread", "helper"],
        conditions=["slow"],
    )

    # THEN catalog order is kept and only the chosen values appear
    assert [spec.id for spec in specs] == [
        "booking_whatsapp/legacy/thread/slow",
        "booking_whatsapp/legacy/pool/slow",
        "vendor_invite/legacy/thread/slow",
        "vendor_invite/legacy/pool/slow",
    ]


def test_plan_returns_nothing_for_fixed_outside_helper() -> None:
    # GIVEN / WHEN
    specs = plan_scenarios(patterns=["fixed"], contexts=["thread"])

    # THEN
    assert specs == []


def test_spec_marks_fault_conditions() -> None:
    # GIVEN / WHEN / THEN
    assert not ScenarioSpec("vendor_invite", "fixed", "helper", "ok").is_fault
    assert ScenarioSpec("vendor_invite", "fixed", "helper", "slow").is_fault
    assert ScenarioSpec("vendor_invite", "fixed", "helper", "dropped").is_fault


def test_parse_choices_keeps_order_and_drops_repeats() -> None:
    # GIVEN / WHEN
    chosen = parse_choices(
        "--sites", "vendor_invite, broker_invite,vendor_invite", SITE_IDS
    )

    # THEN
    assert chosen == ("vendor_invite", "broker_invite")


def test_parse_choices_none_selects_everything() -> None:
    # GIVEN / WHEN / THEN
    assert parse_choices("--sites", None, SITE_IDS) == SITE_IDS


def test_parse_choices_rejects_unknown_value() -> None:
    # GIVEN / WHEN
    with pytest.raises(UsageError) as raised:
        parse_choices("--patterns", "fixed,old", ("fixed", "legacy"))

    # THEN the message names the option, the value and the valid values
    assert "--patterns" in str(raised.value)
    assert "'old'" in str(raised.value)
    assert "fixed, legacy" in str(raised.value)


def test_parse_choices_rejects_empty_value() -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(UsageError, match="--conditions is empty"):
        parse_choices("--conditions", " , ", CONDITIONS)


@pytest.mark.parametrize("count", [1, 2, 3, 7, len(plan_scenarios())])
def test_shards_cover_plan_once(count: int) -> None:
    # GIVEN the full plan
    specs = plan_scenarios()

    # WHEN it is split into shards
    shards = [select_shard(specs, index, count) for index in range(1, count + 1)]

    # THEN every scenario is in exactly one shard
    flat = [spec for shard in shards for spec in shard]
    assert sorted(flat, key=lambda s: s.id) == sorted(specs, key=lambda s: s.id)
    assert len(flat) == len(set(flat))


@pytest.mark.parametrize(("text", "expected"), [("1/1", (1, 1)), ("2/4", (2, 4))])
def test_parse_shard_accepts_index_of_count(
    text: str, expected: tuple[int, int]
) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2", ""])
def test_parse_shard_rejects_invalid_text(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="invalid shard"):
        parse_shard(text)
