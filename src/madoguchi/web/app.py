"""The ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from madoguchi import __version__
from madoguchi.errors import MadoguchiError, RateLimited
from madoguchi.logs import get_logger
from madoguchi.runtime import start_runtime, stop_runtime
from madoguchi.settings import Settings, get_settings
from madoguchi.trust.mail import MAX_MAIL_BYTES
from madoguchi.web import (
    assets,
    auth_api,
    canned_api,
    console_api,
    data_requests_api,
    demo_api,
    help_api,
    operators_api,
    organisation_api,
    photos_api,
    rating_page,
    reports_api,
    routing_api,
    sockets,
    tokens_api,
    triage_api,
    trust_api,
    webhooks_api,
)
from madoguchi.web.body_limit import FORM_MARGIN, MAIL_UPLOAD, PHOTO_UPLOAD, BodyLimit
from madoguchi.web.schemas import HealthOut

STATIC = Path(__file__).with_name("static")
log = get_logger(__name__)

# Scripts and styles only from our own files: message text can never become running code.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'"
)


def create_app(settings: Settings | None = None, startup_s: dict[str, float] | None = None) -> FastAPI:
    """The application; `startup_s` holds the start-up steps timed before it (the CLI's imports)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = await start_runtime(settings, startup_s)
        log.info(
            "server.started",
            database=settings.database_url.split("://", 1)[0],
            bus="redis" if settings.redis_url else "memory",
            startup_s=app.state.runtime.startup_s,
        )
        try:
            yield
        finally:
            await stop_runtime(app.state.runtime)

    # The interactive pages load their scripts from a CDN, outside the CSP every other page has: not in
    # production, where a compromised CDN would run inside the console's origin. /openapi.json stays.
    production = settings.environment == "production"
    app = FastAPI(
        title="Madoguchi",
        version=__version__,
        description="One service window for every customer of an online marketplace.",
        lifespan=lifespan,
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
    )

    @app.exception_handler(MadoguchiError)
    async def _coded_error(request: Request, exc: MadoguchiError) -> JSONResponse:
        log.info("request.refused", code=exc.code, path=request.url.path)
        headers = None
        if isinstance(exc, RateLimited) and exc.retry_after_s is not None:
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            # A body the framework could not even decode (not UTF-8, broken multipart): same shape as the rest.
            problem = {"code": "invalid_input", "message": f"The request body could not be read: {exc.detail}."}
            return JSONResponse(problem, status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"][1:]), "problem": error["msg"]}
            for error in exc.errors()
        ]
        fields = ", ".join(problem["field"] or "body" for problem in problems)
        message = f"The request is not valid: check {fields}."
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            message = "The request body is not valid JSON: send a JSON object (Content-Type: application/json)."
        return JSONResponse(
            {
                "code": "invalid_input",
                "message": message,
                "errors": problems,
            },
            status_code=422,
        )

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        path = request.url.path
        if production or not path.startswith(("/docs", "/redoc")):
            # Only the chat page may be framed, and only by the sites allowed to carry the widget.
            frame = f"'self' {settings.widget_origins}".strip() if path == "/chat" else "'self'"
            response.headers.setdefault("Content-Security-Policy", f"{_CSP}; frame-ancestors {frame}")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> HealthOut:
        return HealthOut(status="ok")

    app.include_router(auth_api.router)
    app.include_router(console_api.router)
    app.include_router(photos_api.router)
    app.include_router(routing_api.router)
    app.include_router(reports_api.router)
    app.include_router(data_requests_api.router)
    app.include_router(operators_api.router)
    app.include_router(organisation_api.router)
    app.include_router(canned_api.router)
    app.include_router(tokens_api.router)
    app.include_router(webhooks_api.router)
    app.include_router(help_api.router)
    app.include_router(help_api.console_router)
    app.include_router(triage_api.router)
    app.include_router(trust_api.router)
    app.include_router(trust_api.console_router)
    if settings.demo:
        app.include_router(demo_api.router)
    app.include_router(sockets.router)
    app.include_router(assets.router)
    app.include_router(rating_page.router)

    def page(name: str) -> Callable[[], Awaitable[FileResponse]]:
        async def serve() -> FileResponse:
            return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

        return serve

    app.add_api_route("/", page("index.html"), include_in_schema=False)
    app.add_api_route("/chat", page("chat.html"), include_in_schema=False)
    app.add_api_route("/console", page("console.html"), include_in_schema=False)
    app.add_api_route("/trust", page("trust.html"), include_in_schema=False)
    app.add_api_route("/console/trust", page("trust-cases.html"), include_in_schema=False)
    app.add_api_route("/console/reports", page("reports.html"), include_in_schema=False)
    app.add_api_route("/console/admin", page("admin.html"), include_in_schema=False)
    app.add_api_route("/widget.js", page("widget.js"), include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def body_limit(path: str) -> int:
        if PHOTO_UPLOAD.fullmatch(path):
            return settings.photo_max_bytes + FORM_MARGIN
        if path in MAIL_UPLOAD:
            return MAX_MAIL_BYTES
        return settings.max_body_bytes

    app.add_middleware(BodyLimit, limit_for=body_limit)
    if settings.proxy_networks:
        # Outermost, so that every limit and audit entry sees the customer's address. Only the named proxies are
        # believed: anyone else could write X-Forwarded-For and pose as any address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxy_networks)
    return app
