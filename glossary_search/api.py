"""The HTTP API: routes only. Every answer comes from `Searcher`, every JSON shape from shapes.py.

`glossary-search serve` builds the app with `create_app(searcher)` and runs it on uvicorn. Errors are
JSON `{"error": kind, "detail": one sentence naming the bad value}`; no stack trace reaches a client.
"""
from __future__ import annotations

import importlib.metadata as md
import logging
import secrets
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .errors import GlossaryError, StoreUnavailableError, UnknownTermError, UsageError
from .shapes import (
    answer_json,
    entry_json,
    error_json,
    glossary_json,
    group_with_basis_json,
    related_json,
    term_page_json,
)

API_KEY_ENV = "GLOSSARY_SEARCH_API_KEY"
MAX_TOP_K = 100
# A question is capped at 1,000 characters (with a notice); the URL may carry a longer one, up to this
# size in bytes, percent-encoding included. uvicorn's own limit on a request head is 16 KiB.
MAX_URL_BYTES = 8192
MAX_BODY_BYTES = 1024  # every route is a GET: a body is never needed
OPEN_PATHS = frozenset({"/health"})  # answered without the API key (liveness probes carry none)

log = logging.getLogger("glossary_search.api")


def _error(status: int, error: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={**error_json(error, detail), **extra})


class _Guard:
    """Refuses oversized requests (414/413) and, when a key is set, requests without it (401).

    Plain ASGI rather than an http middleware: it runs on every request, so it should cost nothing.
    """

    def __init__(self, app, api_key: str | None):
        self.app = app
        self.api_key = api_key.encode() if api_key else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refusal = self._refusal(scope)
        if refusal is not None:
            return await refusal(scope, receive, send)
        return await self.app(scope, receive, send)

    def _refusal(self, scope) -> JSONResponse | None:
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
        if url_bytes > MAX_URL_BYTES:
            return _error(414, "uri_too_long",
                          f"The URL is {url_bytes:,} bytes long; at most {MAX_URL_BYTES:,} are accepted.")
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES or b"transfer-encoding" in headers:
            return _error(413, "body_too_large",
                          f"The request body ({length.decode('latin-1')!s} bytes) is over the limit of "
                          f"{MAX_BODY_BYTES:,} bytes; every route is a GET and takes no body.")
        if self.api_key and scope["path"] not in OPEN_PATHS and scope["method"] != "OPTIONS":
            given = headers.get(b"x-api-key") or _bearer(headers.get(b"authorization", b""))
            if not given or not secrets.compare_digest(given, self.api_key):
                return _error(401, "unauthorized",
                              "This server needs an API key: send it in the X-API-Key header "
                              "(or as 'Authorization: Bearer <key>')." if not given else
                              "The API key sent is not this server's key.")
        return None


def _bearer(value: bytes) -> bytes | None:
    scheme, _, token = value.partition(b" ")
    return token.strip() if scheme.lower() == b"bearer" and token.strip() else None


def _validation_sentence(exc: RequestValidationError) -> str:
    """FastAPI's validation error list as one sentence naming the parameter and the value sent."""
    err = exc.errors()[0]
    where = err.get("loc", ("query", "?"))
    name = where[-1] if where else "?"
    message = str(err.get("msg", "is invalid")).rstrip(".")
    message = message[0].lower() + message[1:] if message else "is invalid"
    value = err.get("input")
    if err.get("type") == "missing":
        return f"The {where[0]} parameter {name!r} is required."
    return f"The {where[0]} parameter {name!r} is {value!r}: {message}."


def create_app(searcher, *, api_key: str | None = None, cors_origins: tuple[str, ...] = (),
               manifest: dict | None = None, vector_store: str = "faiss") -> FastAPI:
    """The API over one opened Searcher (the model and the index are loaded before the first request).

    `api_key`: when set, every request but /health must carry it. `cors_origins`: browser origins
    allowed to call the API (none by default). `manifest`: the index manifest shown by /version.
    """
    app = FastAPI(title="glossary-search", version=_product_version(),
                  description="Semantic search and Q&A over business glossaries.")
    app.state.searcher = searcher

    @app.exception_handler(UnknownTermError)
    async def _unknown_term(request: Request, exc: UnknownTermError):
        return _error(404, "not_found", str(exc), suggestions=exc.suggestions)

    @app.exception_handler(UsageError)
    async def _usage(request: Request, exc: UsageError):
        return _error(400, "bad_request", str(exc))

    @app.exception_handler(StoreUnavailableError)
    async def _store_down(request: Request, exc: StoreUnavailableError):
        return _error(503, "unavailable", f"{exc} Try again shortly.")

    @app.exception_handler(GlossaryError)
    async def _ours(request: Request, exc: GlossaryError):
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
        return _error(500, "server_error", str(exc).splitlines()[0])

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return _error(422, "invalid_parameter", _validation_sentence(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return _error(404, "not_found", f"No route {request.method} {request.url.path}; see /docs.")
        if exc.status_code == 405:
            return _error(405, "method_not_allowed", f"{request.method} is not allowed here; every route is a GET.")
        return _error(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("%s %s failed", request.method, request.url.path)
        return _error(500, "server_error", "The server failed to answer this request; its log has the details.")

    @app.get("/health", summary="Liveness: the process answers")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready", summary="Readiness: model and index loaded, vector store reachable")
    def ready():
        s = app.state.searcher
        ping = getattr(s.index, "ping", None)
        if ping is not None:
            ping()  # raises StoreUnavailableError -> 503
        return {"status": "ready", "entries": len(s.entries), "rows": len(s.index)}

    @app.get("/ask", summary="Answer a plain-English question with the closest terms")
    def ask(q: Annotated[str, Query(description="The question, e.g. 'how do I measure wait time'.")],
            k: Annotated[int, Query(ge=1, le=MAX_TOP_K, description="How many terms to return.")] = 5,
            glossary: Annotated[list[str] | None, Query(description="Only these glossary ids (repeatable).")] = None):
        s = app.state.searcher
        answer = s.answer(q, top_k=k, glossaries=glossary or None)
        return answer_json(q, answer, compare=s.compare(q))

    @app.get("/terms/{entry_id}", summary="One entry by id (e.g. contact-center-consulting%2312)")
    def term(entry_id: Annotated[str, Path(description="An entry id: glossary#position, '#' sent as %23.")]):
        s = app.state.searcher
        try:
            entry = s.entry(entry_id)
        except KeyError:
            return _error(404, "not_found", f"No entry with id {entry_id!r}; ids look like "
                                            f"'{s.entries[0].id}' ('#' sent as %23). Find one with /terms?name=.")
        return term_page_json(entry, s.same_concept(entry), s.corpus.resolve_see(entry))

    @app.get("/terms", summary="Look a term up by name, acronym or alias ('did you mean' when unknown)")
    def terms(name: Annotated[str, Query(description="A term, acronym or alias, e.g. 'AHT'.")]):
        s = app.state.searcher
        found = s.corpus.find_by_name(name)
        if not found:
            found = [s.find_entry(name)]  # an id, or UnknownTermError with the closest names
        return {"name": name, "terms": [entry_json(e) for e in found]}

    @app.get("/related/{entry_id}", summary="The nearest other concepts to an entry (id or name)")
    def related(entry_id: str, k: Annotated[int, Query(ge=1, le=MAX_TOP_K)] = 10):
        s = app.state.searcher
        target = s.find_entry(entry_id)
        return {"term": entry_json(target), "related": [related_json(r) for r in s.related(target.id, top_k=k)]}

    @app.get("/duplicates", summary="Terms defined twice: identical, same concept, or related")
    def duplicates(band: Annotated[list[str] | None, Query(description="identical, same, related (repeatable).")] = None,
                   glossary: Annotated[list[str] | None, Query(description="Only groups touching these glossaries.")] = None,
                   threshold: Annotated[float | None, Query(description="Evidence for 'same concept', 0-1.")] = None):
        s = app.state.searcher
        groups = s.duplicates(threshold=threshold, bands=band or ["identical", "same"], glossaries=glossary or None)
        return {"groups": [group_with_basis_json(g) for g in groups]}

    @app.get("/glossaries", summary="The glossaries of the corpus")
    def glossaries():
        return {"glossaries": [glossary_json(g) for g in app.state.searcher.corpus.glossaries]}

    @app.get("/version", summary="Product, model and index manifest")
    def version():
        s = app.state.searcher
        return {"product": "glossary-search", "version": _product_version(),
                "model": s.embedder.model_id, "backend": getattr(s.embedder, "backend", None),
                "vector_store": vector_store, "index": manifest}

    app.add_middleware(_Guard, api_key=api_key)  # refuses before any route runs
    if cors_origins:  # outermost, so a browser also reads the guard's refusals
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET"],
                           allow_headers=["X-API-Key", "Authorization"])
    return app


def _product_version() -> str:
    try:
        return md.version("glossary-search")
    except md.PackageNotFoundError:
        return "unknown"
