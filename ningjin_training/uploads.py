"""Refuse an oversized upload while it is read, not after it has been written to disk.

Without this, Django reads a whole 50 MB request (spooling the file to a temporary file)
before any form can look at ``upload.size``. ``SizeLimitUploadHandler``, first in
``FILE_UPLOAD_HANDLERS``, counts each file's bytes as they arrive and stops reading the
request as soon as one passes the limit for its URL, or at the first file when
``Content-Length`` already shows the request cannot be valid. The refused file is handed to
the form as an :class:`OversizedUpload` that has only a name and a size past the limit, so
the form's own check refuses it with its usual message (the evidence form, for instance, does
not then accept a submission whose file silently disappeared). nginx's ``client_max_body_size``
(deploy/nginx/ningjin.conf) is the outer fence.
"""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

MB = 1024 * 1024


def file_limit(request) -> int:
    """Bytes one uploaded file may have on this URL (UPLOAD_MAX_BYTES_BY_VIEW, else UPLOAD_MAX_BYTES)."""
    match = getattr(request, "resolver_match", None)
    default = settings.UPLOAD_MAX_BYTES
    return settings.UPLOAD_MAX_BYTES_BY_VIEW.get(match.view_name, default) if match else default


class _CutOff:
    """The content of a refused upload: there is none to read or save."""

    def read(self, *args):
        raise ValueError("upload refused: it passed the size limit while being read")

    seek = tell = chunks = __iter__ = read

    def close(self):
        pass


class OversizedUpload(UploadedFile):
    """A file cut off at the size limit: a name and a size above the limit, no content."""

    def __init__(self, name: str, size: int, content_type: str | None):
        super().__init__(_CutOff(), name=name, content_type=content_type, size=size)

    def chunks(self, chunk_size=None):
        raise ValueError("upload refused: it passed the size limit while being read")


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading the request as soon as a file passes the limit for its URL."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = file_limit(self.request)
        self.request_length = content_length
        # Several files may come in one request (evidence: up to 10); beyond that it cannot be valid.
        self.refuse_all = content_length > self.limit * settings.UPLOAD_MAX_FILES + MB

    def new_file(self, field_name, file_name, content_type, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, *args, **kwargs)
        self.received = 0
        if self.refuse_all:
            self._refuse(self.request_length)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse(self.received)
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self, size: int):
        refused = OversizedUpload(self.file_name, size, self.content_type)
        self.request._oversized_uploads = [(self.field_name, refused)]
        # connection_reset: the rest of the body is not read (and thrown away) either.
        raise StopUpload(connection_reset=True)


class OversizedUploadMiddleware:
    """Put a refused upload back into ``request.FILES`` as an OversizedUpload, for the form to refuse.

    After CsrfViewMiddleware, which reads the form first on a browser's POST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            files = request.FILES  # reads the body now, through SizeLimitUploadHandler
            for field_name, refused in getattr(request, "_oversized_uploads", ()):
                files.appendlist(field_name, refused)
        return None
