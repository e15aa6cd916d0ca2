"""Untrusted input costs what it should and stays where it is (issue 20, kinds 3 to 10).

Links never lead a walk out of the tree named; binary plists are measured before they expand;
a write keeps its file's owner and touches no other file; source scanning, archives and
configuration cost time and memory in proportion to the input. Each case runs the real CLI in
a process where it could hang or blow up; the subprocess timeout is its bound (no timed
assertion), and peak memory is measured for the command alone (``helpers.memory``).
"""

from __future__ import annotations

import json
import os
import plistlib
import random
import shutil
import struct
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO, invoke, run_cli
from helpers import hostile_documents as documents
from helpers.hostile import no_crash, refused
from helpers.memory import peak_rss_mib

from trtc_privacy import config as cfgmod

APP = (FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy").read_text(encoding="utf-8")
DUPLICATES = (FIXTURES / "merge" / "duplicates" / "PrivacyInfo.xcprivacy").read_text(
    encoding="utf-8")
MANIFEST = "PrivacyInfo.xcprivacy"


def _executable(pad: int = 64) -> bytes:
    """A thin arm64 Mach-O executable with no load commands (the reader accepts it)."""
    return struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 0, 0, 0, 0) + bytes(pad)


# -- 3. links never lead out of the tree --------------------------------------------------------


def test_lint_fix_never_writes_through_a_link_into_another_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / MANIFEST).write_text(DUPLICATES, encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / "App").mkdir(parents=True)
    (repo / "App" / MANIFEST).write_text(DUPLICATES, encoding="utf-8")
    (repo / "vendor").symlink_to("../outside")
    out = run_cli(["lint", "--fix", "."], cwd=repo)
    no_crash(out)
    assert (outside / MANIFEST).read_text(encoding="utf-8") == DUPLICATES  # not fixed
    assert (repo / "App" / MANIFEST).read_text(encoding="utf-8") != DUPLICATES  # fixed
    assert "vendor" in out.stderr and "not followed" in out.stderr, out.stderr


@pytest.mark.parametrize("command", ["lint", "scan"])
def test_a_link_to_the_root_is_not_walked(command: str, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "App.swift").write_text("let d = UserDefaults.standard\n")
    (tmp_path / "src" / "sdk").symlink_to("/")
    out = run_cli([command, "."], cwd=tmp_path, timeout=120)  # it walked / until killed
    no_crash(out)
    assert "not followed" in out.stderr and '"/"' in out.stderr, out.stderr


# -- 4. binary plists measured before they expand -----------------------------------------------


@pytest.mark.parametrize("case,words", [("binary-expansion", "expands"),
                                        ("binary-deep", "nested"),
                                        ("binary-cycle", "cycle")])
def test_a_binary_plist_is_refused_for_what_it_is(case: str, words: str, tmp_path: Path) -> None:
    path = documents.CASES[case][0](str(tmp_path))
    app = tmp_path / MANIFEST
    app.write_text(APP, encoding="utf-8")
    for args in (["merge", str(app), "--manifest", path, "--check"], ["audit", str(tmp_path)]):
        if args[0] == "audit":
            bundle = tmp_path / "Demo.app"
            bundle.mkdir()
            (bundle / "Info.plist").write_bytes(plistlib.dumps({"CFBundleExecutable": "Demo"}))
            (bundle / "Demo").write_bytes(_executable())
            shutil.copyfile(path, bundle / MANIFEST)
            args = ["audit", str(bundle)]
        out = run_cli(args, cwd=tmp_path, timeout=60)  # 2^40 elements once filled memory
        no_crash(out)
        assert words in (out.stdout + out.stderr), out.stdout + out.stderr
    if case == "binary-deep":  # deep is not called a cycle
        assert "cycle" not in out.stdout + out.stderr


# -- 5. ownership under sudo ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="only root can make a file another user's and keep it theirs")
def test_a_merge_as_root_keeps_the_users_file_the_users(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    app = folder / MANIFEST
    app.write_text(APP, encoding="utf-8")
    os.chown(folder, 1000, 1000)
    os.chown(app, 1000, 1000)
    app.chmod(0o640)
    out = run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    st = app.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (1000, 1000, 0o640)
    assert APP != app.read_text(encoding="utf-8")


# -- 6. source scanning linear in time and memory ----------------------------------------------


@pytest.mark.parametrize("name,text", [
    ("raw.c", 'aR"(' * 40_000),  # took 45 s: each refused R" matched to the end of the file
    ("directive.m", "x #import " * 200_000),  # a long line re-read for each '#'
])
def test_shapes_that_were_quadratic_scan_in_bounded_time(name: str, text: str,
                                                         tmp_path: Path) -> None:
    (tmp_path / name).write_text(text + "\nint n = stat(p, &st);\n")
    out = run_cli(["scan", "--format", "json", name], cwd=tmp_path, timeout=60)
    no_crash(out)
    assert out.returncode in (0, 1)


def test_one_huge_string_literal_costs_memory_in_proportion(tmp_path: Path) -> None:
    """8 MB of one Swift string literal peaked at 1.1 GB (the pattern's repeated group)."""
    (tmp_path / "Big.swift").write_text('let s = "' + "a" * (8 << 20) + '"\n'
                                        "let d = UserDefaults.standard\n")
    peak, _ = peak_rss_mib([sys.executable, "-m", "trtc_privacy", "scan", "--format", "json",
                            "Big.swift"], cwd=str(tmp_path))
    assert peak < 150, f"peak RSS {peak:.0f} MiB for an 8 MB source file"


# -- 7. memory in proportion to what is used ------------------------------------------------


def test_a_directory_holding_more_entries_than_declared_is_refused(tmp_path: Path) -> None:
    ipa = tmp_path / "Demo.ipa"
    with zipfile.ZipFile(ipa, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("Payload/Demo.app/Info.plist", plistlib.dumps({"CFBundleExecutable": "Demo"}))
        for i in range(20_000):
            zf.writestr(f"Payload/Demo.app/f{i}", b"")
    data = bytearray(ipa.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, eocd + 8, 1, 1)  # one member, the end record says
    ipa.write_bytes(bytes(data))
    refused(run_cli(["audit", str(ipa)], cwd=tmp_path), ipa, "declares")


def test_a_large_executable_is_not_held_in_memory(tmp_path: Path) -> None:
    """256 MiB of executable in an .ipa of about 8 MB (35:1, within the ratio limit)."""
    rng = random.Random(1)
    block = bytearray(1 << 20)
    for i in range(0, len(block), 96):
        block[i] = rng.randrange(256)
    ipa = tmp_path / "Big.ipa"
    with zipfile.ZipFile(ipa, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("Payload/Demo.app/Info.plist", plistlib.dumps({"CFBundleExecutable": "Demo"}))
        with zf.open("Payload/Demo.app/Demo", "w", force_zip64=True) as fh:
            fh.write(_executable(0))
            for _ in range(256):
                fh.write(bytes(block))
    peak, _ = peak_rss_mib([sys.executable, "-m", "trtc_privacy", "audit", "--format", "json",
                            str(ipa)], cwd=str(tmp_path))
    assert peak < 150, f"peak RSS {peak:.0f} MiB auditing a 256 MiB executable"


def test_a_symbol_table_spanning_a_sparse_gigabyte_is_read_in_flat_memory(tmp_path: Path) -> None:
    """A 1 GiB sparse dylib whose symbol table spans half of it: walked a piece at a time, each
    piece's pages of the map given back (538 MiB resident before, all of them file pages)."""
    size = 1 << 30
    nsyms = (size - 4096) // 32
    binary = tmp_path / "Pods" / "X" / "X.framework" / "X"
    binary.parent.mkdir(parents=True)
    with open(binary, "wb") as fh:
        fh.write(struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 6, 1, 24, 0, 0))
        fh.write(struct.pack("<IIIIII", 0x2, 24, 4096, nsyms, 4096 + nsyms * 16,
                             size - 4096 - nsyms * 16))  # LC_SYMTAB
        fh.truncate(size)
    peak, _ = peak_rss_mib([sys.executable, "-m", "trtc_privacy", "scan", "--format", "json",
                            str(tmp_path)], cwd=str(tmp_path))
    assert peak < 150, f"peak RSS {peak:.0f} MiB scanning a 1 GiB sparse binary"


# -- 8. bounds on configuration and environment -------------------------------------------------


def test_a_huge_input_file_count_from_the_environment_is_capped(tmp_path: Path) -> None:
    out = run_cli(["xcode", "--filelist", "inputs"], cwd=tmp_path, timeout=60, env={
        "SRCROOT": str(tmp_path), "SCRIPT_INPUT_FILE_COUNT": str(10 ** 11),
        "SCRIPT_INPUT_FILE_LIST_COUNT": str(10 ** 11)})  # looped for ever
    no_crash(out)


def test_many_exclude_patterns_are_matched_by_one_matcher(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"m{i}").mkdir()
        (tmp_path / f"m{i}" / MANIFEST).write_text(APP, encoding="utf-8")
    patterns = [f"v{i}/*" for i in range(70_000)] + ["m3", "m1*"]
    (tmp_path / ".trtc-privacy.toml").write_text(f"exclude = {json.dumps(patterns)}\n")
    out = run_cli(["lint", "--format", "json", "."], cwd=tmp_path, timeout=60)  # minutes
    no_crash(out)
    files = {d["path"].split(os.sep)[0] for d in json.loads(out.stdout)["diagnostics"]}
    assert "m3" not in files and "m1" not in files and "m12" not in files and "m2" in files


def test_repeated_configuration_entries_fold(tmp_path: Path) -> None:
    cfg_path = tmp_path / ".trtc-privacy.toml"
    cfg_path.write_text("sdks = " + json.dumps(["trtc"] * 140_000, separators=(",", ":")) + "\n"
                        "exclude = " + json.dumps(["Pods", "Pods"]) + "\n")
    cfg = cfgmod.load(str(cfg_path))
    assert cfg.sdks == ["trtc"] and cfg.exclude == ["Pods"]


def test_the_report_orders_many_unknown_reasons_in_linear_time() -> None:
    code = ("from trtc_privacy.merge.report import _order\n"
            "ids = [f'X{i:06d}.1' for i in range(200_000)]\n"
            "assert _order(ids + ids[:10], ['A', 'X000005.1']) == ['X000005.1'] + ids[:5] + ids[6:]\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=REPO)  # list.index in the key: minutes
    assert out.returncode == 0, out.stderr


# -- 9. internal errors and invalid output --------------------------------------------------------


def test_a_deeply_nested_package_resolved_is_bad_input_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "Package.resolved"
    path.write_text('{"version": 2, "pins": ' + "[" * 100_000 + "]" * 100_000 + "}")
    line = refused(run_cli(["versions", str(path)], cwd=tmp_path), path, "nested")
    assert f"{path}:1:" in line


def test_init_refuses_a_path_toml_cannot_name_before_writing_anything(tmp_path: Path) -> None:
    target = tmp_path / os.fsdecode(b"bad\xff") / MANIFEST
    out = run_cli(["init", str(target), "--sdk", "trtc", "--write-config"], cwd=tmp_path)
    no_crash(out)
    assert out.returncode == 2 and "not UTF-8" in out.stderr, out.stderr
    assert not target.exists() and not (tmp_path / ".trtc-privacy.toml").exists()


# -- 10. shared folders ---------------------------------------------------------------------------


def test_parallel_merges_into_files_of_one_folder_all_land(tmp_path: Path) -> None:
    targets = [tmp_path / f"Target{i}.xcprivacy" for i in range(40)]
    for t in targets:
        t.write_text(APP, encoding="utf-8")
    (tmp_path / ".trtc-privacy-mine.tmp").write_text("the user's own file")

    def merge(t: Path) -> "subprocess.CompletedProcess[str]":
        return run_cli(["merge", str(t), "--sdk", "trtc"], cwd=tmp_path, timeout=300)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(merge, targets))
    assert [r.returncode for r in results] == [0] * 40, [r.stderr for r in results if r.returncode]
    assert all(t.read_text(encoding="utf-8") != APP for t in targets)
    assert (tmp_path / ".trtc-privacy-mine.tmp").read_text() == "the user's own file"


def test_the_configuration_init_writes_is_read_back_whatever_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "App\x7fOne"
    out = invoke(["init", str(folder / MANIFEST), "--sdk", "trtc", "--write-config"],
                 cwd=tmp_path)
    assert out.returncode in (0, None), out.stderr
    cfg = cfgmod.load(str(tmp_path / ".trtc-privacy.toml"))  # json.dumps wrote "\u007f"
    assert cfg.app_manifest is not None and "\x7f" in cfg.app_manifest
