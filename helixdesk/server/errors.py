"""The app's error replies, as the OpenAPI document describes them.

Every error is JSON with a ``detail``: a message, or for a request that fails validation
(422) FastAPI's list of the offending fields. Some errors can come from any route, and
:func:`document_errors` adds them to every operation that can give them, so that clients (and
the schema-driven fuzz test) see every status code a route may answer with:

* 400: a body that is not decodable JSON; 413: a body over the server's limit (every POST);
* 422: invalid fields; the message form too, since an action can be well-formed and still
  name an employee the session's team does not have;
* 404 and 409 on every route that names a session: unknown or expired session; a call that
  does not fit the episode's state (step after the end, grading an unfinished episode).
* openenv's Task API routes (``/{env_name}/…``): 404 for an environment other than
  ``helixdesk`` or an unknown split, 400 for a task index outside its split.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse

from helixdesk.server.environment import EpisodeStateError
from helixdesk.server.sessions import SessionNotFound, StoreFull

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorReply",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string", "description": "What went wrong"}},
}
VALIDATION_SCHEMA: dict[str, Any] = {
    "title": "ValidationErrorReply",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "description": "The offending fields (FastAPI's list), or a message",
            "anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "string"}],
        }
    },
}
BODY_ERRORS = {
    "400": "The body is not decodable JSON",
    "413": "The body is larger than the server's HELIXDESK_MAX_BODY_BYTES",
}
SESSION_ERRORS = {
    "404": "Unknown or expired session (sessions are in memory: a restart forgets them)",
    "409": "The call does not fit the episode's state (e.g. step after the end)",
}
TASK_API_ERRORS = {
    "404": "No such environment (it is helixdesk) or split (train, test)",
    "400": "The body is not decodable JSON, or the task index is outside the split",
}
TASK_API_PATH = "{env_name}"
SESSION_FIELD = "session_id"
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
BODY_METHODS = frozenset({"post", "put", "patch"})


@contextmanager
def http_errors() -> Iterator[None]:
    """Turn the session and episode errors into their HTTP status codes."""
    try:
        yield
    except SessionNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except StoreFull as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
    except EpisodeStateError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error


async def unknown_split_reply(request: Request, error: Exception) -> JSONResponse:
    """404 for an unknown split named to the Task API."""
    return JSONResponse({"detail": str(error)}, status.HTTP_404_NOT_FOUND)


def error_response(description: str, schema: dict[str, Any] = ERROR_SCHEMA) -> dict[str, Any]:
    """An OpenAPI response object for a JSON error reply."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_errors(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document list the errors described in the module docstring."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        components = schema.get("components", {}).get("schemas", {})
        for path, method, operation in _operations(schema):
            _document(method, operation, components, task_api=TASK_API_PATH in path)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _document(
    method: str, operation: dict[str, Any], components: dict[str, Any], task_api: bool
) -> None:
    """Add the errors this operation can give (idempotent: the document is cached)."""
    responses = operation.setdefault("responses", {})
    errors: dict[str, str] = dict(TASK_API_ERRORS) if task_api else {}
    if method in BODY_METHODS:
        errors["413"] = BODY_ERRORS["413"]
    if "requestBody" in operation:
        errors.setdefault("400", BODY_ERRORS["400"])
    if _names_a_session(operation, components):
        errors.update(SESSION_ERRORS)
    for code, description in errors.items():
        responses.setdefault(code, error_response(description))
    if "422" in responses:
        responses["422"] = error_response("Invalid request", VALIDATION_SCHEMA)


def _names_a_session(operation: dict[str, Any], components: dict[str, Any]) -> bool:
    if any(p.get("name") == SESSION_FIELD for p in operation.get("parameters", [])):
        return True
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    return SESSION_FIELD in _properties(body, components)


def _properties(schema: dict[str, Any], components: dict[str, Any]) -> set[str]:
    """Property names of a body schema, through ``$ref`` and ``anyOf``/``oneOf``/``allOf``."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = components.get(ref.rsplit("/", 1)[-1], {})
    names = set(schema.get("properties", {}))
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            names |= _properties(part, components)
    return names
