"""The typed inventory API (``examples/api``), end to end.

In-process tests go through both doors (``client`` runs each test under WSGI and ASGI);
the OpenAPI document is validated; schemathesis fuzzes the API served by gunicorn over a
real socket with all its default checks; headless Chromium renders ``/docs`` offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
API_DIR = ROOT / "examples" / "api"
if str(API_DIR) not in sys.path:
    sys.path.insert(0, str(API_DIR))

from apps.live_server import serve_gunicorn  # noqa: E402
from inventory import create_app  # noqa: E402

from kettle import Kettle  # noqa: E402

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(tmp_path: Path) -> Kettle:
    """The inventory on a fresh database (overrides the suite's ``app``; ``client`` uses it)."""
    return create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "inventory.sqlite"), "API_TOKENS": [TOKEN]},
        instance_path=str(tmp_path / "instance"),
    )


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.headers["Content-Type"] == "application/problem+json"
    data: dict[str, Any] = json.loads(response.data)
    assert data["status"] == status
    return data


def add_item(client: Any, **fields: Any) -> dict[str, Any]:
    body = {"name": "Kettle", "sku": "KET-001", "price": 19.5, "quantity": 3, **fields}
    response = client.post("/items", json=body, headers=AUTH)
    assert response.status_code == 201, response.data
    item: dict[str, Any] = response.get_json()
    return item


def test_categories_crud(client: Any) -> None:
    created = client.post("/categories", json={"name": "Tea", "description": "Leaves"},
                          headers=AUTH)
    assert created.status_code == 201
    category = created.get_json()
    assert category == {"id": category["id"], "name": "Tea", "description": "Leaves"}
    assert client.get("/categories").get_json() == [category]
    assert client.get(f"/categories/{category['id']}").get_json() == category
    problem(client.post("/categories", json={"name": "Tea"}, headers=AUTH), 409)
    add_item(client, category_id=category["id"])
    problem(client.delete(f"/categories/{category['id']}", headers=AUTH), 409)


def test_items_crud_and_stock(client: Any) -> None:
    item = add_item(client, tags=["steel"])
    assert item["created_at"].endswith("Z") and item["tags"] == ["steel"]
    url = f"/items/{item['id']}"
    assert client.get(url).get_json() == item
    replaced = client.put(url, json={"name": "Big kettle", "sku": "KET-001", "price": 25},
                          headers=AUTH)
    assert replaced.get_json()["name"] == "Big kettle"
    assert replaced.get_json()["created_at"] == item["created_at"]
    stocked = client.post(f"{url}/stock", json={"delta": 5}, headers=AUTH).get_json()
    assert stocked["quantity"] == 5
    problem(client.post(f"{url}/stock", json={"delta": -6}, headers=AUTH), 409)
    deleted = client.delete(url, headers=AUTH)
    assert deleted.status_code == 204 and deleted.data == b""
    assert problem(client.get(url), 404)["detail"] == f"No item has the id {item['id']}."


def test_listing_filters_sorts_and_paginates(client: Any) -> None:
    tea = client.post("/categories", json={"name": "Tea"}, headers=AUTH).get_json()
    add_item(client, name="Kettle", sku="KET-1", price=20, quantity=0)
    add_item(client, name="Teapot", sku="POT-1", price=30, category_id=tea["id"], tags=["clay"])
    add_item(client, name="Cup", sku="CUP-1", price=5, tags=["clay"])
    names = lambda r: [i["name"] for i in r.get_json()["items"]]  # noqa: E731
    assert names(client.get("/items")) == ["Cup", "Kettle", "Teapot"]
    assert names(client.get("/items?sort=price")) == ["Cup", "Kettle", "Teapot"]
    assert names(client.get("/items?sort=newest")) == ["Cup", "Teapot", "Kettle"]
    assert names(client.get("/items?tag=clay&max_price=10")) == ["Cup"]
    assert names(client.get(f"/items?category_id={tea['id']}")) == ["Teapot"]
    assert names(client.get("/items?in_stock=false")) == ["Kettle"]
    assert names(client.get("/items?q=POT")) == ["Teapot"]
    page = client.get("/items?limit=2&offset=1").get_json()
    assert [i["name"] for i in page["items"]] == ["Kettle", "Teapot"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)


def test_bad_input_is_a_located_422(client: Any) -> None:
    errors = problem(client.get("/items?limit=0&sort=random"), 422)["errors"]
    assert [e["loc"] for e in errors] == [["query", "limit"], ["query", "sort"]]
    body = {"name": "", "sku": "KET-1", "price": 1}
    assert problem(client.post("/items", json=body, headers=AUTH), 422)["errors"][0]["loc"] == [
        "body", "name",
    ]
    tags = {"name": "x", "sku": "KET-1", "price": 1, "tags": ["ok", ""]}
    assert problem(client.post("/items", json=tags, headers=AUTH), 422)["errors"][0]["loc"] == [
        "body", "tags", 1,
    ]
    unknown = {"name": "x", "sku": "KET-1", "price": 1, "colour": "red"}
    assert problem(client.post("/items", json=unknown, headers=AUTH), 422)["errors"]
    problem(client.post("/items", data=b"{", content_type="application/json", headers=AUTH), 400)
    problem(client.post("/items", data=b"x", content_type="text/plain", headers=AUTH), 415)
    problem(client.get("/items/99999999999999999999"), 422)
    problem(client.get("/items/abc"), 404)
    problem(client.post("/items", json={**body, "name": "x", "category_id": 9}, headers=AUTH), 409)


def test_writes_need_the_bearer_token(client: Any) -> None:
    denied = client.post("/items", json={"name": "x", "sku": "KET-1", "price": 1})
    assert problem(denied, 401)["title"] == "Unauthorized"
    assert denied.headers["WWW-Authenticate"] == "Bearer"
    problem(client.delete("/items/1", headers={"Authorization": "Bearer wrong"}), 401)
    assert client.get("/items").status_code == 200


def test_openapi_document_validates(client: Any) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    spec = client.get("/openapi.json").get_json()
    validator.validate(spec)
    assert spec["info"]["title"] == "Inventory API"
    create = spec["paths"]["/items"]["post"]
    assert create["security"] == [{"bearer": []}] and create["tags"] == ["items"]
    assert "401" in create["responses"] and "409" in create["responses"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "security" not in spec["paths"]["/items"]["get"]


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``gunicorn --chdir examples/api wsgi:app`` on a fresh database; yields its base URL."""
    tmp = tmp_path_factory.mktemp("inventory-gunicorn")
    env = {
        "INVENTORY_DATABASE": str(tmp / "inventory.sqlite"),
        "INVENTORY_API_TOKENS": json.dumps([TOKEN]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    with serve_gunicorn("wsgi:app", chdir=API_DIR, log=tmp / "gunicorn.log", env=env) as url:
        yield url


@pytest.mark.server
def test_schemathesis_finds_nothing(api_server: str, tmp_path: Path) -> None:
    """schemathesis with all its default checks (and its stateful phase) over a real socket."""
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.skip("schemathesis is not installed (test extra)")
    result = subprocess.run(
        [
            st, "run", f"{api_server}/openapi.json", "-H", f"Authorization: Bearer {TOKEN}",
            "--max-examples", "40", "--seed", "20261130", "--no-color",
        ],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium that can reach 127.0.0.1 only: every other host fails to resolve,
    so a page that needs a CDN shows nothing."""
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--no-first-run", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=8000", *args, url,
        ],
        capture_output=True, text=True, timeout=90,
    )


@pytest.mark.server
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize(
    ("page", "anchor"), [("docs", "operations-{tag}-{op}"), ("redoc", "operation/{op}")]
)
def test_docs_pages_render_offline_in_chromium(
    api_server: str, tmp_path: Path, page: str, anchor: str
) -> None:
    dom = chromium(f"{api_server}/{page}", tmp_path / "profile", "--dump-dom").stdout
    operations = [
        ("items", "items_list_items"), ("items", "items_change_stock"),
        ("categories", "categories_create_category"),
    ]
    for tag, op in operations:  # rendered by the page's JavaScript from /openapi.json
        assert anchor.format(tag=tag, op=op) in dom, dom[-2000:]
    if page == "docs":
        # Keep the rendering as an artifact (KETTLE_ARTIFACTS=dir to collect it in CI).
        target = Path(os.environ.get("KETTLE_ARTIFACTS", tmp_path)) / "swagger.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        chromium(f"{api_server}/docs", tmp_path / "shot", "--window-size=1280,1400",
                 f"--screenshot={target}")
        assert target.stat().st_size > 20_000
