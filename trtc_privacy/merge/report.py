"""The app's privacy picture as data: App Store label answers, required-reason APIs, who declared what.

``build`` is pure: it turns a merge plan (``pipeline.plan``, never written) and its findings
into one JSON-ready dict, and the HTML and Markdown templates render that same dict, so the three
formats can never disagree. ``collect`` gathers the inputs through the same pipeline as ``merge``
(configuration, lockfiles, ``--sdk``, ``--manifest``) and never writes the app's manifest. The mapping from
manifest fields to label sections follows Apple's App Privacy Details page (see
``../shared/reference/apple-spec.md`` section 7): ``Tracking`` = true puts a data type under
"Data Used to Track You", ``Linked`` decides "Data Linked to You" or "Data Not Linked to You".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from trtc_privacy import __version__
from trtc_privacy.diagnostics import Diagnostic, Severity
from trtc_privacy.knowledge.apple import vocabulary
from trtc_privacy.merge.fold import Decl, MergeResult

#: Bumped when the JSON's shape changes incompatibly (consumers can check it).
REPORT_VERSION = 1

SECTIONS = (
    ("used_to_track_you", "Data Used to Track You"),
    ("linked_to_you", "Data Linked to You"),
    ("not_linked_to_you", "Data Not Linked to You"),
)
UNKNOWN_CATEGORY = "Not an Apple data type"


@dataclass
class Collected:
    """Everything a report needs: the merge plan (never written) and how it was asked for."""

    plan: Any  # pipeline.MergePlan
    config: Optional[str] = None

    @property
    def app_manifest(self) -> str:
        return str(self.plan.inputs.app_path)

    @property
    def app_exists(self) -> bool:
        return self.plan.inputs.app_bytes is not None

    @property
    def findings(self) -> List[Diagnostic]:
        """``lint``'s for the app's manifest as it is on disk (so line numbers are real) and for
        every folded-in manifest, ``versions``' for the lockfiles, and those the merge would
        cause (placed in the app's file), each made once by the pipeline."""
        p = self.plan
        return list(p.inputs.diagnostics + p.inputs.source_findings + p.app_findings
                + p.at_source(p.result_findings))

    @property
    def stated_tracking(self) -> Dict[str, Optional[bool]]:
        """Each input's own NSPrivacyTracking (None: the key is absent), by source label."""
        from trtc_privacy.merge.pipeline import APP_LABEL

        p = self.plan
        out: Dict[str, Optional[bool]] = {
            APP_LABEL: p.base.tracking if p.inputs.app_document is not None else None}
        out.update({s.label: s.manifest.tracking for s in p.inputs.sources})
        return out


# --------------------------------------------------------------------------------------------
# Reading the inputs (through the pipeline; the report never writes)


def collect(app_manifest: Optional[str], sdks: Sequence[str], lockfiles: Sequence[str],
            manifests: Sequence[str], config_path: Optional[str] = None) -> Collected:
    """Gather and plan exactly as ``merge`` does (the configuration filling in what is not
    given); write nothing. Unlike ``merge``, no SDK is needed: a report of the app's own
    manifest alone is useful.
    """
    from trtc_privacy import config as cfgmod
    from trtc_privacy.merge import pipeline

    cfg = cfgmod.load(config_path)
    inputs = pipeline.gather(cfg, pipeline.Options(
        app_manifest, list(sdks), list(lockfiles), list(manifests), usage_path="report",
        need_sources=False, merging=False))
    return Collected(pipeline.plan(inputs), cfg.shown_path)


# --------------------------------------------------------------------------------------------
# Building the report (pure)


def build(collected: Collected) -> Dict[str, Any]:
    """The report as one JSON-ready dict (the templates render exactly this)."""
    plan = collected.plan
    result: MergeResult = plan.shipped
    labels = [c.label for c in result.contributions]
    findings = _findings(collected.findings)
    label = _label(result, labels, collected.stated_tracking)
    apis = _apis(result)
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "trtc-privacy", "version": __version__},
        "catalogue": {"read_on": vocabulary().read_on, "sources": list(vocabulary().sources)},
        "app_manifest": collected.app_manifest,
        "config": collected.config,
        "sources": _sources(collected, labels),
        "lockfiles": list(plan.inputs.lockfiles),
        "lockfile_sdks": [r.as_dict() for r in plan.inputs.lock_rows],
        "label": label,
        "required_reason_apis": apis,
        "findings": findings,
        "notes": list(plan.inputs.notes + plan.notes),
        "summary": _summary(label, apis, findings),
    }


def _who(result: MergeResult, decl: Decl) -> List[str]:
    return list(result.attribution.get(decl, []))


def _order(ids: Iterable[str], known: Sequence[str]) -> List[str]:
    """Catalogue order first (as App Store Connect lists them), unknown ones after, as declared."""
    ids = list(dict.fromkeys(ids))
    rank = {k: i for i, k in enumerate(known)}
    # keys computed once (list.index in the key made 50,000 unknown reasons quadratic)
    keys = {i: ((0, rank[i]) if i in rank else (1, n)) for n, i in enumerate(ids)}
    return sorted(ids, key=keys.__getitem__)


def _label(result: MergeResult, labels: Sequence[str],
           stated: Dict[str, Optional[bool]]) -> Dict[str, Any]:
    cat = vocabulary()
    target = result.target
    descriptions = cat.descriptions
    entries = {dt.type: dt for dt in target.data_types or []}
    rows: Dict[str, Dict[str, Any]] = {}
    for ident in _order(entries, list(cat.data_types)):
        dt = entries[ident]
        known = ident in cat.data_types
        name, category = cat.data_types.get(ident, (ident, UNKNOWN_CATEGORY))
        rows[ident] = {
            "id": ident,
            "label": name,
            "category": category,
            "description": descriptions.get(ident, ""),
            "known": known,
            "linked": bool(dt.linked),
            "tracking": bool(dt.tracking),
            "declared_by": _who(result, ("data-type", ident)),
            "linked_by": _who(result, ("linked", ident)),
            "tracking_by": _who(result, ("data-tracking", ident)),
            "purposes": [{
                "id": p,
                "label": cat.purposes.get(p, p),
                "known": p in cat.purposes,
                "declared_by": _who(result, ("purpose", ident, p)),
            } for p in _order(dt.purposes, list(cat.purposes))],
        }
    sections = {}
    for key, title in SECTIONS:
        if key == "used_to_track_you":
            chosen = [r for r in rows.values() if r["tracking"]]
        elif key == "linked_to_you":
            chosen = [r for r in rows.values() if r["linked"]]
        else:
            chosen = [r for r in rows.values() if not r["linked"]]
        sections[key] = {
            "title": title,
            "categories": _by_category(chosen),
            "by_purpose": [] if key == "used_to_track_you" else _by_purpose(chosen),
        }
    return {
        "data_collected": bool(rows),
        "tracking": {
            "enabled": bool(target.tracking),
            "declared_by": _who(result, ("tracking",)),
            "stated_false_by": [s for s in labels if stated.get(s) is False],
            "domains": [{"domain": d, "declared_by": _who(result, ("domain", d))}
                        for d in target.domains or []],
        },
        "sections": sections,
    }


def _by_category(rows: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    order = list(vocabulary().category_order) + [UNKNOWN_CATEGORY]
    groups: Dict[str, List[Dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["category"], []).append(r)
    return [{"category": c, "data_types": groups[c]} for c in _order(groups, order)]


def _by_purpose(rows: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """As the product page shows it: purpose, then the categories collected for it."""
    cat = vocabulary()
    purposes: Dict[str, Tuple[str, List[str]]] = {}
    for r in rows:
        for p in r["purposes"]:
            _, cats = purposes.setdefault(p["id"], (p["label"], []))
            if r["category"] not in cats:
                cats.append(r["category"])
    order = list(vocabulary().category_order) + [UNKNOWN_CATEGORY]
    return [{"id": p, "label": purposes[p][0], "categories": _order(purposes[p][1], order)}
            for p in _order(purposes, list(cat.purposes))]


def _apis(result: MergeResult) -> List[Dict[str, Any]]:
    cat = vocabulary()
    entries = {a.category: a for a in result.target.api_types or []}
    out = []
    for ident in _order(entries, list(cat.categories)):
        reasons = []
        for code in _order(entries[ident].reasons, list(cat.reasons)):
            r = cat.reasons.get(code)
            reasons.append({
                "code": code,
                "meaning": r.summary if r else "",
                "known": r is not None,
                "belongs_to": (cat.category_label(r.category)
                               if r is not None and r.category != ident else None),
                "sdk_only": bool(r and r.sdk_only),
                "declared_by": _who(result, ("reason", ident, code)),
            })
        out.append({
            "id": ident,
            "label": cat.categories.get(ident, ident),
            "known": ident in cat.categories,
            "declared_by": _who(result, ("api", ident)),
            "reasons": reasons,
        })
    return out


def _sources(collected: Collected, labels: Sequence[str]) -> List[Dict[str, Any]]:
    plan = collected.plan
    contributions = plan.shipped.contributions
    app = contributions[0]
    out = [{
        "label": app.label,
        "kind": "app",
        "path": collected.app_manifest,
        "exists": collected.app_exists,
        "declarations": len(app.added) + len(app.already),
    }]
    for c, s in zip(contributions[1:], plan.inputs.sources):
        row: Dict[str, Any] = {"label": c.label}
        sel = s.selection
        if sel is not None:
            row.update({
                "kind": "sdk",
                "pod": sel.pod.name,
                "version": sel.version,
                "status": sel.status,
                "catalogue_manifest": s.catalogue_id,
                "minimum_version": sel.pod.minimum or None,
                "below_minimum": sel.status == "below-minimum",
                "newer_than_checked": sel.beyond,
                "from": "lockfile" if s.from_lockfile else "--sdk",
            })
        else:
            row.update({"kind": "manifest", "path": c.label})
        row["declarations"] = len(c.added) + len(c.already)
        row["new"] = len(c.added)
        out.append(row)
    return out


def _findings(diagnostics: Sequence[Diagnostic]) -> List[Dict[str, Any]]:
    unique = list(dict.fromkeys(diagnostics))
    unique.sort(key=lambda d: (-d.severity.rank,) + d.sort_key())
    return [d.as_dict() for d in unique]


def _summary(label: Dict[str, Any], apis: Sequence[Dict[str, Any]],
             findings: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    sections = label["sections"]

    def count(key: str) -> int:
        return sum(len(c["data_types"]) for c in sections[key]["categories"])

    return {
        "tracking": label["tracking"]["enabled"],
        "data_types": {key: count(key) for key, _ in SECTIONS},
        "api_categories": len(apis),
        "reasons": sum(len(a["reasons"]) for a in apis),
        "errors": sum(1 for f in findings if f["severity"] == Severity.ERROR.value),
        "warnings": sum(1 for f in findings if f["severity"] == Severity.WARNING.value),
        "notes": sum(1 for f in findings if f["severity"] == Severity.NOTE.value),
    }


# --------------------------------------------------------------------------------------------
# Rendering


def to_json(report: Dict[str, Any]) -> str:
    import json

    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render(report: Dict[str, Any], template: str) -> str:
    """Render ``report.html.j2`` or ``report.md.j2``; every manifest string is escaped."""
    from trtc_privacy.knowledge.resources import jinja_env

    env = jinja_env(autoescape=True)
    env.filters["md"] = md_text
    env.filters["mdcode"] = md_code
    src_index = {s["label"]: n for n, s in enumerate(report["sources"])}
    return str(env.get_template(template).render(r=report, src_index=src_index))


def render_html(report: Dict[str, Any]) -> str:
    return render(report, "report.html.j2")


def render_markdown(report: Dict[str, Any]) -> str:
    import re

    return re.sub(r"\n{3,}", "\n\n", render(report, "report.md.j2"))


_MD_SPECIAL = "\\`*_[]|~"


def md_text(value: Any) -> Any:
    """Text for Markdown (also inside a table cell): no HTML, no Markdown syntax, one line.

    ``&``, ``<`` and ``>`` become entities (GitHub shows a hostile ``<script>`` as text); ``|``
    would end a table cell and ``[``/``]`` would start a link, so Markdown punctuation is
    backslash-escaped; newlines would end a table row, so whitespace is collapsed.
    """
    from markupsafe import Markup

    text = " ".join(str(value).split())
    out = []
    for ch in text:
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return Markup("".join(out))


_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md_code(value: Any) -> Any:
    """An identifier or path as a code span when that is safe, else as escaped text."""
    import re

    from markupsafe import Markup

    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9./][A-Za-z0-9 ._@/+-]*", text):
        return Markup("`" + text + "`")
    return md_text(text)


# --------------------------------------------------------------------------------------------
# A built artifact (``report APP.ipa``): every bundle, and the label aggregated across them


def build_any(app_manifest: Optional[str], sdks: Sequence[str], lockfiles: Sequence[str],
              manifests: Sequence[str], config_path: Optional[str] = None) -> Dict[str, Any]:
    """The report of a built artifact when ``app_manifest`` names one (.ipa, .xcarchive,
    .app, .xcframework), else of the app's manifest and its inputs (``collect`` + ``build``)."""
    from trtc_privacy.usage.artifact import is_artifact

    if app_manifest is None or not is_artifact(app_manifest):
        return build(collect(app_manifest, sdks, lockfiles, manifests, config_path))
    from trtc_privacy import config as cfgmod
    from trtc_privacy.diagnostics import input_error
    from trtc_privacy.usage.audit import audit

    if sdks or lockfiles or manifests:
        raise input_error("--sdk/--lockfile/--manifest", "a built artifact already holds "
                          "every manifest it ships; these options apply to a manifest only",
                          rule="usage", hint="drop them, or report the app's manifest instead")
    return build_artifact(audit(app_manifest, cfgmod.load(config_path)))


def build_artifact(result: Any) -> Dict[str, Any]:
    """The report for an ``audit.AuditResult``: the same label and API sections, merged from
    every manifest in the artifact (as Xcode's privacy report aggregates them), plus each
    bundle with what it declares and what its executable was found to use."""
    from trtc_privacy.merge.fold import merge as merge_manifests

    reads = [r for v in result.views for r in v.reads if r.declared is not None]
    labels = {id(r): _bundle_label(v.bundle.shown, r.manifest)
              for v in result.views for r in v.reads}
    manifests = []
    for r in reads:
        m = r.declared
        m.label = labels[id(r)]
        manifests.append(m)
    merged = merge_manifests(manifests)
    names = [c.label for c in merged.contributions]
    stated = {labels[id(r)]: r.declared.tracking for r in reads}
    label = _label(merged, names, stated)
    apis = _apis(merged)
    findings = _findings(result.diagnostics)
    picture = result.to_json()
    sources = [{"label": labels[id(r)], "kind": "bundle", "path": r.manifest.shown,
                "role": r.manifest.role, "exists": True,
                "declarations": len(c.added) + len(c.already), "new": len(c.added)}
               for r, c in zip(reads, merged.contributions)]
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "trtc-privacy", "version": __version__},
        "catalogue": {"read_on": vocabulary().read_on, "sources": list(vocabulary().sources)},
        "app_manifest": result.source,
        "artifact": {"path": result.source, "kind": result.kind,
                     "signatures": picture["signatures"]},
        "bundles": [_bundle_summary(b) for b in picture["bundles"]],
        "config": None,
        "sources": sources,
        "lockfiles": [],
        "lockfile_sdks": [],
        "label": label,
        "required_reason_apis": apis,
        "findings": findings,
        "notes": [],
        "summary": _summary(label, apis, findings),
    }


def _bundle_label(bundle: str, manifest: Any) -> str:
    """A source's name in chips: the bundle, or the resource bundle inside it."""
    if manifest.role == "own":
        return bundle
    return str(manifest.shown).rsplit("/", 1)[0]


def _bundle_summary(row: Dict[str, Any]) -> Dict[str, Any]:
    """A picture row with each category's label and whether the bundle's own manifest covers it."""
    cat = vocabulary()
    used = row["categories_used"]
    declared = row["categories_declared"]
    row = dict(row)
    row["apis"] = [{
        "id": c,
        "label": cat.categories.get(c, c),
        "used": c in used,
        "evidence": used.get(c, []),
        "declared": c in declared,
        "reasons": declared.get(c, []),
        "in_resource_bundle": row["categories_declared_in_resource_bundles"].get(c, []),
    } for c in _order(list(used) + list(declared), list(cat.categories))]
    return row
