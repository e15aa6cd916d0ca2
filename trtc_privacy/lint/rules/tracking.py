"""Rules about NSPrivacyTracking and NSPrivacyTrackingDomains."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional, Sequence, Tuple

from lxml import etree

from trtc_privacy.knowledge import apple as C
from trtc_privacy.knowledge.apple import host_key
from trtc_privacy.lint.rules.base import ITMS_INVALID, Context, Finding, Rule, rule

if TYPE_CHECKING:
    from trtc_privacy.lint.fixer import Fixer

_HOST = re.compile(r"(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                   r"[A-Za-z][A-Za-z0-9-]{0,62}")


@rule("tracking-without-domains", "error",
      "NSPrivacyTracking is true but no tracking domain is listed",
      """Apple requires the domains an app or SDK tracks through whenever NSPrivacyTracking is
      true (Privacy manifest files; TN3181), and a manifest that claimed tracking without
      domains drew ITMS-91056 (forum thread 770148, kakao-ad-ios#6). This is an error.""",
      "list the tracking domains in NSPrivacyTrackingDomains, or set NSPrivacyTracking to <false/>",
      ITMS_INVALID)
def tracking_without_domains(ctx: Context, _: None) -> Sequence[Finding]:
    if not ctx.tracking() or any(d for d, _ in ctx.domains()):
        return ()
    el = next((v for v in ctx.top_values(C.TRACKING) if v.tag == "true"), None)
    return [Finding(el, "NSPrivacyTracking is true but NSPrivacyTrackingDomains "
                    + ("is empty" if ctx.top_values(C.DOMAINS) else "is absent"))]


@rule("domains-without-tracking", "error",
      "tracking domains are listed while NSPrivacyTracking is false or absent",
      """App Store Connect rejects this with ITMS-91064 "NSPrivacyTracking must be true if
      NSPrivacyTrackingDomains isn't empty" (datatrans/ios-sdk#16, braze-swift-sdk#138), and with
      ITMS-91107 for manifests anywhere in the bundle since November 2024. This is an error.""",
      "set NSPrivacyTracking to <true/> if the SDK tracks through these domains; otherwise "
      "remove them",
      ("ITMS-91064", "ITMS-91107"))
def domains_without_tracking(ctx: Context, _: None) -> Sequence[Finding]:
    if ctx.tracking():
        return ()
    domains = [(d, el) for d, el in ctx.domains() if d]
    if not domains:
        return ()
    state = "false" if ctx.tracking() is False else "absent"
    return [Finding(domains[0][1], f"{len(domains)} tracking domain"
                    f"{'s are' if len(domains) != 1 else ' is'} listed but NSPrivacyTracking "
                    f"is {state}")]


@rule("invalid-tracking-domain", "error",
      "a tracking domain that is not a bare host name",
      """TN3181: a tracking domain is a host name with its top-level domain, without scheme, path,
      query or trailing slash. Apple blocks requests to the listed hosts when the user has not
      allowed tracking, so a URL in this list protects nothing and is an invalid value: an
      error.""",
      "write only the host, for example ads.example.com",
      ITMS_INVALID, on="domain")
def invalid_tracking_domain(ctx: Context, domain: Tuple[str, etree._Element]
                            ) -> Sequence[Finding]:
    d, el = domain
    if not d or _HOST.fullmatch(d):
        return ()
    host = _host_of(d)
    hint = (f"write \"{host}\"" if host and host != d else
            "write only the host, for example ads.example.com")
    return [Finding(el, f"\"{d}\" is not a host name", hint)]


def _host_of(value: str) -> Optional[str]:
    from urllib.parse import urlsplit  # only for hints on bad domains

    try:
        parts = urlsplit(value if "://" in value else "//" + value)
        host = parts.hostname
    except ValueError:
        return None
    return host if host and _HOST.fullmatch(host) else None


@rule("duplicate-tracking-domain", "warning",
      "the same tracking domain is listed twice",
      """A repeated domain adds nothing; it is a warning because it usually means manifests were
      merged by hand. `--fix` removes the repeat.""",
      "remove the repeated domain (`trtc-privacy lint --fix` does)",
      fixable=True, on="domain")
def duplicate_tracking_domain(ctx: Context, domain: Tuple[str, etree._Element]
                              ) -> Sequence[Finding]:
    seen = ctx.state("duplicate-tracking-domain")
    d, el = domain
    host = d.lower()  # host_key, inlined: this runs once per domain
    first = seen.get(host)
    if first is None:
        seen[host] = d
        return ()
    if not d:
        return ()
    return [Finding(el, f"tracking domain \"{d}\" is listed twice"
                    + ("" if first == d else f" (as \"{first}\"; host names ignore letter "
                       "case)"))]


@duplicate_tracking_domain.fixer(phase=2)
def _fold_domains(fx: Fixer, r: Rule) -> None:
    for v in fx.view.top_values(C.DOMAINS):
        fx.fold_strings(v, r.name, "tracking domain", host_key)


RULES = [tracking_without_domains, domains_without_tracking, invalid_tracking_domain,
         duplicate_tracking_domain]
