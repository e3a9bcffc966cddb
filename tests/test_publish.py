from pathlib import Path

import pytest

from transforms.month.publish import building_folder, output_entries


def publish(out: Path, content: str, fail: bool = False) -> None:
    with building_folder(out, "2024-10") as folder:
        (folder / "manifest.json").write_text(content)
        (folder / "exceptions.parquet").write_text(content)
        if fail:
            raise RuntimeError("crash while writing")


def test_a_successful_run_replaces_the_period_whole(tmp_path: Path):
    publish(tmp_path, "first")
    publish(tmp_path, "second")
    assert (tmp_path / "2024-10" / "exceptions.parquet").read_text() == "second"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == ["2024-10"]


def test_a_failed_run_leaves_the_previous_outputs_in_place(tmp_path: Path):
    publish(tmp_path, "first")
    with pytest.raises(RuntimeError):
        publish(tmp_path, "second", fail=True)
    assert (tmp_path / "2024-10" / "manifest.json").read_text() == "first"
    assert not list(tmp_path.glob(".2024-10.building-*"))


def test_a_swap_interrupted_between_renames_is_recovered(tmp_path: Path):
    publish(tmp_path, "first")
    (tmp_path / "2024-10").rename(tmp_path / ".2024-10.previous-123")
    publish(tmp_path, "second")
    assert (tmp_path / "2024-10" / "manifest.json").read_text() == "second"
    assert not list(tmp_path.glob(".2024-10.previous-*"))


def test_outputs_are_listed_with_their_sha256_but_not_the_manifest(tmp_path: Path):
    publish(tmp_path, "x")
    entries = output_entries(tmp_path / "2024-10")
    assert [e["file"] for e in entries] == ["exceptions.parquet"]
    assert len(entries[0]["sha256"]) == 64
