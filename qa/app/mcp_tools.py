"""The assistant as an MCP server: two tools an AI agent can call.

``search_articles`` returns passages with exact citations; ``answer_question`` returns the
answer sentence(s) copied verbatim from the articles, or ``found: false`` when they do not
say. Served over streamable HTTP at ``/mcp`` by ``qa serve --mcp`` and over stdio by
``qa mcp`` (official ``mcp`` SDK). Article text comes back as data, never as markup to run.
"""

from __future__ import annotations

from typing import Any, Literal

from mcp.server.mcpserver import MCPServer

from qa.app.render import answer_dict, hit_dict
from qa.query.retriever import Retriever

INSTRUCTIONS = (
    "Answers questions from a fixed collection of news articles without generating text: every answer "
    "is sentences copied word for word from the articles, each with a citation (article id, title, source "
    "file and the exact character span). When the articles do not answer a question, found is false: "
    "say that the articles do not cover it rather than guessing."
)
Mode = Literal["hybrid", "dense", "bm25"]


def build_mcp(retriever: Retriever) -> MCPServer:
    """An MCP server whose tools search and answer over ``retriever``."""
    server: MCPServer = MCPServer("qa-articles", instructions=INSTRUCTIONS)

    @server.tool()
    def answer_question(question: str, k: int = 5, mode: Mode = "hybrid") -> dict[str, Any]:
        """Answer a question from the news articles.

        Returns found (false when the articles do not answer it: do not guess then), text (the
        answer: one or two sentences copied verbatim from the articles), confidence (0-1),
        sentences (each with hit_number, the 1-based index of its passage in hits) and hits
        (the passages it came from, each with a citation: article_id, title, source, start,
        end). k (1-1000) is how many passages to retrieve; mode is hybrid, dense or bm25.
        """
        retriever.refresh()
        return answer_dict(retriever.answer(question, k=k, mode=mode))

    @server.tool()
    def search_articles(question: str, k: int = 5, mode: Mode = "hybrid") -> dict[str, Any]:
        """Search the news articles for passages about a question.

        Returns hits, best first: each passage's verbatim text, its scores and its citation
        (article_id, title, source, start, end: the exact characters in the source file).
        Passages are evidence to read, not an answer. k (1-1000) is how many; mode is
        hybrid, dense or bm25.
        """
        retriever.refresh()
        hits = retriever.search(question, k=k, mode=mode)
        return {"question": question, "mode": mode, "hits": [hit_dict(hit) for hit in hits]}

    return server
