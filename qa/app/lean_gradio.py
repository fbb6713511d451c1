"""Import Gradio without the MCP SDK it does not need here: half a second off every chat start.

Gradio imports the MCP SDK at import time only for ``mcp_server=True`` (its own MCP server),
which this app never turns on: ``qa serve --mcp`` serves the SDK's own server
(``qa/app/mcp_tools.py``), imported when asked for. Gradio guards that import with
``except ImportError``, so hiding ``mcp`` while Gradio imports skips it (~0.5 s of a ~4 s
import on the reference machine, docs/benchmarks.md); the SDK imports normally afterwards.
"""

from __future__ import annotations

import sys
import threading

_LOCK = threading.Lock()


def import_gradio() -> None:
    """Import ``gradio`` (once per process) with the ``mcp`` package hidden for its duration.

    Call before the first ``import gradio``; later calls and a Gradio imported elsewhere
    first are no-ops. ``mcp`` is importable again as soon as this returns.
    """
    with _LOCK:
        if "gradio" in sys.modules:
            return
        hide = "mcp" not in sys.modules
        if hide:
            sys.modules["mcp"] = None  # type: ignore[assignment]  # makes `import mcp` raise ImportError
        try:
            import gradio  # noqa: F401
        finally:
            if hide and sys.modules.get("mcp", ...) is None:
                del sys.modules["mcp"]
