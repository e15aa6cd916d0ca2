"""The source scanner: each pattern finds its use, each decoy finds nothing, positions are exact."""

from __future__ import annotations

import os
from typing import List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trtc_privacy.usage import sourcescan
from trtc_privacy.usage.sourcescan import SourceReadError, blank, read_source, scan_text

FT = "NSPrivacyAccessedAPICategoryFileTimestamp"
BT = "NSPrivacyAccessedAPICategorySystemBootTime"
DS = "NSPrivacyAccessedAPICategoryDiskSpace"
AK = "NSPrivacyAccessedAPICategoryActiveKeyboards"
UD = "NSPrivacyAccessedAPICategoryUserDefaults"


def hits(text: str, path: str = "x.m") -> List[Tuple[int, int, str]]:
    return [(h.line, h.column, h.text) for h in scan_text(text, path)]


def words(text: str, path: str = "x.m") -> List[str]:
    return [h.text for h in scan_text(text, path)]


# -- each pattern -------------------------------------------------------------------------------


@pytest.mark.parametrize("code, word, categories", [
    ("int r = stat(path, &st);", "stat", (FT,)),
    ("if (fstat(fd, &st) == 0) {}", "fstat", (FT,)),
    ("int r = stat (path, &st);", "stat", (FT,)),  # GNU style: a space before the parenthesis
    ("int r = lstat\n    (path, &st);", "lstat", (FT,)),
    ("static int ok(void) { return statvfs(p, &v); }", "statvfs", (DS,)),
    ("return lstat(p, &st);", "lstat", (FT,)),
    ("fstatat(AT_FDCWD, p, &st, 0);", "fstatat", (FT,)),
    ("getattrlist(p, &al, buf, sizeof buf, 0);", "getattrlist", (FT, DS)),
    ("getattrlistbulk(fd, &al, buf, n, 0);", "getattrlistbulk", (FT,)),
    ("statfs(\"/\", &fs);", "statfs", (DS,)),
    ("x = fstatvfs(fd, &v);", "fstatvfs", (DS,)),
    ("uint64_t t = mach_absolute_time();", "mach_absolute_time", (BT,)),
    ("id v = attrs[NSFileCreationDate];", "NSFileCreationDate", (FT,)),
    ("id v = attrs[NSFileModificationDate];", "NSFileModificationDate", (FT,)),
    ("@[NSURLContentModificationDateKey]", "NSURLContentModificationDateKey", (FT,)),
    ("NSDate *d = [doc fileModificationDate];", "fileModificationDate", (FT,)),
    ("id f = a[NSFileSystemFreeSize];", "NSFileSystemFreeSize", (DS,)),
    ("@[NSURLVolumeAvailableCapacityForImportantUsageKey]",
     "NSURLVolumeAvailableCapacityForImportantUsageKey", (DS,)),
    ("t = [[NSProcessInfo processInfo] systemUptime];", "systemUptime", (BT,)),
    ("NSArray *m = [UITextInputMode activeInputModes];", "activeInputModes", (AK,)),
    ("[[NSUserDefaults standardUserDefaults] setBool:YES forKey:k];", "NSUserDefaults", (UD,)),
])
def test_objc_and_c_patterns(code: str, word: str, categories: Tuple[str, ...]) -> None:
    found = scan_text(code, "x.m")
    assert [h.text for h in found] == [word]
    assert found[0].entry.categories == categories
    assert found[0].column == code.index(word) + 1


@pytest.mark.parametrize("code, word", [
    ("let d = try fm.attributesOfItem(atPath: p)[.creationDate]", "creationDate"),
    ("let d = attrs[FileAttributeKey.modificationDate]", "modificationDate"),
    ("let keys: Set<URLResourceKey> = [.isDirectoryKey, .contentModificationDateKey]",
     "contentModificationDateKey"),
    ("let v = try url.resourceValues(forKeys: [.creationDateKey])", "creationDateKey"),
    ("let up = ProcessInfo.processInfo.systemUptime", "systemUptime"),
    ("let free = attrs[.systemFreeSize]", "systemFreeSize"),
    ("let size = attrs[.systemSize]", "systemSize"),
    ("let c = try url.resourceValues(forKeys: [.volumeAvailableCapacityForImportantUsageKey])",
     "volumeAvailableCapacityForImportantUsageKey"),
    ("UserDefaults.standard.set(1, forKey: \"k\")", "UserDefaults"),
    ("@AppStorage(\"theme\") var theme = 0", "AppStorage"),
    ("var s = stat(); _ = stat(path, &s)", "stat"),
    ("let r = Darwin.stat(path, &s)", "stat"),
    ("let t = mach_absolute_time()", "mach_absolute_time"),
    ("let modes = UITextInputMode.activeInputModes", "activeInputModes"),
])
def test_swift_patterns(code: str, word: str) -> None:
    found = words(code, "x.swift")
    assert word in found and set(found) == {word}


# -- each decoy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "struct stat st; memset(&st, 0, sizeof(struct stat));",  # the type, not the call
    "int n = obj.stat(1); q->stat(2);",  # methods
    "my_lstat(p); vm_stat(); statistics(3); stats(4);",  # own functions with look-alike names
    "int lstat(const char *, struct stat *);",  # a declaration, not a call
    "static int fstat(int fd, struct stat *b) { return 0; }",
    "NSLog(@\"NSUserDefaults %@ stat() mach_absolute_time()\", x);",  # a log string
    "const char *p = \"/proc/self/stat\"; char c = 'x'; char q = '\\'';",
    "// NSUserDefaults stat(p) mach_absolute_time()",
    "/* [[NSProcessInfo processInfo] systemUptime]\n   stat(p, &s) */",
    "#import <Foundation/NSUserDefaults.h>\n#include \"NSFileManager+stat.h\"",
    "NSUserDefaultsController *c = nil; MyUserDefaults *m; UserDefaultsStore *s;",
    "@property (readonly) NSDate *fileModificationDate;",  # declaring one's own property
    "- (NSDate *)fileModificationDate { return nil; }",
    "auto s = R\"x(stat(p) NSUserDefaults)x\";",
    "int n = 1'000; int m = mach_absolute_time_like();",
])
def test_c_family_decoys(code: str) -> None:
    assert hits(code, "x.mm") == []


@pytest.mark.parametrize("code", [
    "let s = \"UserDefaults stat(p)\"",
    "let r = #\"UserDefaults \"quoted\" stat(p)\"#",
    "let r = ##\"a \"# UserDefaults\"##",
    "let m = \"\"\"\n    UserDefaults\n    stat(p)\n    \"\"\"",
    "let m = #\"\"\"\n    UserDefaults \"\"\" still raw\n    \"\"\"#",
    "/* outer /* nested */ UserDefaults stat(p) */",
    "// ProcessInfo.processInfo.systemUptime",
    "let t = Kronos.systemUptime()",  # someone else's systemUptime
    "func systemUptime() -> Double { 0 }",
    "struct File { var creationDate: Date; let modificationDate = Date() }",  # own properties
    "let d = file.creationDate",
    "func stat(_ p: String) {}",  # one's own function
    "let n = self.stat(p)",
])
def test_swift_decoys(code: str) -> None:
    assert hits(code, "x.swift") == []


def test_ignore_comment_silences_its_line_only() -> None:
    text = ("[[NSUserDefaults standardUserDefaults] synchronize]; // trtc-privacy: ignore\n"
            "[[NSUserDefaults standardUserDefaults] synchronize];\n")
    assert hits(text) == [(2, 3, "NSUserDefaults")]
    text = "/* trtc-privacy: ignore */ uint64_t t = mach_absolute_time();\n"
    assert hits(text) == []


def test_positions_are_lines_and_character_columns() -> None:
    text = ("// 註釋 stat(p)\n"
            "let café = \"é\"; let u = ProcessInfo.processInfo.systemUptime\n"
            "/* a\n b */ let d = UserDefaults.standard\n")
    got = hits(text, "a.swift")
    line2 = text.splitlines()[1]
    assert got == [(2, line2.index("systemUptime") + 1, "systemUptime"),
                   (4, 15, "UserDefaults")]


def test_blank_keeps_length_and_newlines() -> None:
    text = "a /* b\nc */ \"d\\\"e\" 'f' // g\nh"
    out, _ = blank(text, swift=False)
    assert len(out) == len(text)
    assert out.count("\n") == text.count("\n")
    assert out.split() == ["a", "h"]


def test_unterminated_literals_do_not_swallow_the_file() -> None:
    text = "let s = \"open\nlet d = UserDefaults.standard\n"
    assert hits(text, "x.swift") == [(2, 9, "UserDefaults")]


def test_linear_on_large_pathological_input() -> None:
    # many unterminated quotes, nested comment openers and look-alike names: must finish
    text = ("\"" * 2000 + "\n" + "/*" * 2000 + "\n") + "stat_like(x) " * 20000
    assert hits(text, "x.swift") == []
    assert hits("'" * 50000 + "\n" + "x->stat(" * 20000, "x.c") == []


# -- the safe reader ----------------------------------------------------------------------------


def test_reader_refuses_fifo_without_blocking(tmp_path) -> None:
    fifo = tmp_path / "Trap.swift"
    os.mkfifo(fifo)
    with pytest.raises(SourceReadError, match="not a regular file"):
        read_source(str(fifo))


def test_reader_refuses_files_over_the_limit(tmp_path) -> None:
    big = tmp_path / "big.c"
    big.write_bytes(b"int x;\n" * 100)
    with pytest.raises(SourceReadError, match="over the 100-byte limit"):
        read_source(str(big), max_bytes=100)
    assert sourcescan.scan_file(str(big)) == []


def test_reader_decodes_bom_and_bad_bytes(tmp_path) -> None:
    f = tmp_path / "a.m"
    f.write_bytes(b"\xef\xbb\xbf\xff\xfe x = mach_absolute_time();\n")
    assert [(h.line, h.column) for h in sourcescan.scan_file(str(f))] == [(1, 8)]


# -- properties ---------------------------------------------------------------------------------

#: the characters that drive the lexer and the patterns, plus spellings it looks for
_ALPHABET = st.sampled_from(list("\"'#/*\\\n ()[].,@R{}x_:$>-") + [
    "stat", "UserDefaults", "NSUserDefaults", "\"\"\"", "#\"", "/*", "*/", "//",
    "ProcessInfo.processInfo.", "systemUptime", ".creationDate", "mach_absolute_time",
    "trtc-privacy: ignore", "#include ", "R\"x(", ")x\"", "é", "\t"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join), st.booleans())
def test_any_text_scans_without_error_and_positions_are_in_the_text(text: str,
                                                                    swift: bool) -> None:
    code, _ = blank(text, swift)
    assert len(code) == len(text) and code.count("\n") == text.count("\n")
    lines = text.split("\n")
    for h in scan_text(text, "x.swift" if swift else "x.m"):
        line = lines[h.line - 1]
        assert line[h.column - 1:].startswith(h.text), (text, h)


def test_no_quadratic_corner() -> None:
    """Runs of ``#`` (raw-string openers) and long lines of declarations stay linear."""
    assert hits("#" * 50000 + " let d = UserDefaults.standard", "x.swift") == [
        (1, 50010, "UserDefaults")]
    text = ("a" * 60 + " stat(x); p -> stat(y); return stat(z);\n") * 3000
    assert len(hits(text, "x.c")) == 3000
