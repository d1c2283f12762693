"""The OpenAPI 3.1 document of an app, built from its rules, typed views and docstrings."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, get_origin

from ..binding import BodyField, Field, ViewSignature, analyse, is_structured, unwrap_annotated
from ..errors import HTTP_STATUS_PHRASES
from ..response import Response
from ..routing.converters import AnyConverter
from .schema import ProblemDetails, SchemaRegistry

if TYPE_CHECKING:
    from ..app import Kettle
    from ..routing import Rule

#: Endpoints kettle adds for the docs themselves: never in the document.
DOCS_ENDPOINTS = frozenset({
    "kettle_openapi", "kettle_swagger_ui", "kettle_redoc", "kettle_swagger_ui_asset",
    "kettle_redoc_asset",
})
_SKIPPED_METHODS = frozenset({"HEAD", "OPTIONS"})
_PRIMITIVE_RESULTS = (str, bytes, Response)


def openapi_path(rule: Rule) -> str:
    """``/items/<int:item_id>`` as ``/items/{item_id}``."""
    return "".join(p if isinstance(p, str) else "{" + p.name + "}" for p in rule._pieces)


class _Operation:
    """One (rule, method) being described; its schemas are filled in after the registry builds."""

    def __init__(self, rule: Rule, method: str, signature: ViewSignature) -> None:
        self.rule = rule
        self.method = method
        self.signature = signature
        self.data: dict[str, Any] = {}
        #: (target dict, key, registry index): schemas to fill in once built.
        self.pending: list[tuple[dict[str, Any], str, int]] = []


class SpecBuilder:
    """Walks the app's rules once; ``build()`` returns the document as a dict."""

    def __init__(self, app: Kettle) -> None:
        self.app = app
        self.registry = SchemaRegistry()
        self._problem = self.registry.add(ProblemDetails)
        self._signatures: dict[str, ViewSignature] = {}

    def build(self) -> dict[str, Any]:
        operations = self._operations()
        self._name_operations(operations)
        self.registry.build()
        paths: dict[str, dict[str, Any]] = {}
        for op in operations:
            for target, key, index in op.pending:
                target[key] = self.registry.schema(index)
            paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = op.data
        document: dict[str, Any] = {
            "openapi": "3.1.0",
            "info": self._info(),
            "paths": paths,
        }
        servers = self.app.config.get("OPENAPI_SERVERS")
        if servers:
            document["servers"] = [
                {"url": s} if isinstance(s, str) else dict(s) for s in servers
            ]
        components: dict[str, Any] = {"schemas": dict(sorted(self.registry.components.items()))}
        schemes = self.app.config.get("OPENAPI_SECURITY_SCHEMES")
        if schemes:
            components["securitySchemes"] = dict(schemes)
        document["components"] = components
        return document

    def _info(self) -> dict[str, Any]:
        config = self.app.config
        info: dict[str, Any] = {
            "title": config.get("OPENAPI_TITLE") or self.app.name,
            "version": str(config.get("OPENAPI_VERSION") or "0.1.0"),
        }
        if config.get("OPENAPI_DESCRIPTION"):
            info["description"] = config["OPENAPI_DESCRIPTION"]
        return info

    # -- operations ------------------------------------------------------------------
    def _operations(self) -> list[_Operation]:
        found = []
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            endpoint = rule.endpoint
            if rule.websocket or endpoint is None or endpoint in DOCS_ENDPOINTS:
                continue
            if endpoint == "static" or endpoint.endswith(".static"):
                continue
            options = self.app.view_options.get(endpoint, {})
            if options.get("include_in_schema") is False:
                continue
            view = self.app.view_functions.get(endpoint)
            if view is None:
                continue
            signature = self._signature(endpoint, view)
            for method in sorted(rule.methods - _SKIPPED_METHODS):
                op = _Operation(rule, method, signature)
                self._describe(op, endpoint, view, options)
                found.append(op)
        return found

    def _signature(self, endpoint: str, view: Callable[..., Any]) -> ViewSignature:
        signature = self._signatures.get(endpoint)
        if signature is None:
            signature = self._signatures[endpoint] = analyse(self.app, endpoint, view)
        return signature

    @staticmethod
    def _name_operations(operations: list[_Operation]) -> None:
        """operationIds from endpoints; suffixed with the method (and a number) when shared."""
        counts: dict[str, int] = {}
        for op in operations:
            base = op.data["operationId"]
            counts[base] = counts.get(base, 0) + 1
        used: set[str] = set()
        for op in operations:
            name = op.data["operationId"]
            if counts[name] > 1:
                name = f"{name}_{op.method.lower()}"
            candidate, n = name, 2
            while candidate in used:
                candidate, n = f"{name}_{n}", n + 1
            used.add(candidate)
            op.data["operationId"] = candidate

    def _describe(
        self, op: _Operation, endpoint: str, view: Callable[..., Any], options: dict[str, Any]
    ) -> None:
        data = op.data
        blueprint_options = self._blueprint_options(endpoint)
        tags = options.get("tags") or blueprint_options.get("tags")
        if tags is None and "." in endpoint:
            tags = [endpoint.rpartition(".")[0]]
        if tags:
            data["tags"] = list(tags)
        summary, description = _docstring_parts(inspect.getdoc(view))
        summary = options.get("summary") or summary
        description = options.get("description") or description
        if summary:
            data["summary"] = summary
        if description:
            data["description"] = description
        data["operationId"] = options.get("operation_id") or endpoint.replace(".", "_")
        parameters = self._parameters(op)
        if parameters:
            data["parameters"] = parameters
        body = op.signature.body
        if body is not None and op.method not in ("GET", "DELETE"):
            data["requestBody"] = self._request_body(op, body)
        data["responses"] = self._responses(op, options)
        security = options.get("security", blueprint_options.get("security"))
        if security is not None:
            data["security"] = _security_requirements(security)
        if options.get("deprecated"):
            data["deprecated"] = True

    def _blueprint_options(self, endpoint: str) -> dict[str, Any]:
        """``openapi_options`` of the endpoint's blueprints, outer first, inner winning."""
        merged: dict[str, Any] = {}
        if "." not in endpoint:
            return merged
        parts = endpoint.split(".")[:-1]
        for i in range(1, len(parts) + 1):
            blueprint = self.app.blueprints.get(".".join(parts[:i]))
            merged.update(getattr(blueprint, "openapi_options", None) or {})
        return merged

    def _parameters(self, op: _Operation) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = []
        typed_path = {f.name: f for f in op.signature.path}
        for piece in op.rule._pieces:
            if isinstance(piece, str):
                continue
            param: dict[str, Any] = {"name": piece.name, "in": "path", "required": True}
            field = typed_path.get(piece.name)
            if field is not None:
                self._schema_of(op, param, field.annotation)
            else:
                param["schema"] = _converter_schema(piece.converter)
            result.append(param)
        for fields in (op.signature.query, op.signature.header, op.signature.cookie):
            for field in fields:
                described = self._parameter(op, field)
                if described is not None:
                    result.append(described)
        return result

    def _parameter(self, op: _Operation, field: Field) -> dict[str, Any] | None:
        marker = field.marker
        if marker is not None and not marker.include_in_schema:
            return None
        param: dict[str, Any] = {"name": field.key, "in": field.source, "required": field.required}
        if marker is not None and marker.description:
            param["description"] = marker.description
        if marker is not None and marker.deprecated:
            param["deprecated"] = True
        self._schema_of(op, param, field.annotation)
        if field.is_list and field.source == "query":
            param["style"], param["explode"] = "form", True
        return param

    def _schema_of(self, op: _Operation, target: dict[str, Any], annotation: Any) -> None:
        op.pending.append((target, "schema", self.registry.add(annotation)))

    def _request_body(self, op: _Operation, body: BodyField) -> dict[str, Any]:
        media: dict[str, Any] = {}
        self._schema_of(op, media, body.annotation)
        content = {body.media_type: media}
        if body.form and body.media_type != "multipart/form-data":
            content["multipart/form-data"] = media
        return {"required": body.required, "content": content}

    def _responses(self, op: _Operation, options: dict[str, Any]) -> dict[str, Any]:
        status = str(options.get("status_code") or 200)
        responses: dict[str, Any] = {}
        main: dict[str, Any] = {"description": _phrase(status)}
        model = options.get("response_model")
        if model is None:
            model = _documented_return(op.signature.return_annotation)
        if model is not None and status != "204":
            media: dict[str, Any] = {}
            self._schema_of(op, media, model)
            main["content"] = {"application/json": media}
        elif status != "204" and op.signature.return_annotation is str:
            main["content"] = {"text/html": {"schema": {"type": "string"}}}
        responses[status] = main
        for code, extra in (options.get("responses") or {}).items():
            responses[str(code)] = self._extra_response(op, str(code), extra)
        if any(not isinstance(p, str) for p in op.rule._pieces) and "404" not in responses:
            # A path value the route's converter refuses is a 404 before any view runs.
            responses["404"] = {"description": "Not Found"}
        signature = op.signature
        if signature.body is not None and not signature.body.form:
            self._problem_response(op, responses, "400", "The body is not valid JSON.")
            self._problem_response(op, responses, "415", "The body is not JSON.")
        elif signature.body is not None:
            self._problem_response(op, responses, "415", "The body is not a form.")
        if signature.query or signature.header or signature.cookie or signature.path or (
            signature.body is not None
        ):
            self._problem_response(op, responses, "422", "The request did not validate.")
        return responses

    def _extra_response(self, op: _Operation, code: str, extra: Any) -> dict[str, Any]:
        media_type = "application/json"
        if isinstance(extra, dict):
            response = {k: v for k, v in extra.items() if k not in ("model", "media_type")}
            response.setdefault("description", _phrase(code))
            model = extra.get("model")
            media_type = extra.get("media_type", media_type)
        else:
            response, model = {"description": _phrase(code)}, extra
        if model is ProblemDetails:
            media_type = "application/problem+json"
        if model is not None:
            media: dict[str, Any] = {}
            self._schema_of(op, media, model)
            response["content"] = {media_type: media}
        return response

    def _problem_response(
        self, op: _Operation, responses: dict[str, Any], code: str, description: str
    ) -> None:
        if code in responses:
            return
        media: dict[str, Any] = {}
        op.pending.append((media, "schema", self._problem))
        responses[code] = {
            "description": description, "content": {"application/problem+json": media},
        }


def _phrase(code: str) -> str:
    return HTTP_STATUS_PHRASES.get(int(code), "Response") if code.isdigit() else "Response"


def _documented_return(annotation: Any) -> Any:
    """The return annotation when it names a JSON shape worth documenting, else ``None``."""
    if annotation is inspect.Parameter.empty or annotation is None or annotation is type(None):
        return None
    base = unwrap_annotated(annotation)[0]
    if isinstance(base, type) and issubclass(base, _PRIMITIVE_RESULTS):
        return None
    if base is Any or base is dict or base is list:
        return None
    if is_structured(annotation):
        return annotation
    if get_origin(base) in (dict, list):
        return annotation
    return None


def _docstring_parts(doc: str | None) -> tuple[str | None, str | None]:
    if not doc:
        return None, None
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), rest.strip() or None


def _converter_schema(converter: Any) -> dict[str, Any]:
    from ..typehints import converter_type as _converter_type

    if isinstance(converter, AnyConverter):
        return {"type": "string", "enum": sorted(converter.items)}
    kind = _converter_type(converter)
    if kind is int:
        return {"type": "integer"}
    if kind is float:
        return {"type": "number"}
    if kind is str:
        return {"type": "string"}
    return {"type": "string", "format": "uuid"}


def _security_requirements(security: Any) -> list[dict[str, list[str]]]:
    """``"bearer"``, ``["bearer", "apiKey"]`` or OpenAPI's own list of requirement objects."""
    if isinstance(security, str):
        security = [security]
    return [{item: []} if isinstance(item, str) else dict(item) for item in security]


def build_spec(app: Kettle) -> dict[str, Any]:
    """The app's OpenAPI 3.1 document."""
    return SpecBuilder(app).build()
