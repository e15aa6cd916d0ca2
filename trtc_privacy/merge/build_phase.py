"""The Xcode Run Script build phase: from Xcode's build environment to a merged manifest.

Xcode hands a script phase its settings as environment variables (``SRCROOT``,
``TARGET_BUILD_DIR``, ``SCRIPT_INPUT_FILE_0`` ...). This module turns them into a plan (which
configuration, app manifest, lockfiles and output), runs the ordinary merge, and renders the
findings in the ``path:line:col: error: message`` form that Xcode's issue navigator reads.

With user script sandboxing Xcode lets the phase read only its declared inputs and write only
its declared outputs, so the plan is also what ``--filelist`` prints for the phase to declare,
and nothing but the planned output is ever written.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from trtc_privacy import config as cfgmod
from trtc_privacy.diagnostics import Diagnostic, InputError, Severity, input_error
from trtc_privacy.files import FileKind, read_limited
from trtc_privacy.knowledge import apple as C

MANIFEST_NAME = C.MANIFEST_NAME
PRODUCT_OUTPUT = "$(TARGET_BUILD_DIR)/$(UNLOCALIZED_RESOURCES_FOLDER_PATH)/" + MANIFEST_NAME
FILELIST = FileKind("file list", "an .xcfilelist file", 1024 * 1024)
WRITE_MODES = ("product", "source")
FAIL_POLICIES = ("always", "release", "never")


@dataclass
class BuildEnv:
    """The part of Xcode's build environment the phase needs."""

    srcroot: str
    podfile_dir: Optional[str] = None
    target_build_dir: Optional[str] = None
    resources_path: Optional[str] = None
    configuration: str = ""
    project_file: Optional[str] = None
    names: List[str] = field(default_factory=list)  # PRODUCT_NAME, TARGET_NAME
    infoplist: Optional[str] = None
    inputs: List[str] = field(default_factory=list)  # declared inputs, absolute
    outputs: List[str] = field(default_factory=list)  # declared outputs, absolute
    sandboxed: bool = False
    in_xcode: bool = True

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], cwd: Optional[str] = None) -> "BuildEnv":
        """Read Xcode's variables; outside Xcode (no SRCROOT) the current directory stands in."""
        e = dict(environ)
        in_xcode = bool(e.get("SRCROOT"))
        srcroot = os.path.abspath(e.get("SRCROOT") or cwd or os.getcwd())

        def path(name: str) -> Optional[str]:
            v = e.get(name)
            return _absolute(v, srcroot) if v else None

        names = [e[n] for n in ("PRODUCT_NAME", "TARGET_NAME") if e.get(n)]
        return cls(
            srcroot=srcroot,
            podfile_dir=path("PODS_PODFILE_DIR_PATH"),
            target_build_dir=path("TARGET_BUILD_DIR"),
            resources_path=e.get("UNLOCALIZED_RESOURCES_FOLDER_PATH") or None,
            configuration=e.get("CONFIGURATION", ""),
            project_file=path("PROJECT_FILE_PATH"),
            names=list(dict.fromkeys(names)),
            infoplist=path("INFOPLIST_FILE"),
            inputs=_declared(e, "INPUT", srcroot),
            outputs=_declared(e, "OUTPUT", srcroot),
            sandboxed=e.get("ENABLE_USER_SCRIPT_SANDBOXING", "").upper() in ("YES", "1", "TRUE"),
            in_xcode=in_xcode,
        )


def _absolute(p: str, base: str) -> str:
    return os.path.normpath(p if os.path.isabs(p) else os.path.join(base, p))


def _expand(text: str, environ: Mapping[str, str]) -> str:
    """Expand ``$(VAR)``, ``${VAR}`` and ``$VAR`` as Xcode does in file lists."""
    return re.sub(r"\$(?:\(([A-Za-z_][A-Za-z0-9_]*)\)|\{([A-Za-z_][A-Za-z0-9_]*)\}|"
                  r"([A-Za-z_][A-Za-z0-9_]*))",
                  lambda m: environ.get(m.group(1) or m.group(2) or m.group(3), ""), text)


def _declared(e: Mapping[str, str], kind: str, srcroot: str) -> List[str]:
    """SCRIPT_{kind}_FILE_n plus every line of SCRIPT_{kind}_FILE_LIST_n."""
    out: List[str] = []
    for i in range(_count(e, f"SCRIPT_{kind}_FILE_COUNT")):
        v = e.get(f"SCRIPT_{kind}_FILE_{i}")
        if v:
            out.append(_absolute(_expand(v, e), srcroot))
    for i in range(_count(e, f"SCRIPT_{kind}_FILE_LIST_COUNT")):
        listed = e.get(f"SCRIPT_{kind}_FILE_LIST_{i}")
        if not listed:
            continue
        try:
            lines = read_limited(listed, FILELIST).decode("utf-8", errors="replace").splitlines()
        except InputError:
            continue
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(_absolute(_expand(line, e), srcroot))
    return out


def _count(e: Mapping[str, str], name: str) -> int:
    """A count Xcode gives, capped at the number of variables there are: no more of the
    numbered variables can exist (SCRIPT_INPUT_FILE_COUNT=10^11 looped for ever)."""
    try:
        return min(max(0, int(e.get(name, "0") or 0)), len(e))
    except ValueError:
        return 0


@dataclass
class Phase:
    """What the phase reads and writes, decided before anything is read."""

    env: BuildEnv
    config: cfgmod.Config
    app_manifest: str
    output: str
    write: str  # "product" or "source"
    fail_on: str  # "always", "release" or "never"
    sdks: List[str] = field(default_factory=list)
    lockfiles: List[str] = field(default_factory=list)
    manifests: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    @property
    def nothing_to_merge(self) -> bool:
        return not (self.sdks or self.lockfiles or self.manifests)

    def reads(self) -> List[str]:
        """Every file the phase only reads: its input file list (in place, the manifest is an output)."""
        out = [self.config.path] if self.config.path else []
        if self.write == "product":
            out.append(self.app_manifest)
        out += self.lockfiles + self.manifests
        return list(dict.fromkeys(os.path.abspath(p) for p in out))

    def writes(self) -> List[str]:
        return [os.path.abspath(self.output)]

    def fails(self) -> bool:
        """Whether errors fail this build (``xcode-fail-on``)."""
        return should_fail(self.fail_on, self.env.configuration)


def should_fail(policy: str, configuration: str) -> bool:
    """``always``; ``never``; ``release``: only configurations named Release (or Release-*)."""
    if policy == "never":
        return False
    if policy == "release":
        c = configuration.strip().lower()
        return c == "release" or c.startswith(("release-", "release_", "release "))
    return True


def make_phase(env: BuildEnv, config_path: Optional[str] = None, write: Optional[str] = None,
              fail_on: Optional[str] = None, app_manifest: Optional[str] = None,
              need_product: bool = True) -> Phase:
    """Decide the configuration, app manifest, SDK sources and output for this build.

    Each is taken from the first that has it: the command line, the configuration file, the
    phase's declared inputs and outputs, then the places Xcode and CocoaPods put them.
    """
    cfg = cfgmod.load(config_path or _declared_config(env) or cfgmod.find(env.srcroot))
    write = write or cfg.xcode_write
    fail_on = fail_on or cfg.xcode_fail_on
    if write not in WRITE_MODES:
        raise input_error("--write", f"expected one of {', '.join(WRITE_MODES)}, found {write!r}",
                          rule="usage")
    if fail_on not in FAIL_POLICIES:
        raise input_error("--fail-on", f"expected one of {', '.join(FAIL_POLICIES)}, "
                          f"found {fail_on!r}", rule="usage")
    notes: List[str] = []
    if app_manifest:
        app = _absolute(app_manifest, env.srcroot)
    elif cfg.app_manifest:
        app = os.path.abspath(cfg.resolve(cfg.app_manifest))
    else:
        found = _find_app_manifest(env)
        if found is None:
            raise input_error(env.srcroot, f"no {MANIFEST_NAME} found for this target",
                              rule="usage",
                              hint="set app-manifest in .trtc-privacy.toml, declare the file as an "
                              "input of the phase, or create one with `trtc-privacy init`")
        app = found
    sdks, lockfiles, manifests = (list(cfg.sdks), [cfg.resolve(p) for p in cfg.lockfiles],
                                  [cfg.resolve(p) for p in cfg.manifests])
    if not (sdks or lockfiles or manifests):
        lockfiles = _find_lockfiles(env)
        if lockfiles:
            notes.append("lockfiles: " + ", ".join(_short(p, env.srcroot) for p in lockfiles))
    lockfiles = [os.path.abspath(p) for p in lockfiles]
    manifests = [os.path.abspath(p) for p in manifests]
    if write == "source":
        output = app
    else:
        output = _declared_manifest_output(env, app) or (
            _product_output(env) if need_product or env.target_build_dir else PRODUCT_OUTPUT)
    return Phase(env, cfg, app, output, write, fail_on, sdks, lockfiles, manifests, notes)


def _declared_config(env: BuildEnv) -> Optional[str]:
    for p in env.inputs:
        base = os.path.basename(p)
        if base == cfgmod.CONFIG_NAMES[0] and os.path.isfile(p):
            return p
        if base == cfgmod.CONFIG_NAMES[1] and os.path.isfile(p) and cfgmod.has_table(p):
            return p
    return None


def _find_app_manifest(env: BuildEnv) -> Optional[str]:
    """A declared input named PrivacyInfo.xcprivacy, else one next to Info.plist or in SRCROOT."""
    for p in env.inputs:
        if os.path.basename(p) == MANIFEST_NAME:
            return p
    candidates = []
    if env.infoplist:
        candidates.append(os.path.join(os.path.dirname(env.infoplist), MANIFEST_NAME))
    candidates += [os.path.join(env.srcroot, n, MANIFEST_NAME) for n in env.names]
    candidates.append(os.path.join(env.srcroot, MANIFEST_NAME))
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


def _find_lockfiles(env: BuildEnv) -> List[str]:
    """Declared Podfile.lock / Package.resolved inputs, else where CocoaPods and SwiftPM keep them."""
    from trtc_privacy.merge.lockfiles import (
        LOCKFILE_NAMES,
        PACKAGE_RESOLVED,
        PODFILE_LOCK,
        project_resolved,
        workspace_resolved,
    )

    declared = [p for p in env.inputs if os.path.basename(p) in LOCKFILE_NAMES]
    if declared:
        return declared
    found: List[str] = []
    for d in (env.podfile_dir, env.srcroot):
        if d:
            found.append(os.path.join(d, PODFILE_LOCK))
    if env.project_file:
        found.append(project_resolved(env.project_file))
    found += sorted(glob.glob(workspace_resolved(os.path.join(glob.escape(env.srcroot), "*.xc*"))))
    found.append(os.path.join(env.srcroot, PACKAGE_RESOLVED))
    seen: Dict[str, str] = {}
    for p in found:
        if os.path.isfile(p):
            seen.setdefault(os.path.realpath(p), os.path.normpath(p))
    return list(seen.values())


def _declared_manifest_output(env: BuildEnv, app: str) -> Optional[str]:
    for p in env.outputs:
        if p.endswith(".xcprivacy") and os.path.abspath(p) != app:
            return p
    return None


def _product_output(env: BuildEnv) -> str:
    missing = [n for n, v in (("TARGET_BUILD_DIR", env.target_build_dir),
                              ("UNLOCALIZED_RESOURCES_FOLDER_PATH", env.resources_path)) if not v]
    if missing:
        raise input_error(" and ".join(missing), "not set: cannot tell where the built product is",
                          rule="usage",
                          hint="run this as an Xcode Run Script phase, or set xcode-write = "
                          "\"source\" to merge into the app manifest in place")
    return os.path.join(env.target_build_dir or "", env.resources_path or "", MANIFEST_NAME)


def _short(p: str, root: str) -> str:
    rel = os.path.relpath(p, root)
    return p if rel.startswith(os.pardir + os.sep + os.pardir) else rel


def sandbox_problems(plan: Phase) -> List[Diagnostic]:
    """Under user script sandboxing, every file read or written must be declared by the phase."""
    if not plan.env.sandboxed:
        return []
    out: List[Diagnostic] = []
    checks = (("input", "reads", plan.reads(), plan.env.inputs + plan.env.outputs, "Input"),
              ("output", "writes", plan.writes(), plan.env.outputs, "Output"))
    for kind, verb, used, declared, lists in checks:
        allowed = {os.path.realpath(p) for p in declared}
        for p in used:
            if os.path.realpath(p) not in allowed:
                out.append(Diagnostic(
                    p, None, None, f"xcode-undeclared-{kind}", Severity.ERROR,
                    f"the build phase {verb} this file but does not declare it as an {kind} "
                    "(user script sandboxing)",
                    hint=f"add the lines of `trtc-privacy xcode --filelist {kind}s` to the "
                    f"phase's {lists} File List"))
    return out


def filelist(plan: Phase, which: str) -> List[str]:
    """The lines of an .xcfilelist for the phase, with build-setting variables, not local paths."""
    if which == "inputs":
        return [_with_variables(p, plan.env) for p in plan.reads()]
    if plan.write == "product" and not _declared_manifest_output(plan.env, plan.app_manifest):
        return [PRODUCT_OUTPUT]
    return [_with_variables(p, plan.env) for p in plan.writes()]


def _with_variables(p: str, env: BuildEnv) -> str:
    for var, root in (("TARGET_BUILD_DIR", env.target_build_dir), ("SRCROOT", env.srcroot)):
        if root:
            rel = os.path.relpath(os.path.abspath(p), root)
            if not rel.startswith(os.pardir) or var == "SRCROOT":
                return f"$({var})/" + rel.replace(os.sep, "/")
    return p  # pragma: no cover - SRCROOT is always set


@dataclass
class Result:
    """What the phase did: the findings to print (errors only when this build fails on them),
    and whether an input could not be used in a build that fails on errors."""

    plan: Optional[Phase]
    diagnostics: List[Diagnostic]
    written: bool = False
    changed: bool = False
    bad_input: bool = False
    summary: str = ""


def run(env: BuildEnv, config_path: Optional[str] = None, write: Optional[str] = None,
        fail_on: Optional[str] = None, app_manifest: Optional[str] = None) -> Result:
    """Plan the phase, gather and plan the merge once, write it (only when the bytes change);
    never raises for the user's input.

    The phase is the build's check of the app's manifest, so it reports the app file's own
    findings too (at its lines), and the merge's findings at the source file's lines. When
    errors fail this build (``xcode-fail-on``), nothing is written; when they do not, the merged
    manifest is written and the errors are shown as warnings.
    """
    from trtc_privacy.merge import pipeline
    from trtc_privacy.selection import Selection

    try:
        phase = make_phase(env, config_path, write, fail_on, app_manifest)
    except InputError as exc:
        # Without a readable configuration the fail-on policy is unknown: fail, to be safe.
        return Result(None, exc.diagnostics, bad_input=True)
    rules = Selection.from_config(phase.config)
    diags = rules.apply(sandbox_problems(phase))
    if diags:
        return _finish(phase, diags, bad_input=True)
    if phase.nothing_to_merge:
        diags += rules.apply([Diagnostic(
            phase.app_manifest, None, None, "nothing-to-merge", Severity.WARNING,
            "no SDKs configured and no Podfile.lock or Package.resolved found; the manifest "
            "is copied as it is",
            hint="set sdks or lockfiles in .trtc-privacy.toml, or declare the lockfile as an "
            "input of the phase")])
    try:
        inputs = pipeline.gather(phase.config, pipeline.Options(
            phase.app_manifest, phase.sdks, phase.lockfiles, phase.manifests, phase.output,
            usage_path="xcode", need_sources=False))
        merge_plan = pipeline.plan(inputs)
    except InputError as exc:
        return _finish(phase, diags + [exc.diagnostic], bad_input=True)
    phase.notes += inputs.notes + merge_plan.notes
    found = inputs.diagnostics + inputs.source_findings + merge_plan.app_findings
    errors = any(d.severity is Severity.ERROR
                 for d in diags + found + merge_plan.result_findings)
    blocked = errors and phase.fails()
    # the merge's own findings at the source file's lines, unless the source is what gets written
    in_place = phase.write == "source" and not blocked
    diags += found + (merge_plan.result_findings if in_place
                      else merge_plan.at_source(merge_plan.result_findings))
    outcome = pipeline.Outcome(merge_plan, blocked=merge_plan.changed)
    if not blocked:
        if phase.write == "product":
            try:
                os.makedirs(os.path.dirname(phase.output) or ".", exist_ok=True)
            except OSError as exc:
                return _finish(phase, diags + [input_error(
                    phase.output, f"cannot create the folder: {exc.strerror}",
                    rule="unwritable").diagnostic], bad_input=True)
        try:
            outcome = pipeline.write(merge_plan, allow_invalid=True)
        except InputError as exc:
            return _finish(phase, diags + [exc.diagnostic], bad_input=True)
    res = _finish(phase, diags)
    res.written, res.changed = outcome.written, outcome.plan.changed
    where = _short(phase.output, phase.env.srcroot)
    if outcome.blocked:
        res.summary = f"{where}: not written: an input has an error"
    elif outcome.written:
        res.summary = f"{where}: merged manifest written"
    else:
        res.summary = f"{where}: up to date"
    return res


def _finish(plan: Phase, diags: List[Diagnostic], bad_input: bool = False) -> Result:
    failing = plan.fails()
    if not failing:
        # Xcode fails a build whose script prints "error:" even with exit status 0.
        diags = [d.with_severity(Severity.WARNING) if d.severity is Severity.ERROR else d
                 for d in diags]
    return Result(plan, diags, bad_input=bad_input and failing)


def xcode_line(d: Diagnostic) -> str:
    """``/abs/path:line:col: error: message [rule]`` (the xcode formatter's line).

    A diagnostic that is not about a file (an option, a build setting, a vendor template) is
    printed as ``error: where: message`` so that Xcode still lists it as an issue.
    """
    from trtc_privacy.formatters import xcode as fmt

    if os.path.isabs(d.path) or os.path.exists(d.path):
        return fmt.format([d]).rstrip("\n")
    message = " ".join(f"{d.message} [{d.rule}]".split())
    if d.hint:
        message += f" ({' '.join(d.hint.split())})"
    return f"{d.severity.value}: {d.location()}: {message}"


def lines(result: Result) -> Sequence[str]:
    return [xcode_line(d) for d in sorted(result.diagnostics, key=lambda d: d.sort_key())]


def audit_product(environ: Mapping[str, str], fails: bool = True,
                  merged: Optional[str] = None) -> Tuple[List[str], List[Diagnostic], bool]:
    """``xcode --audit``: after the merge, audit the built product the way App Store Connect
    will, so a missing declaration shows in the issue navigator of the build that caused it.

    Returns the lines to print (Xcode's issue format; paths made absolute where the file is on
    disk, so Xcode can open manifests), the findings they show (errors only when this build
    fails on errors, ``xcode-fail-on``; else they become warnings), and whether the product
    could not be read in a build that fails on errors.
    ``merged`` is the manifest the phase just wrote: the merge linted it, so audit only reads it.
    """
    from trtc_privacy.usage.audit import audit

    base, name = environ.get("TARGET_BUILD_DIR"), (environ.get("WRAPPER_NAME")
                                                   or environ.get("FULL_PRODUCT_NAME"))
    if not base or not name:
        return ["warning: trtc-privacy xcode --audit: TARGET_BUILD_DIR and WRAPPER_NAME are not "
                "set, so there is no built product to audit"], [], False
    product = os.path.join(base, name)
    linted: "frozenset[str]" = frozenset()
    if merged:
        rel = os.path.relpath(os.path.abspath(merged), os.path.abspath(product))
        linted = frozenset({rel.replace(os.sep, "/")}) if not rel.startswith(os.pardir) else linted
    try:
        result = audit(product, linted=linted)
    except InputError as exc:
        d = exc.diagnostic if fails else exc.diagnostic.with_severity(Severity.WARNING)
        return [xcode_line(d)], [d], fails
    out = []
    for d in result.diagnostics:
        on_disk = os.path.join(product, d.path)
        if not os.path.isabs(d.path) and os.path.exists(on_disk):
            d = d.replace(path=on_disk)
        if not fails and d.severity is Severity.ERROR:
            d = d.with_severity(Severity.WARNING)
        out.append(d)
    return [xcode_line(d) for d in out], out, False
