"""The reports' charting library: plotly.js from the installed, pinned `plotly` package, served by the app with
long caching, and no page that loads anything from another site (customers' installs may have no network)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import httpx

from madoguchi.web.assets import installed_bundle

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "madoguchi" / "web" / "static"
PAGES = ["/", "/chat", "/console", "/console/reports", "/console/trust", "/trust"]
# A URL of another site in what a page loads: an attribute, an import, a fetch or a stylesheet's url().
ELSEWHERE = re.compile(
    r"""(?:\b(?:src|href|action)\s*=\s*["']|\bimport\b[^;"']*["']|\bfetch\(\s*["'`]|\burl\(\s*["']?)(?:https?:)?//""",
    re.IGNORECASE,
)


def test_the_bundle_is_the_pinned_package_s_own() -> None:
    bundle = installed_bundle()
    assert bundle is not None, "the plotly package is not installed: make setup"
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert f"plotly=={bundle.version}" in dependencies
    assert bundle.path.read_bytes().startswith(b"/**\n* plotly.js v")
    # Not a copy in the repository: the app serves the installed package's file.
    assert not list(ROOT.glob("src/**/plotly*.js"))


async def test_the_library_is_served_with_a_year_of_caching_at_its_versioned_address(server: str) -> None:
    bundle = installed_bundle()
    assert bundle is not None
    original = bundle.path.read_bytes()
    async with httpx.AsyncClient(base_url=server) as http:
        moved = await http.get("/assets/charts/plotly.min.js")
        assert moved.status_code == 307
        assert moved.headers["location"] == f"/assets/charts/plotly-{bundle.version}.min.js"
        assert moved.headers["cache-control"] == "no-cache"

        plain = await http.get(moved.headers["location"], headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200
        assert plain.headers["content-type"].startswith("text/javascript")
        assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "content-encoding" not in plain.headers
        assert plain.content == original

        packed = await http.get(moved.headers["location"], headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert int(packed.headers["content-length"]) < len(original) / 2
        assert packed.content == original  # httpx unpacks it

        again = await http.get(moved.headers["location"], headers={"If-None-Match": plain.headers["etag"]})
        assert again.status_code == 304

        # A page cached across an upgrade asks for the old release's address: it is sent to the current one.
        old = await http.get("/assets/charts/plotly-0.0.1.min.js")
        assert old.status_code == 307
        assert old.headers["location"] == moved.headers["location"]


async def test_no_page_loads_anything_from_another_site(server: str) -> None:
    for source in sorted([*STATIC.glob("*.html"), *STATIC.glob("*.js"), *STATIC.glob("*.css")]):
        code = re.sub(r"^\s*//.*$", "", source.read_text(encoding="utf-8"), flags=re.MULTILINE)  # comments aside
        assert not ELSEWHERE.search(code), f"{source.name} loads something from another site"
    async with httpx.AsyncClient(base_url=server) as http:
        for path in PAGES:
            answer = await http.get(path)
            assert answer.status_code == 200, path
            assert not ELSEWHERE.search(answer.text), f"{path} loads something from another site"
            policy = answer.headers["content-security-policy"]
            assert "script-src 'self';" in policy, path
            assert "style-src 'self';" in policy, path


def test_the_reports_page_keeps_plotly_from_writing_inline_styles() -> None:
    """plotly.js injects <style> elements, which the pages' policy refuses (an error on the console each time),
    unless elements of known ids are there: the page has them, and these are still the ids of the installed
    bundle (a new release may change them)."""
    bundle = installed_bundle()
    assert bundle is not None
    script = bundle.path.read_text(encoding="utf-8")
    page = (STATIC / "reports.html").read_text(encoding="utf-8")
    assert 'n.matches(".no-inline-styles")' in script
    assert '"plotly.js-style-"+e' in script
    assert re.search(
        r'<link rel="stylesheet" href="/static/style.css" id="plotly.js-style-global" class="no-inline-styles">', page
    )
    maps = re.findall(
        r'document\.getElementById\("([0-9a-f]{64})"\)\)\{var e=document\.createElement\("style"\)', script
    )
    assert maps, "the map library's stylesheet id is no longer where it was: look at the bundle again"
    for style_id in maps:
        assert f'id="{style_id}"' in page
