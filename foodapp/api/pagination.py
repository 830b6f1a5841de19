"""Page-numbered lists: ?page=2&page_size=50 (at most 100 a page)."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = "page {page_number}: {message}"
