"""KB articles: list and search (/console/knowledge), write (POST), edit with versions (/console/knowledge/{id})."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import path, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status


def _tags(raw: str) -> list[str]:
    return [t.strip() for t in raw.split(",") if t.strip()]


async def _list(request: Request, *, outcome: dict[str, Any] | None = None,
                values: dict[str, Any] | None = None) -> Response:
    query = request.query_params.get("q", "").strip() if request.method == "GET" else ""
    variables = {"after": request.query_params.get("after") or None, "query": query or "-",
                 "searching": bool(query)}
    data, errors = await run_screen(request, "ConsoleKnowledge", variables)
    status = screen_status(outcome, errors, loaded=bool(data.get("kbArticles")))
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "values": values or {}, "query": query}
    return await page(request, "knowledge/list.html", context, block="screen", status_code=status)


async def knowledge_page(request: Request) -> Response:
    """GET /console/knowledge[?q=]: articles, newest change first; with ``q``, hybrid search results."""
    return await _list(request)


async def create_article(request: Request) -> Response:
    """POST /console/knowledge: write an article and open it."""
    form = await request.form()
    values = {"title": text(form, "title"), "body": text(form, "body"), "tags": text(form, "tags")}
    variables = {"input": {"title": values["title"], "body": values["body"], "tags": _tags(values["tags"])}}
    return await submit(request, "ConsoleCreateKbArticle", "createKbArticle", variables, show=_list, form="create",
                        values=values, go=lambda ok: path(request, "console_kb_article",
                                                          article_id=ok["article"]["id"]))


async def _editor(request: Request, *, outcome: dict[str, Any] | None = None,
                  values: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsoleKbArticle", {"id": request.path_params["article_id"]})
    found = bool(data.get("kbArticle"))
    status = screen_status(outcome, errors, loaded=found) if found or errors else 404
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "values": values}
    return await page(request, "knowledge/article.html", context, block="screen", status_code=status)


async def article_page(request: Request) -> Response:
    """GET /console/knowledge/{article_id}: the editor, with the article's versions."""
    return await _editor(request)


async def save_article(request: Request) -> Response:
    """POST /console/knowledge/{article_id}: save a new version (refused if someone saved since)."""
    form = await request.form()
    values = {"title": text(form, "title"), "body": text(form, "body"), "tags": text(form, "tags")}
    version = text(form, "version")
    variables = {"id": request.path_params["article_id"], "input": {
        "title": values["title"], "body": values["body"], "tags": _tags(values["tags"]),
        "expectedVersion": int(version) if version.isdigit() else None}}
    return await submit(request, "ConsoleUpdateKbArticle", "updateKbArticle", variables, show=_editor, form="edit",
                        values=values, notice=lambda ok: f"Saved version {ok['article']['version']}.")


routes = [
    Route("/knowledge", signed_in(knowledge_page), methods=["GET"], name="console_knowledge"),
    Route("/knowledge", signed_in(create_article), methods=["POST"], name="console_create_kb_article"),
    Route("/knowledge/{article_id}", signed_in(article_page), methods=["GET"], name="console_kb_article"),
    Route("/knowledge/{article_id}", signed_in(save_article), methods=["POST"], name="console_save_kb_article"),
]

__all__ = ["routes"]
