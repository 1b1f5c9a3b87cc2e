"""Errors as ``application/problem+json`` (RFC 9457), ``detail`` in the request's language."""

from __future__ import annotations

from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_JSON = "application/problem+json"


def problem_exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    problem = {"status": response.status_code, "title": response.status_text}
    if isinstance(data, dict) and set(data) <= {"detail"}:
        problem["detail"] = str(data.get("detail", ""))
    else:
        # Field errors (bad filter values): each field named with its messages.
        problem["detail"] = response.status_text
        problem["errors"] = data
    response.data = problem
    response.content_type = PROBLEM_JSON
    return response
