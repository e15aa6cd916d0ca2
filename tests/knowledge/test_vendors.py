"""The vendor catalogue: every fact with its source, the manifests checked against the files they
were read from, what a pod at a version ships, and what a product or pod resolves."""

from __future__ import annotations

import copy
import json
import plistlib
import re
from typing import Dict, List, Tuple

import pytest
from helpers import invoke, shared_path
from helpers.catalogue import READ_FROM, declared

from trtc_privacy.diagnostics import InputError
from trtc_privacy.knowledge.resolve import (
    BELOW,
    CONTENT_UNKNOWN,
    NO_MANIFEST,
    NOT_CHECKED,
    OK,
    at,
    findings,
    resolve,
)
from trtc_privacy.knowledge.resources import vendor_catalogue
from trtc_privacy.knowledge.vendors import catalogue, parse_version, problems

PRODUCTS = ["trtc", "trtc-professional", "tuicallkit", "tuiroomkit", "tuilivekit", "chat",
            "tuicore"]
_TOKENS = re.compile(r"<key>[^<]*</key>|<string>[^<]*</string>|<true/>|<false/>|<array/>"
                     r"|</?array>|</?dict>")


# --- every fact names its source ---------------------------------------------------------------

def test_the_catalogue_has_no_problems() -> None:
    assert problems(vendor_catalogue()) == []


@pytest.mark.parametrize("where,break_it,expected", [
    ("range", lambda d: d["pods"][0]["versions"][2].pop("source"), "range 3: source"),
    ("range", lambda d: d["pods"][0]["versions"][2].update(evidence=""), "range 3: no evidence"),
    ("edge", lambda d: next(p for p in d["pods"] if p.get("depends"))["depends"][0]
     .update(source="a-blog"), "dependency 1: source \"a-blog\""),
    ("manifest", lambda d: d["manifests"]["TUICore-7.9.5666"].pop("source"),
     "manifest TUICore-7.9.5666: source"),
    ("pitfall", lambda d: d["pitfalls"][0].update(evidence=" "), "no evidence"),
    ("newest", lambda d: d["pods"][0]["newest_checked"].pop("source"), "newest_checked: source"),
    ("package", lambda d: d["pods"][0]["swiftpm"][0].pop("evidence"), "no evidence"),
    ("pod", lambda d: d["pods"].append({"name": "TUIGuess", "kind": "kit"}), "no note"),
])
def test_a_fact_without_a_source_fails(where: str, break_it, expected: str) -> None:
    data = copy.deepcopy(vendor_catalogue())
    break_it(data)
    found = problems(data)
    assert any(expected in p for p in found), (where, found)


def test_every_pod_range_and_edge_is_cited_in_the_loaded_catalogue() -> None:
    cat = catalogue()
    for pod in cat.pods:
        for r in pod.ranges:
            assert r.source in cat.sources and r.evidence, (pod.name, r)
        for e in pod.depends:
            assert e.source in cat.sources and e.evidence, (pod.name, e)
        assert pod.ranges or pod.note, pod.name
    for p in cat.pitfalls:
        assert p.source in cat.sources and p.evidence


# --- the manifests: one file per distinct content, each checked against what it was read from --

def test_each_manifest_file_is_a_distinct_content_named_for_its_pod_and_first_version() -> None:
    cat = catalogue()
    contents = {}
    for ident, mf in cat.manifests.items():
        assert mf.path == f"pods/{ident}.xcprivacy"
        assert re.fullmatch(r"[A-Za-z_]+-\d+(\.\d+)+(-documented)?", ident), ident
        data = plistlib.loads(mf.file.read_bytes())
        assert isinstance(data, dict)
        contents[ident] = frozenset(declared(mf.file))
    assert len(set(contents.values())) == len(contents), "two files declare the same"
    used = {s.manifest for p in cat.pods for r in p.ranges for s in r.manifests + r.stand_in}
    assert used == set(cat.manifests)


@pytest.mark.parametrize("ident", sorted(READ_FROM))
def test_each_manifest_declares_what_the_real_files_declare(ident: str) -> None:
    ours = declared(catalogue().manifests[ident].file)
    for rel in READ_FROM[ident]:
        assert declared(shared_path("reference", *rel.split("/"))) == ours, (ident, rel)


def test_every_catalogue_manifest_is_checked_against_a_real_file() -> None:
    assert set(READ_FROM) == set(catalogue().manifests)


def _doc_blocks(text: str) -> list:
    """The five code blocks of Tencent's page as token lists (page furniture skipped).

    Block 5 is cut by a page break: its tail follows the next paragraph, so it runs to the end.
    """
    starts = [m.start() for m in re.finditer(r"<\?xml", text)]
    blocks = []
    for i, s in enumerate(starts):
        end = text.find("</plist>", s) if i < len(starts) - 1 else len(text)
        blocks.append(_TOKENS.findall(text[s:end]))
    return blocks


def test_the_documented_manifests_match_tencents_page_declaration_for_declaration() -> None:
    seed = shared_path("seed", "apple-privacy-manifest-section.txt").read_text(encoding="utf-8")
    blocks = _doc_blocks(seed)
    assert len(blocks) == 5
    files = ["TXLiteAVSDK_TRTC-11.7", "TXLiteAVSDK_Professional-11.7",
             "TUICallKit-2.3.0.920-documented", "RTCRoomEngine-2.3.0"]
    for ident, block in zip(files, blocks):
        ours = _TOKENS.findall(catalogue().manifests[ident].file.read_text(encoding="utf-8"))
        assert _declared(ours) == _declared(block), ident


def _declared(tokens: list) -> list:
    while tokens and tokens[-1] in ("</array>", "</dict>"):
        tokens = tokens[:-1]
    return tokens


# --- versions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [("12.8.19666", "12.8.0.19666"), ("11.7", "11.7.0"),
                                 ("v2.3.0", "2.3.0")])
def test_trtc_writes_one_version_two_ways(a: str, b: str) -> None:
    assert parse_version(a, "liteav") == parse_version(b, "liteav")


def test_versions_compare_numerically_over_any_number_of_parts() -> None:
    v = lambda s: parse_version(s)  # noqa: E731
    assert v("2.3.0.920") > v("2.3.0.915") > v("2.3.0")
    assert v("2.10.0") > v("2.9.9.9999")
    assert v("11.7.15304") > v("11.7")
    with pytest.raises(ValueError):
        v("twelve")


# --- what a pod at a version ships (the corrected facts) ---------------------------------------

def _at(name: str, version: str, subspecs: Tuple[str, ...] = ()):
    pod = catalogue().pod(name)
    assert pod is not None, name
    return at(pod, version, subspecs)


@pytest.mark.parametrize("pod,version,status,folded", [
    ("TXLiteAVSDK_TRTC", "11.6.15041", BELOW, ["TXLiteAVSDK_TRTC-11.7"]),
    ("TXLiteAVSDK_TRTC", "11.7.15304", BELOW, ["TXLiteAVSDK_TRTC-11.7"]),
    ("TXLiteAVSDK_TRTC", "11.7.15342", OK, ["TXLiteAVSDK_TRTC-11.7"]),
    ("TXLiteAVSDK_TRTC", "12.8.0.19666", OK,
     ["TXLiteAVSDK_TRTC-11.7", "TXFFmpeg-12.0.16301", "TXSoundTouch-12.0.16301"]),
    ("TXLiteAVSDK_TRTC", "13.2.20652", CONTENT_UNKNOWN,
     ["TXLiteAVSDK_TRTC-11.7", "TXFFmpeg-12.0.16301", "TXSoundTouch-12.0.16301"]),
    ("TXLiteAVSDK_Professional", "11.7.12001", OK, ["TXLiteAVSDK_Professional-11.7"]),
    ("TXLiteAVSDK_Professional", "11.7.15304", BELOW, ["TXLiteAVSDK_Professional-11.7"]),
    ("TXLiteAVSDK_Professional", "11.7.15343", OK, ["TXLiteAVSDK_Professional-11.7"]),
    ("TXLiteAVSDK_Professional", "11.8.15669", OK, ["TXLiteAVSDK_Professional-11.7"]),
    ("RTCRoomEngine", "2.2.2", BELOW, ["RTCRoomEngine-2.3.0"]),
    ("TUIRoomEngine", "2.0.3", BELOW, ["RTCRoomEngine-2.3.0"]),
    ("RTCRoomEngine", "3.7.0.416", OK, ["RTCRoomEngine-2.3.0"]),
    ("RTCRoomEngine", "4.2.0", CONTENT_UNKNOWN, ["RTCRoomEngine-2.3.0"]),
    ("TUICallKit_Swift", "2.3.0.915", BELOW, ["TUICallKit-2.3.0.920"]),
    ("TUICallKit_Swift", "3.4.0", OK, ["TUICallKit-2.3.0.920"]),
    ("TUICallEngine", "2.4.0.970", CONTENT_UNKNOWN, ["TUICallKit-2.3.0.920-documented"]),
    ("TUIRoomKit", "2.4.1", NO_MANIFEST, []),
    ("TUILiveKit", "1.0.0", NO_MANIFEST, []),
    ("AtomicXCore", "4.0.1", NO_MANIFEST, []),
    ("TXIMSDK_Plus_iOS", "7.8.5505", BELOW, ["TXIMSDK_Plus_iOS-7.9.5666"]),
    ("TXIMSDK_Plus_iOS_XCFramework", "8.0.5895", OK, ["TXIMSDK_Plus_iOS-7.9.5666"]),
    ("TUICore", "7.9.5666", BELOW, ["TUICore-7.9.5666"]),
    ("TUICore", "8.0.5895", OK, ["TUICore-7.9.5666"]),
    ("TUIChat", "7.9.5666", OK, ["TUIChat-7.9.5666"]),
    ("TIMPush", "8.4.6667", OK, ["TUICore-7.9.5666"]),
    ("TUIVoIPExtension", "3.1.0", CONTENT_UNKNOWN, []),
    ("TIMPush", "8.0.5895", NOT_CHECKED, []),
    ("RTCCommon", "1.3.1", NOT_CHECKED, []),
])
def test_what_each_pod_ships_at_each_version(pod: str, version: str, status: str,
                                             folded: List[str]) -> None:
    p = _at(pod, version)
    assert (p.status, p.folded_ids) == (status, folded)


def test_the_replaykit_extension_manifest_comes_with_its_subspec_only() -> None:
    alone = _at("TXLiteAVSDK_TRTC", "12.8.19666", ("TRTC",))
    both = _at("TXLiteAVSDK_TRTC", "12.8.19666", ("TRTC", "ReplayKitExt"))
    assert "TXLiteAVSDK_ReplayKitExt-11.8.15687" not in alone.folded_ids
    assert "TXLiteAVSDK_ReplayKitExt-11.8.15687" in both.folded_ids


def test_timpush_ships_two_manifests_and_only_the_root_one_is_folded() -> None:
    p = _at("TIMPush", "8.4.6667")
    assert [(s.manifest, s.at) for s in p.ships] == [
        ("TUICore-7.9.5666", "TIMPush.framework"),
        ("TUICore-7.9.5666", "TIMPush.framework/TIMPush_Privacy.bundle"),
        ("TUIChat-7.9.5666", "TIMPush.framework/Headers")]
    assert p.folded_ids == ["TUICore-7.9.5666"]
    rules = [d.rule for d in findings(p, "Podfile.lock", 3, "TIMPush", merging=False)]
    assert rules == ["timpush-manifest-in-headers"]


@pytest.mark.parametrize("pod,version,fires", [
    ("TXLiteAVSDK_TRTC", "11.7.15304", True), ("TXLiteAVSDK_TRTC", "11.7.15342", False),
    ("TXLiteAVSDK_Professional", "11.7.15304", True),
    ("TXLiteAVSDK_Professional", "11.7.0.15304", True),
    ("TXLiteAVSDK_Professional", "11.7.15342", False),
    ("TXLiteAVSDK_Professional", "11.7.15343", False),
    ("TXLiteAVSDK_Professional", "11.7.12001", False),
    ("TXLiteAVSDK_Professional", "11.8.15669", False),
])
def test_the_privacy_bundle_pitfall_is_11_7_15304_for_both_editions(pod: str, version: str,
                                                                    fires: bool) -> None:
    rules = [d.rule for d in findings(_at(pod, version), "Podfile.lock", 2, pod, merging=False)]
    assert ("privacy-bundle-not-copied" in rules) == fires


def test_a_version_newer_than_the_newest_checked_gets_a_note_naming_it() -> None:
    p = _at("TXLiteAVSDK_TRTC", "14.0.1")
    assert p.beyond
    notes = [d for d in findings(p, "Podfile.lock", 2, "TXLiteAVSDK_TRTC", merging=False)
             if d.rule == "newer-than-catalogue"]
    assert len(notes) == 1 and "13.5.21355" in notes[0].message
    assert notes[0].severity.value == "note"
    assert not _at("TXLiteAVSDK_TRTC", "13.5.21355").beyond


# --- products and pods resolved as a Podfile would --------------------------------------------

def _names(spec: str) -> Dict[str, str]:
    return {p.name: p.version or "" for p in resolve(spec).pods}


def test_tuicallkit_3_2_resolves_kit_engine_core_and_sdk() -> None:
    got = resolve("tuicallkit@3.2")
    assert got.root.name == "TUICallKit_Swift" and got.root.version == "3.2"
    names = _names("tuicallkit@3.2")
    assert names["RTCRoomEngine"] == "3.2.0"  # ~> 3.2.0 since 2.9.0.1230
    assert {"TUICore", "TXLiteAVSDK_Professional", "TXIMSDK_Plus_iOS_XCFramework"} <= set(names)
    assert "TUICallEngine" not in names
    folded = {i for p in got.pods for i in p.folded_ids}
    assert {"TUICallKit-2.3.0.920", "RTCRoomEngine-2.3.0", "TUICore-7.9.5666"} <= folded
    engine = next(p for p in got.pods if p.name == "RTCRoomEngine")
    assert engine.via == ("TUICallKit_Swift 3.2",)


def test_tuicallkit_before_2_9_runs_on_tuicallengine() -> None:
    names = _names("tuicallkit@2.5.0.1000")
    assert names["TUICallEngine"] == "2.5.0.1000" and "RTCRoomEngine" not in names
    assert "TXLiteAVSDK_TRTC" in names  # TRTC is the default subspec up to 2.x


def test_tuilivekit_is_covered_through_the_engine_from_its_first_version() -> None:
    for version in ("1.0.0", "2.0.0", "2.1.0"):
        got = resolve(f"tuilivekit@{version}")
        assert got.root.status == NO_MANIFEST
        assert "RTCRoomEngine" in {p.name for p in got.pods}
        assert not [d for p in got.pods for d in findings(p, "--sdk", None, p.name, True)
                    if d.rule == BELOW], version


def test_any_pod_resolves_and_former_names_find_the_pod() -> None:
    assert resolve("TUIRoomEngine@2.0.3").root.name == "RTCRoomEngine"
    assert resolve("TXLiteAVSDK_Professional/Professional@12.0").root.version == "12.0"
    assert [p.name for p in resolve("RTCRoomEngine@3.1.3", follow=False).pods] == ["RTCRoomEngine"]
    assert resolve("chat").root.name == "TXIMSDK_Plus_iOS_XCFramework"
    assert resolve("tuicore@8.0.5895").pods[1].name == "TXIMSDK_Plus_iOS_XCFramework"


def test_an_unknown_name_lists_the_products() -> None:
    with pytest.raises(InputError) as exc:
        resolve("agora@4.0")
    assert "agora" in exc.value.diagnostic.message
    assert all(i in exc.value.diagnostic.hint for i in PRODUCTS)


def test_a_bad_version_is_a_usage_error() -> None:
    with pytest.raises(InputError) as exc:
        resolve("tuicallkit@three")
    assert "three" in exc.value.diagnostic.message


# --- sdks and show ----------------------------------------------------------------------------

def test_sdks_json_lists_every_product_and_pod_with_its_newest_checked_version(tmp_path) -> None:
    r = invoke(["sdks", "--format", "json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [p["id"] for p in data["products"]] == PRODUCTS
    assert [p["pod"] for p in data["pods"]] == [p.name for p in catalogue().pods]
    rows = {p["pod"]: p for p in data["pods"]}
    assert rows["TXLiteAVSDK_TRTC"]["newest_checked"] == "13.5.21355"
    assert rows["TXLiteAVSDK_TRTC"]["minimum_version"] == "11.7.15342"
    assert rows["RTCRoomEngine"]["newest_checked"] == "4.3.9"
    assert rows["TUICallKit_Swift"]["newest_checked"] == "4.2.0"
    assert rows["TUIRoomKit"]["first_manifest"] == "never"
    assert rows["TUICore"]["minimum_version"] == "8.0.5895"
    for pod in catalogue().pods:
        if pod.ranges:
            assert rows[pod.name]["newest_checked"] or pod.twin, pod.name


def test_sdks_text_names_products_pods_and_how_far_each_was_checked(tmp_path) -> None:
    r = invoke(["sdks"], cwd=tmp_path)
    assert r.returncode == 0
    for word in ("tuicallkit", "TUICallKit_Swift", "TXIMSDK_Plus_iOS_XCFramework", "13.5.21355",
                 "NEWEST CHECKED", "TUIRoomEngine"):
        assert word in r.stdout, word


@pytest.mark.parametrize("pid", PRODUCTS)
def test_show_prints_what_the_product_folds(tmp_path, pid: str) -> None:
    r = invoke(["show", pid], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert plistlib.loads(r.stdout.encode())
    assert "note: " in r.stderr


def test_show_of_one_pod_prints_its_catalogue_file(tmp_path) -> None:
    r = invoke(["show", "TUICallKit_Swift@3.0", "--no-deps"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == catalogue().manifests["TUICallKit-2.3.0.920"].file.read_text()


def test_show_below_minimum_warns_on_stderr_and_still_prints(tmp_path) -> None:
    r = invoke(["show", "TXLiteAVSDK_TRTC@11.1.14143"], cwd=tmp_path)
    assert r.returncode == 0
    assert "11.7.15342" in r.stderr and "warning" in r.stderr
    assert plistlib.loads(r.stdout.encode())


def test_show_json_lists_each_pod(tmp_path) -> None:
    r = invoke(["show", "tuicallkit@3.2", "-f", "json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["product"] == "tuicallkit" and data["requested"] == "3.2"
    pods = {p["pod"]: p for p in data["pods"]}
    assert pods["RTCRoomEngine"]["via"] == ["TUICallKit_Swift 3.2"]
    assert pods["RTCRoomEngine"]["source"] == "cocoapods-trunk"


def test_show_unknown_product_is_a_usage_error(tmp_path) -> None:
    r = invoke(["show", "zoom"], cwd=tmp_path)
    assert r.returncode == 2
    assert "unknown product or pod" in r.stderr and "trtc-professional" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_docs_tables_are_generated_from_the_catalogue() -> None:
    """Regenerate docs/commands.md's products, minimums and pitfalls tables with
    `trtc-privacy sdks --format markdown`, each between its markers."""
    from helpers import REPO

    from trtc_privacy.merge.catalogue_view import markdown_tables

    text = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    tables = markdown_tables()
    assert set(tables) == {"products", "minimums", "pitfalls"}
    for name, table in tables.items():
        begin, end = f"<!-- catalogue-{name}:begin -->\n", f"<!-- catalogue-{name}:end -->"
        assert begin in text and end in text, name
        assert text.split(begin, 1)[1].split(end, 1)[0] == table, name
    out = invoke(["sdks", "--format", "markdown"]).stdout
    for table in tables.values():
        assert table in out
    for pit in catalogue().pitfalls:
        assert f"`{pit.id}`" in tables["pitfalls"]
    for pod in catalogue().pods:
        if pod.ranges:
            assert f"`{pod.name}`" in tables["minimums"], pod.name
