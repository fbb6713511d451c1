"""Start the chat on this checkout's articles: ``python ui.py`` (``gradio ui.py`` reloads on edits).

Builds the index from ``corpus/`` into ``embeddings/`` on first start, then serves the
chat at ``/`` and the JSON API at ``/api`` (as ``qa serve`` does). Settings come from the
environment, checked by ``qa.settings``: QA_HOST, QA_PORT, QA_AUTH, QA_ADMIN, QA_MCP,
QA_INDEX, QA_CORPUS, QA_MODEL, ... (see README).
"""

import sys
from pathlib import Path

from qa.app.startup import load_in_background
from qa.errors import QAError
from qa.options import COMMAND_SETTINGS
from qa.settings import Settings

HERE = Path(__file__).resolve().parent
try:
    SETTINGS = Settings.resolve(
        only=COMMAND_SETTINGS["serve"], index_dir=HERE / "embeddings", corpus_dir=HERE / "corpus"
    )
    loading = load_in_background(SETTINGS)  # builds (first start) and loads the index while Gradio imports
    from qa.app import server
    from qa.app.chat import prepare_app

    RETRIEVER = loading.result()
    demo = prepare_app(SETTINGS, RETRIEVER)
except QAError as error:
    print(f"ui.py: {error}", file=sys.stderr)
    sys.exit(error.exit_code)
except KeyboardInterrupt:  # Ctrl-C while the first index builds: the build is undone, the articles kept
    print("ui.py: interrupted", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    try:
        server.run(server.create_app(demo, RETRIEVER, SETTINGS), SETTINGS)
    except QAError as error:
        print(f"ui.py: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        pass
