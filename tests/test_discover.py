"""The one walker for folders (``trtc_privacy.discover``): its link policies, and what each caller
(lint, scan, the lockfile search, an artifact folder) makes of a link inside the tree, a link
leaving it, a loop and a dangling link. The callers' answers are the ones they gave before the
walker was shared."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from helpers import REPO

from trtc_privacy import discover
from trtc_privacy.diagnostics import InputError

MANIFEST = "PrivacyInfo.xcprivacy"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """top/ with a folder ``a``, a link to it (``inside``), a link out of the tree (``out``),
    a loop (``a/loop`` -> ``..``) and dangling links (``dangling``, ``b/`` + the manifest and
    lockfile names)."""
    top = tmp_path / "top"
    a = top / "a"
    a.mkdir(parents=True)
    (a / MANIFEST).write_text("<plist/>")
    (a / "Podfile.lock").write_text("PODS:\n")
    (a / "x.swift").write_text("let d = UserDefaults.standard\n")
    (a / "loop").symlink_to("..")
    (top / "inside").symlink_to("a")
    (top / "dangling").symlink_to("nowhere")
    b = top / "b"
    b.mkdir()
    (b / MANIFEST).symlink_to("missing.xcprivacy")
    (b / "Podfile.lock").symlink_to("missing.lock")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / MANIFEST).write_text("<plist/>")
    (outside / "Podfile.lock").write_text("PODS:\n")
    (outside / "y.swift").write_text("let u = ProcessInfo.processInfo.systemUptime\n")
    (top / "out").symlink_to("../outside")
    return top


def _listing(top: Path, links: str) -> Dict[str, List[Tuple[str, bool, bool, str]]]:
    """Each folder walked (relative to the top) with its entries."""
    return {f.rel: [tuple(e) for e in f] for f in discover.walk(str(top), links)}  # type: ignore


# -- the walker ------------------------------------------------------------------------------


def test_follow_enters_links_to_folders_once_even_out_of_the_tree(tree: Path) -> None:
    got = _listing(tree, discover.FOLLOW)
    # "inside" is "a" again and "a/loop" is the top again: entered once, under its first name
    assert list(got) == ["", "a", "b", "out"]
    assert got[""] == [("a", True, False, ""), ("b", True, False, ""),
                       ("dangling", False, True, ""), ("inside", True, True, ""),
                       ("out", True, True, "")]
    assert ("loop", True, True, "") in got["a"]
    assert got["out"] == [("Podfile.lock", False, False, ""), (MANIFEST, False, False, ""),
                          ("y.swift", False, False, "")]


def test_stay_follows_links_inside_and_notes_each_one_leaving(tree: Path) -> None:
    (tree / "a" / "etc").symlink_to("/etc")
    (tree / "gone").symlink_to("/nowhere/at/all")
    left: List[Tuple[str, str]] = []
    got = {f.rel: [tuple(e) for e in f]
           for f in discover.walk(str(tree), discover.STAY, on_outside=lambda r, t: left.append((r, t)))}
    assert list(got) == ["", "a", "b"]  # "out" and "a/etc" lead out: never entered
    assert [e[0] for e in got[""]] == ["a", "b", "dangling", "inside"]
    assert sorted(left) == [("a/etc", "/etc"), ("gone", "/nowhere/at/all"), ("out", "../outside")]


def test_list_never_enters_a_link(tree: Path) -> None:
    left: List[Tuple[str, str]] = []
    got = {f.rel: [tuple(e) for e in f]
           for f in discover.walk(str(tree), discover.LIST, on_outside=lambda r, t: left.append((r, t)))}
    assert list(got) == ["", "a", "b"]
    # a link is listed as what it points to: a folder, or (dangling) a file; one leading out
    # of the tree is not listed
    assert ("inside", True, True, "") in got[""] and ("out", True, True, "") not in got[""]
    assert left == [("out", "../outside")]
    assert ("dangling", False, True, "") in got[""]
    assert ("loop", True, True, "") in got["a"]


def test_inside_lists_links_with_their_target_and_refuses_one_leaving(tree: Path) -> None:
    (tree / "out").unlink()
    got = _listing(tree, discover.INSIDE)
    assert list(got) == ["", "a", "b"]
    assert ("inside", False, True, "a") in got[""]
    assert ("dangling", False, True, "nowhere") in got[""]  # dangling, but inside
    assert ("loop", False, True, "") in got["a"]  # the top itself
    (tree / "out").symlink_to("../outside")
    with pytest.raises(discover.OutsideTree) as exc:
        _listing(tree, discover.INSIDE)
    assert (exc.value.rel, exc.value.target) == ("out", "../outside")


def test_the_caller_chooses_and_orders_the_folders_entered(tree: Path) -> None:
    seen = []
    for f in discover.walk(str(tree), discover.LIST):
        seen.append(f.rel)
        f.enter = [e for e in reversed(f.enter) if e.name != "b"]
    assert seen == ["", "a"]


def test_prune_and_keep(tree: Path) -> None:
    got = {f.rel: [e.name for e in f]
           for f in discover.walk(str(tree), discover.LIST, prune={"b"},
                                  keep=lambda n: n.endswith(".swift"))}
    assert got == {"": ["a", "inside"], "a": ["loop", "x.swift"]}  # folders are kept


def test_an_unknown_policy_is_refused(tree: Path) -> None:
    with pytest.raises(ValueError):
        list(discover.walk(str(tree), "sometimes"))


# -- each caller, as it behaved before the walker was shared -----------------------------------


def test_lint_stays_in_the_tree_and_lists_a_dangling_manifest(tree: Path) -> None:
    from trtc_privacy.lint.engine import discover_keyed

    notes: List[str] = []
    got = discover_keyed([str(tree)], notes=notes)
    assert [os.path.relpath(p, tree) for p, _ in got] == [f"a/{MANIFEST}", f"b/{MANIFEST}"]
    assert len(notes) == 1 and "../outside" in notes[0] and "not followed" in notes[0]
    # named itself, the other tree is the user's choice
    assert [os.path.relpath(p, tree) for p, _ in discover_keyed([str(tree / "out")])] == [
        f"out/{MANIFEST}"]


def test_scan_reads_through_links_once_and_never_out_of_the_tree(tree: Path) -> None:
    from trtc_privacy.usage.scan import find_inputs

    found = find_inputs([str(tree)])
    assert [os.path.relpath(p, tree) for p in found.sources] == ["a/x.swift"]
    assert [os.path.relpath(p, tree) for p in found.app_manifests] == [
        f"a/{MANIFEST}", f"b/{MANIFEST}"]
    assert any("../outside" in n and "not followed" in n for n in found.notes)


def test_the_lockfile_search_enters_no_link(tree: Path) -> None:
    from trtc_privacy.merge.lockfiles import find_lockfiles

    notes: List[str] = []
    assert [os.path.relpath(p, tree) for p in find_lockfiles([str(tree)], notes)] == [
        "a/Podfile.lock", "b/Podfile.lock"]
    assert len(notes) == 1 and "../outside" in notes[0] and "not followed" in notes[0]


def test_an_artifact_folder_keeps_its_links_inside(tree: Path) -> None:
    from trtc_privacy.usage.artifact import open_artifact

    app = tree.parent / "Demo.app"
    (tree / "out").unlink()
    tree.rename(app)
    with open_artifact(str(app)) as t:
        assert (t.entries["inside"].kind, t.entries["inside"].target) == ("link", "a")
        assert t.entries["dangling"].target == "nowhere" and t.resolve("dangling") is None
        assert t.entries["a/loop"].target == ""
        assert t.is_file(f"inside/{MANIFEST}")
    (app / "out").symlink_to("../outside")
    with pytest.raises(InputError) as exc:
        open_artifact(str(app))
    assert exc.value.diagnostic.path == str(app / "out")
    assert "points outside the artifact" in exc.value.diagnostic.message


# -- one walker ------------------------------------------------------------------------------


def test_folders_are_walked_only_in_discover() -> None:
    """`grep -rnE "os\\.walk|scandir|rglob|iterdir" trtc_privacy` finds only discover.py."""
    pattern = re.compile(r"os\.walk|scandir|rglob|iterdir")
    package = REPO / "trtc_privacy"
    hits = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                  if pattern.search(p.read_text(encoding="utf-8")))
    assert hits == ["discover.py"]
