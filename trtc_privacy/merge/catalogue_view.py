"""How ``show`` and ``sdks`` present the catalogue: a pod at a version in words, as a JSON row,
and the union of what a set of pods folds, as one manifest."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

from trtc_privacy.knowledge.resolve import (
    BELOW,
    CONTENT_UNKNOWN,
    NO_MANIFEST,
    NOT_CHECKED,
    OK,
    PodAt,
)
from trtc_privacy.knowledge.vendors import Pod, catalogue


def union_text(pods: Sequence[PodAt]) -> str:
    """The manifest these pods fold: one catalogue file as it is written, several merged and
    rendered in Xcode's style, none as the empty string."""
    ids = list(dict.fromkeys(i for p in pods for i in p.folded_ids))
    if not ids:
        return ""
    files = [catalogue().manifests[i].file for i in ids]
    if len(files) == 1:
        return files[0].read_text(encoding="utf-8")
    from trtc_privacy.manifest.model import Manifest, from_document
    from trtc_privacy.manifest.reader import parse, read_bytes
    from trtc_privacy.manifest.writer import render_new
    from trtc_privacy.merge.fold import merge

    parts = [from_document(parse(read_bytes(str(f)), str(f))) for f in files]
    return render_new(merge([Manifest(label="")] + parts).target)


def ships_text(p: PodAt) -> str:
    """What the pod at its version ships, in words."""
    ids = ", ".join(p.folded_ids)
    r = p.range
    how = f"; {r.delivery}" if r is not None and r.delivery else ""
    if p.status == OK:
        return f"ships {ids}{how}"
    if p.status == BELOW:
        return f"ships none; {p.pod.name} ships one from {p.pod.minimum}, so {ids} is declared"
    if p.status == NO_MANIFEST:
        return "ships none (nothing to declare for it)"
    if p.status == CONTENT_UNKNOWN:
        verb = "stand" if len(p.folded_ids) > 1 else "stands"
        stand = f"; {ids} {verb} in" if ids else "; nothing stands in"
        return f"carries a manifest not seen{stand}{how}"
    if p.status == NOT_CHECKED:
        return "not checked" + (f" ({p.pod.note})" if p.pod.note else "")
    return f"version unknown ({p.unknown_why})" + (f"; {ids} assumed" if ids else "")


def pod_lines(pods: Sequence[PodAt]) -> List[str]:
    out = []
    for p in pods:
        via = f", {p.via_text}" if p.via else ""
        extra = "".join(f"; {a}" for a in p.assumed)
        newer = (f"; newer than {p.pod.newest_checked.version}, the newest checked"
                 if p.beyond and p.pod.newest_checked else "")
        out.append(f"{p.label}{via}: {ships_text(p)}{newer}{extra}")
    return out


def pod_dict(p: PodAt) -> Dict[str, Any]:
    r = p.range
    return {
        "pod": p.pod.name,
        "version": p.version,
        "status": p.status,
        "via": list(p.via),
        "ships": [s.manifest for s in p.ships],
        "folded": p.folded_ids,
        "delivery": r.delivery if r is not None else None,
        "minimum_version": p.pod.minimum or None,
        "newest_checked": p.pod.newest_checked.version if p.pod.newest_checked else None,
        "newer_than_checked": p.beyond,
        "source": r.source if r is not None else None,
        "evidence": r.evidence if r is not None else None,
        "assumed": list(p.assumed),
    }


def first_manifest(pod: Pod) -> str:
    """The first version that ships a manifest, in words: a version, "never", or the one
    version checked when only one was."""
    if pod.minimum:
        return pod.minimum
    if pod.ranges and all(r.ships == "none" for r in pod.ranges):
        return "never"
    only = [r for r in pod.ranges if r.kind == "only" and r.ships != "none"]
    if only:
        return f"{only[0].start} (the only version checked)"
    return "not known"


def pod_row(pod: Pod) -> Dict[str, Any]:
    """A pod as ``sdks`` lists it."""
    return {
        "pod": pod.name,
        "kind": pod.kind,
        "former_names": list(pod.former_names),
        "subspecs": list(pod.subspecs),
        "swiftpm": [k.url for k in pod.packages],
        "minimum_version": pod.minimum or None,
        "first_manifest": first_manifest(pod),
        "newest_checked": pod.newest_checked.version if pod.newest_checked else None,
        "last_version": pod.last_version,
        "manifests": list(dict.fromkeys(s.manifest for r in pod.ranges
                                        for s in r.manifests + r.stand_in)),
        "note": pod.note or None,
    }


# -- the tables docs/commands.md carries (``trtc-privacy sdks --format markdown``) --------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _versions(r: Dict[str, str]) -> str:
    parts = []
    if "from" in r and "through" in r and r["from"] == r["through"]:
        return r["from"]
    if "from" in r:
        parts.append(f"{r['from']}")
    if "through" in r:
        parts.append(f"to {r['through']}")
    if "before" in r:
        parts.append(f"before {r['before']}")
    return " ".join(parts)


def markdown_tables() -> Dict[str, str]:
    """The products, the first version of each pod that ships its own manifest, and the
    pitfalls, as Markdown tables generated from the catalogue (so the docs cannot drift)."""
    from trtc_privacy.knowledge.resolve import resolve

    cat = catalogue()
    rows = ["| product | root pod | what `--sdk ID` resolves (at the newest version checked) |",
            "|---|---|---|"]
    for p in cat.products:
        pulled = [f"`{x.name}`" for x in resolve(p.id).pods[1:]]
        rows.append(f"| `{p.id}` ({_cell(p.name)}) | `{p.root}` | "
                    f"{', '.join(pulled) or 'nothing more'} |")
    products = "\n".join(rows) + "\n"
    rows = ["| pod | ships its own manifest from | how (at that version) | newest checked | "
            "source |", "|---|---|---|---|---|"]
    for pod in cat.pods:
        if not pod.ranges:
            continue
        first = pod.first_shipping() or next(
            (r for r in pod.ranges if r.kind == "only" and r.ships != "none"), None)
        row = pod_row(pod)
        names = f"`{pod.name}`" + (f" (formerly {', '.join(pod.former_names)})"
                                   if pod.former_names else "")
        if first is None:
            how, source = "ships none", pod.ranges[0].source
        else:
            how = first.delivery
            if first.ships == "unknown":
                seen = ", ".join(s.manifest for s in first.stand_in)
                how = f"{how}; not seen" + (f" ({seen} stands in)" if seen else "")
            how = how.lstrip("; ")
            source = first.source
        newest = (row["newest_checked"] or "not checked") + (" (last)" if pod.last_version else "")
        rows.append(f"| {names} | {row['first_manifest']} | {_cell(how)} | {newest} | "
                    f"`{source}` |")
    minimums = "\n".join(rows) + "\n"
    rows = ["| rule | pods | versions | what happens | fixed in | source |",
            "|---|---|---|---|---|---|"]
    for pit in cat.pitfalls:
        versions = ", ".join(_versions(r) for r in pit.ranges)
        what = pit.message.format(pod=pit.pods[0], version="VERSION",
                                  fixed_in=" or ".join(pit.fixed_in))
        rows.append(f"| `{pit.id}` | {', '.join(pit.pods)} | {versions} | {_cell(what)} | "
                    f"{', '.join(pit.fixed_in) or '-'} | `{pit.source}` |")
    pitfalls = "\n".join(rows) + "\n"
    return {"products": products, "minimums": minimums, "pitfalls": pitfalls}
