"""The vendor manifests, their index, and PRODUCT@VERSION selection."""

from __future__ import annotations

import json
import plistlib
import re

import pytest
from helpers import invoke, shared_path

from trtc_privacy.diagnostics import InputError
from trtc_privacy.knowledge.resources import manifests_dir
from trtc_privacy.knowledge.vendors import find_product, parse_version, products, select

IDS = ["trtc", "trtc-professional", "tuicallkit", "tuiroomkit", "tuilivekit"]
MINIMUMS = {"trtc": "11.7", "trtc-professional": "11.7", "tuicallkit": "2.3.0.920",
            "tuiroomkit": "2.3.0", "tuilivekit": "2.1.1"}
_TOKENS = re.compile(r"<key>[^<]*</key>|<string>[^<]*</string>|<true/>|<false/>|<array/>"
                     r"|</?array>|</?dict>")


def test_index_lists_the_five_products_with_their_minimums() -> None:
    assert [p.id for p in products()] == IDS
    assert {p.id: p.minimum_version for p in products()} == MINIMUMS


def test_every_template_exists_names_its_source_and_parses() -> None:
    for p in products():
        for t in p.templates:
            data = plistlib.loads(p.template_path(t).read_bytes())
            assert isinstance(data, dict) and data
            assert t.source and t.section
    live = find_product("tuilivekit")
    assert live is not None and live.templates[0].reconstructed
    assert not any(t.reconstructed for p in products() if p.id != "tuilivekit" for t in p.templates)


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


def test_manifests_match_tencents_document_declaration_for_declaration() -> None:
    seed = shared_path("seed", "apple-privacy-manifest-section.txt").read_text(encoding="utf-8")
    blocks = _doc_blocks(seed)
    assert len(blocks) == 5
    for pid, block in zip(IDS, blocks):
        ours = (manifests_dir() / pid).glob("*/PrivacyInfo.xcprivacy")
        tokens = _TOKENS.findall(next(iter(ours)).read_text(encoding="utf-8"))
        # the extraction loses the closing tags after block 5's page break; they carry no data
        assert _declared(tokens) == _declared(block), pid


def _declared(tokens: list) -> list:
    while tokens and tokens[-1] in ("</array>", "</dict>"):
        tokens = tokens[:-1]
    return tokens


def test_manifests_match_the_clean_transcription() -> None:
    ref = shared_path("reference", "vendor-manifests")
    for pid in IDS:
        theirs = plistlib.loads((ref / f"{pid}.xcprivacy").read_bytes())
        ours = plistlib.loads(next((manifests_dir() / pid).glob("*/PrivacyInfo.xcprivacy")).read_bytes())
        assert ours == theirs, pid


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


@pytest.mark.parametrize("name", ["TXLiteAVSDK_Professional", "txliteavsdk_professional",
                                  "TXLiteAVSDK_Professional/Professional",
                                  "TXLiteAVSDK_Professional/ReplayKitExt", "trtc-professional"])
def test_aliases_and_subspecs_find_the_product(name: str) -> None:
    p = find_product(name)
    assert p is not None and p.id == "trtc-professional"


def test_selection_picks_newest_template_at_or_below_the_version() -> None:
    sel = select("tuicallkit@2.5.0")
    assert sel.template.version == "2.3.0.920" and not sel.below_minimum
    assert select("trtc").template.version == "11.7"
    exact = select("trtc@11.7")
    assert exact.template.version == "11.7" and not exact.below_minimum


def test_below_minimum_still_selects_the_earliest_with_a_warning_naming_the_minimum() -> None:
    sel = select("tuicallkit@2.3.0.915")
    assert sel.below_minimum and sel.template.version == "2.3.0.920"
    w = sel.warning()
    assert w is not None and "2.3.0.920" in w.message


def test_unknown_product_lists_the_known_ids() -> None:
    with pytest.raises(InputError) as exc:
        select("agora@4.0")
    assert "agora" in exc.value.diagnostic.message
    assert all(i in exc.value.diagnostic.hint for i in IDS)


def test_sdks_json_lists_every_product(tmp_path) -> None:
    r = invoke(["sdks", "--format", "json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [row["id"] for row in rows] == IDS
    for row in rows:
        assert {"id", "name", "aliases", "minimum_version", "versions"} <= set(row)
        assert row["minimum_version"] == MINIMUMS[row["id"]]


def test_sdks_text_names_products_and_minimums(tmp_path) -> None:
    r = invoke(["sdks"], cwd=tmp_path)
    assert r.returncode == 0
    assert "TXLiteAVSDK_Professional" in r.stdout and "2.3.0.920" in r.stdout


@pytest.mark.parametrize("pid", IDS)
def test_show_prints_the_selected_manifest(tmp_path, pid: str) -> None:
    r = invoke(["show", pid], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    expected = next((manifests_dir() / pid).glob("*/PrivacyInfo.xcprivacy")).read_text()
    assert r.stdout == expected


def test_show_below_minimum_warns_on_stderr_and_still_prints(tmp_path) -> None:
    r = invoke(["show", "TXLiteAVSDK_TRTC@11.1.14143"], cwd=tmp_path)
    assert r.returncode == 0
    assert "11.7" in r.stderr and "warning" in r.stderr
    assert plistlib.loads(r.stdout.encode())


def test_show_unknown_product_is_a_usage_error(tmp_path) -> None:
    r = invoke(["show", "zoom"], cwd=tmp_path)
    assert r.returncode == 2
    assert "unknown product" in r.stderr and "trtc-professional" in r.stderr
    assert "Traceback" not in r.stderr
