"""Merging the shards of a run gives the scenario set of the unsharded run."""

from __future__ import annotations

from pathlib import Path

from report_documents import make_document, make_scenario

from leak_tests.matrix.plan import plan_scenarios, select_shard
from leak_tests.report import merge_documents


def test_merged_shards_equal_unsharded_scenarios() -> None:
    # GIVEN three shard documents, each holding its shard of the full plan
    specs = plan_scenarios()
    runs = []
    for index in range(1, 4):
        document = make_document()
        document["scenarios"] = [
            make_scenario(spec.site, spec.pattern, spec.context, spec.condition)
            for spec in select_shard(specs, index, 3)
        ]
        runs.append((Path(f"shard{index}.json"), document))

    # WHEN they are merged
    merged = merge_documents(runs)

    # THEN the merged scenario ids are those of one unsharded run, once each
    ids = [scenario["id"] for scenario in merged["scenarios"]]
    assert sorted(ids) == sorted(spec.id for spec in specs)
    assert len(ids) == len(set(ids))
