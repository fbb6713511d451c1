"""Start the chat on this checkout's articles: ``python ui.py`` (``gradio ui.py`` reloads on edits).

Builds the index from ``corpus/`` into ``embeddings/`` on first start. Settings come from
the environment: QA_HOST, QA_PORT, QA_AUTH, QA_INDEX, QA_CORPUS, QA_MODEL (see README).
"""

from pathlib import Path

from qa.chat import ServeSettings, launch, prepare_app

HERE = Path(__file__).resolve().parent
SETTINGS = ServeSettings.from_env(index_dir=str(HERE / "embeddings"), corpus_dir=str(HERE / "corpus"))
demo = prepare_app(SETTINGS)

if __name__ == "__main__":
    launch(demo, SETTINGS)
