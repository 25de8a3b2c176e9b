"""The charting library of the reports page, served from the installed `plotly` package.

plotly.js is a dependency pinned in pyproject.toml (the Python package carries the browser bundle): it is never
copied into the repository nor loaded from a CDN, so an install without network draws its charts. The page
asks for `/assets/charts/plotly.min.js`, which sends it to the file's versioned address; that address never
changes content, so it is cached for a year and served gzipped to the browsers that accept it.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from madoguchi.errors import NotFound

router = APIRouter(prefix="/assets/charts", include_in_schema=False)

CHARTS_PACKAGE = "plotly"
BUNDLE = "plotly.min.js"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Bundle:
    version: str
    path: Path


@lru_cache(maxsize=1)
def installed_bundle() -> Bundle | None:
    """The plotly.js bundle of the installed `plotly` package, found without importing the package."""
    spec = importlib.util.find_spec(CHARTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "package_data" / BUNDLE
        if path.is_file():
            return Bundle(version=metadata.version(CHARTS_PACKAGE), path=path)
    return None


@dataclass(frozen=True)
class _Encoded:
    plain: bytes
    gzipped: bytes
    etag: str


@lru_cache(maxsize=1)
def _encoded(path: Path, version: str) -> _Encoded:
    plain = path.read_bytes()
    digest = hashlib.sha256(plain).hexdigest()[:16]
    return _Encoded(plain=plain, gzipped=gzip.compress(plain, compresslevel=6, mtime=0), etag=f'"{digest}"')


def _bundle() -> Bundle:
    bundle = installed_bundle()
    if bundle is None:
        raise NotFound(
            "The charting library is not installed: install Madoguchi with its dependencies (make setup), "
            f"which brings the `{CHARTS_PACKAGE}` package and its {BUNDLE}."
        )
    return bundle


@router.api_route("/plotly.min.js", methods=["GET", "HEAD"])
async def current() -> RedirectResponse:
    """The versioned address of the installed bundle (this answer itself is never cached)."""
    bundle = _bundle()
    return RedirectResponse(
        f"/assets/charts/plotly-{bundle.version}.min.js", status_code=307, headers={"Cache-Control": "no-cache"}
    )


@router.api_route("/plotly-{version}.min.js", methods=["GET", "HEAD"])
async def versioned(version: str, request: Request) -> Response:
    bundle = _bundle()
    if version != bundle.version:
        # An address of another release (a page cached across an upgrade): the current one answers it.
        return await current()
    encoded = await anyio.to_thread.run_sync(_encoded, bundle.path, bundle.version)
    headers = {"Cache-Control": IMMUTABLE, "ETag": encoded.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == encoded.etag:
        return Response(status_code=304, headers=headers)
    body = encoded.plain
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = encoded.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)
