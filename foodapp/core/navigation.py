"""The site navigation: sections appear as links once their pages exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str


SECTIONS = (
    NavItem("For you", "home"),
    NavItem("Search", "search"),
    NavItem("Dishes", "catalog:dish-list"),
    NavItem("Storyline", "recommendations:storyline"),
    NavItem("Census demo", "census:demo"),
    NavItem("API docs", "api-docs"),
)


def navigation(request: HttpRequest) -> dict[str, object]:
    """Template context: each section with its URL, or None while it is not built yet."""
    items = []
    for item in SECTIONS:
        try:
            url: str | None = reverse(item.url_name)
        except NoReverseMatch:
            url = None
        items.append({"label": item.label, "url": url, "active": bool(url) and request.path == url})
    return {"nav_sections": items}
