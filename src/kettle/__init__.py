"""kettle: a fast Python web framework with Flask's surface; one app object for WSGI and ASGI."""

from __future__ import annotations

from .app import Kettle
from .blueprints import Blueprint
from .config import Config
from .context import (
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
)
from .ctx import copy_current_request_context
from .datastructures import Headers, MultiDict
from .errors import HTTPException, abort
from .flashing import flash, get_flashed_messages
from .forms import FileStorage
from .helpers import after_this_request, make_response, stream_with_context, url_for
from .json import jsonify
from .params import Body, Cookie, Form, Header, Path, Query, UploadedFile
from .problems import RequestValidationError
from .request import Request
from .response import Response, redirect
from .sending import send_file, send_from_directory
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)
from .templating import (
    get_template_attribute,
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)

__version__ = "0.1.0"

__all__ = [
    "Blueprint",
    "Body",
    "Config",
    "Cookie",
    "FileStorage",
    "Form",
    "HTTPException",
    "Header",
    "Headers",
    "Kettle",
    "MultiDict",
    "Path",
    "Query",
    "Request",
    "RequestValidationError",
    "Response",
    "UploadedFile",
    "__version__",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
]
