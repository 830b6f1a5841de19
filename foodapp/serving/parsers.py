"""TensorFlow Serving reads every predict body as JSON, whatever its Content-Type says.

The body is checked before anything else sees it: nesting deeper than MAX_NESTING (which would
otherwise end in a RecursionError in the parser, the serializer or an error message) and text
that is not valid Unicode (a lone surrogate such as "\\ud800", which TensorFlow cannot convert and
a JSON renderer cannot write back) are answered as a 400 naming where they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

# {"instances": [{"age": [25]}]} is 4 levels; TensorFlow Serving's tensors of a few dimensions
# stay far below this, and a Python recursion limit of 1,000 far above it.
MAX_NESTING = 32
TOO_DEEP = f"the body is nested too deeply (more than {MAX_NESTING} levels of arrays and objects)"
NOT_UNICODE = "not valid Unicode text (lone surrogate {escape})"
NOT_UNICODE_KEY = "a field name is not valid Unicode text (lone surrogate {escape})"
_CONTAINERS = (dict, list)
# A JSON escape of a UTF-16 surrogate: the only way a lone surrogate can reach the parsed body.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def nesting_check(data: Any) -> None:
    """Raise ParseError when arrays and objects nest more than MAX_NESTING levels deep."""
    stack = [(data, 1)] if type(data) in _CONTAINERS else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ParseError(TOO_DEEP)
        for child in node.values() if type(node) is dict else node:
            if type(child) in _CONTAINERS:
                stack.append((child, depth + 1))


def _lone_surrogate(text: str) -> str:
    """The first lone surrogate of `text` as an ASCII escape ("\\ud800"), or "" if none."""
    if text.isascii():
        return ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"\\u{ord(text[error.start]):04x}"
    return ""


def _place(parent: str, key: str | int) -> str:
    """The path of a child: `instances[0]`, `instances[0].age`, `inputs.age[1]`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def unicode_check(data: Any) -> None:
    """Raise ParseError naming the first string or field name holding a lone surrogate."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            escape = _lone_surrogate(node)
            if escape:
                raise ParseError(f"{where or 'body'}: {NOT_UNICODE.format(escape=escape)}")
        elif isinstance(node, Mapping):
            items = list(node.items())
            for key, _ in items:
                escape = _lone_surrogate(key)
                if escape:
                    raise ParseError(f"{where or 'body'}: {NOT_UNICODE_KEY.format(escape=escape)}")
            stack.extend((value, _place(where, key)) for key, value in reversed(items))
        elif isinstance(node, list):
            stack.extend((value, _place(where, i)) for i, value in reversed(list(enumerate(node))))


class CheckedJSONParser(JSONParser):
    """DRF's JSON parser plus the nesting and Unicode checks; the checked body is plain JSON."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        raw = stream.read()
        try:
            text = raw.decode(encoding)
            constant = drf_json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=constant)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        except LookupError:
            raise ParseError(f"unsupported charset {encoding!r}") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        nesting_check(data)
        if _SURROGATE_ESCAPE.search(text):
            unicode_check(data)
        return data


class AnyContentTypeJSONParser(CheckedJSONParser):
    """JSON parsing for any media type, so a non-JSON body is a 400, not a 415."""

    media_type = "*/*"
