"""Start-up: let plain string and flag parameters skip typer's pydantic coercion.

typer 0.2x coerces every parameter value through a pydantic ``TypeAdapter`` built on first use;
importing pydantic and building the adapters costs about 0.2 s per run, more than all the work
of linting or merging a manifest. Values of ``str``, ``List[str]`` and ``bool`` parameters
arrive from the command line as ``str``, sequences of ``str`` and ``bool``, and need no
coercion, so those pass through unchanged. Any other annotation, and any value not already of
its type, goes through typer's own coercion exactly as before. On typer versions without this
machinery (older ones coerce with click), ``install`` does nothing; with
``TRTC_PRIVACY_NO_FASTARGS=1`` it does nothing either (tests run the CLI that way too, so the
fallback stays correct).

It also keeps ``--help`` readable: typer 0.2x writes an argument's type after its metavar
(``APP_MANIFEST <str>``); an argument that names its own metavar is shown by that alone.
"""

from __future__ import annotations

from typing import Any, List


def install() -> None:
    """Patch typer's parameter class once; safe to call more than once."""
    import os

    if os.environ.get("TRTC_PRIVACY_NO_FASTARGS"):
        return
    _readable_arguments()
    try:
        from typer import core
        from typer._coercion import RuntimeParam, build_runtime_param
    except ImportError:
        return
    param_cls = getattr(core, "_TyperParameter", None)
    original = getattr(param_cls, "get_runtime_param", None)
    if original is None or getattr(param_cls, "_trtc_fastargs", False):
        return
    plain = (str, bool, List[str], list[str])

    class _PassThrough(RuntimeParam):
        """Values already of their type are returned as they are; others go to typer."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            ann = self.annotation
            if ann is str and isinstance(value, str):
                return value
            if ann is bool and isinstance(value, bool):
                return value
            if ann is not str and ann is not bool and isinstance(value, (list, tuple)) \
                    and all(isinstance(v, str) for v in value):
                return list(value)
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)

    def get_runtime_param(self: Any) -> Any:
        try:
            if self._runtime_param is None:
                desc = self.type_descriptor
                ann = desc.annotation
                if (desc.file_annotation is None and desc.parameter_info.parser is None
                        and ann in plain):
                    self._runtime_param = _PassThrough(parameter_info=desc.parameter_info,
                                                       annotation=ann)
        except (AttributeError, TypeError):
            pass  # a typer we do not know: its own coercion below
        return original(self)

    setattr(param_cls, "get_runtime_param", get_runtime_param)  # noqa: B010 - typer's class
    setattr(param_cls, "_trtc_fastargs", True)  # noqa: B010


def _readable_arguments() -> None:
    try:
        from typer.core import TyperArgument
    except ImportError:  # pragma: no cover - a typer without it shows no type anyway
        return
    original = getattr(TyperArgument, "display_type_rich", None)
    if original is None or getattr(TyperArgument, "_trtc_metavar", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> Any:
        return None if self.metavar else original(self, ctx)

    TyperArgument.display_type_rich = display_type_rich  # type: ignore[method-assign]
    TyperArgument._trtc_metavar = True  # type: ignore[attr-defined]
