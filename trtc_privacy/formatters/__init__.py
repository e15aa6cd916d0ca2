"""Output formats for diagnostics: text, json, sarif, github, xcode.

Interface (used by lint, versions, merge and report):
    render(diagnostics, fmt, *, files=None, color=None) -> str
    resolve_format(fmt: Optional[str]) -> str   # None -> github / xcode / text from the environment
"""
