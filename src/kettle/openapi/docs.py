"""The routes kettle adds for an app's API docs: ``/openapi.json``, ``/docs``, ``/redoc``.

They are added when the app freezes, if enabled (``OPENAPI_ENABLED``: ``None`` means
"when DEBUG"), as plain ``def`` views. The pages' JavaScript and CSS ship inside kettle
(vendored by ``scripts/vendor_docs_assets.py``): nothing is fetched from a CDN.
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..response import Response

if TYPE_CHECKING:
    from ..app import Kettle

ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")
REDOC_FILES = ("redoc.standalone.js",)
#: A week: the files change only with kettle's version, which is part of no URL, so not forever.
ASSET_MAX_AGE = 7 * 24 * 3600


def docs_enabled(app: Kettle) -> bool:
    """Whether the OpenAPI routes are served: ``OPENAPI_ENABLED``, or DEBUG when it is None."""
    enabled = app.config.get("OPENAPI_ENABLED")
    return bool(app.debug if enabled is None else enabled)


@cache
def asset(name: str) -> bytes:
    """A vendored file's bytes, read once."""
    return (resources.files("kettle.openapi") / "assets" / name).read_bytes()


def _asset_response(name: str) -> Response:
    suffix = name[name.rfind("."):]
    response = Response(asset(name), mimetype=ASSET_TYPES[suffix].split(";")[0])
    response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
    return response


def _page(title: str, head: str, body: str) -> Response:
    page = (
        "<!doctype html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        '<meta name=viewport content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
        "'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
    )
    return response


def swagger_page(title: str, base: str, spec_url: str) -> Response:
    config = json.dumps({
        "url": spec_url, "dom_id": "#swagger-ui", "validatorUrl": None,
        "deepLinking": True, "layout": "BaseLayout",
    })
    return _page(
        f"{title} - Swagger UI",
        f'<link rel=stylesheet href="{html.escape(base)}/swagger-ui.css">\n',
        '<div id="swagger-ui"></div>\n'
        f'<script src="{html.escape(base)}/swagger-ui-bundle.js"></script>\n'
        "<script>\nwindow.ui = SwaggerUIBundle(Object.assign("
        f"{config}, {{presets: [SwaggerUIBundle.presets.apis]}}));\n</script>\n",
    )


def redoc_page(title: str, base: str, spec_url: str) -> Response:
    return _page(
        f"{title} - Redoc", "",
        f'<redoc spec-url="{html.escape(spec_url)}"></redoc>\n'
        f'<script src="{html.escape(base)}/redoc.standalone.js"></script>\n',
    )


def _taken(app: Kettle, path: str) -> bool:
    return any(rule.rule == path for rule in app.url_map.iter_rules())


def register_docs_routes(app: Kettle) -> None:
    """Add the document and pages (at freeze), skipping any path a user route already has."""
    if not docs_enabled(app):
        return
    config = app.config
    spec_url = config.get("OPENAPI_URL")
    if not spec_url:
        return
    title = str(config.get("OPENAPI_TITLE") or app.name)
    root = config.get("APPLICATION_ROOT", "/").rstrip("/")
    if not _taken(app, spec_url):
        document: list[bytes] = []

        def openapi_document() -> Response:
            if not document:  # built on first request: the app is frozen, so it never changes
                from .spec import build_spec

                document.append(json.dumps(build_spec(app), indent=None).encode())
            return Response(document[0], mimetype="application/json")

        app.add_url_rule(spec_url, "kettle_openapi", openapi_document)
    pages: list[tuple[str, str, Any, tuple[str, ...]]] = [
        ("OPENAPI_DOCS_URL", "kettle_swagger_ui", swagger_page, SWAGGER_FILES),
        ("REDOC_URL", "kettle_redoc", redoc_page, REDOC_FILES),
    ]
    for key, endpoint, render, files in pages:
        url = config.get(key)
        if not url or _taken(app, url):
            continue
        _add_page(app, url.rstrip("/"), endpoint, render, files, title, root + spec_url)


def _add_page(
    app: Kettle, url: str, endpoint: str, render: Any, files: tuple[str, ...], title: str,
    spec_url: str,
) -> None:
    def page() -> Response:
        from ..context import request

        response: Response = render(title, request.root_path + url, spec_url)
        return response

    def page_asset(name: str) -> Response:
        return _asset_response(name)

    app.add_url_rule(url, endpoint, page)
    names = ",".join(files)
    app.add_url_rule(f"{url}/<any({names}):name>", f"{endpoint}_asset", page_asset)
