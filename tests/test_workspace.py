import os

import pytest

from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_text, content_hash


def test_content_hash_is_stable_and_order_free_for_mappings():
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})
    assert content_hash("x", 1) != content_hash("x", 2)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    atomic_write_text(target, "old")

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"], "no temporary file left behind"


def test_a_failed_version_leaves_nothing_and_latest_stays(tmp_path):
    workspace = Workspace(tmp_path)
    with atomic_dir(workspace.version_dir("datasets/x", "v1")) as building:
        (building / "data").write_text("one")
    workspace.set_latest("datasets/x", "v1")
    with pytest.raises(RuntimeError):
        with atomic_dir(workspace.version_dir("datasets/x", "v2")) as building:
            (building / "data").write_text("half")
            raise RuntimeError("killed")
    assert workspace.versions("datasets/x") == ["v1"]
    assert workspace.latest("datasets/x") == "v1"
    with pytest.raises(FileNotFoundError):
        workspace.set_latest("datasets/x", "v2")


def test_prune_keeps_latest_and_the_newest(tmp_path):
    workspace = Workspace(tmp_path)
    for number, version in enumerate(["a", "b", "c", "d"]):
        with atomic_dir(workspace.version_dir("s", version)) as building:
            (building / "f").write_text(version)
        os.utime(workspace.version_dir("s", version), (number, number))
    workspace.set_latest("s", "a")
    assert sorted(workspace.prune("s", keep=1)) == ["b", "c"]
    assert sorted(workspace.versions("s")) == ["a", "d"]
