"""Uploaded files are served only through views that check the viewer's scope first.

Nothing serves ``MEDIA_ROOT`` directly. A view fetches the row through the model's
``visible_to(user)`` (another township's file is a 404) and answers with
:func:`serve_protected`: in production ``SENDFILE_BACKEND=django_sendfile.backends.nginx``
makes that an ``X-Accel-Redirect`` to nginx's ``internal`` location (deploy/nginx/ningjin.conf),
so Python never streams a large file; without nginx, :func:`sendfile` below streams it and
honours a single ``Range`` (videos seek).
"""

import re
from pathlib import Path

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django_sendfile import sendfile as send_with_backend

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def serve_protected(
    request: HttpRequest, field_file: FieldFile, *, filename: str, attachment: bool = True
) -> HttpResponse:
    """The stored file of a row the caller has already scoped; download name ``filename``."""
    response = send_with_backend(
        request, field_file.path, attachment=attachment, attachment_filename=filename
    )
    if response.status_code in (206, 416):  # utils set the whole file's length
        response["Content-Length"] = response.range_length
    return response


def sendfile(request: HttpRequest, filepath: Path, **kwargs) -> HttpResponse:
    """The development backend (SENDFILE_BACKEND default): the file itself, one byte range if asked."""
    size = filepath.stat().st_size
    match = _RANGE.match(request.headers.get("Range", "").strip())
    handle = filepath.open("rb")
    if not match or not any(match.groups()):
        response = FileResponse(handle)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:  # "bytes=-500": the last 500 bytes
        start, end = max(size - int(last), 0), size - 1
    if start > end or start >= size:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response.range_length = 0
        return response
    handle.seek(start)
    response = HttpResponse(handle.read(end - start + 1), status=206)
    handle.close()
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response.range_length = end - start + 1
    return response
