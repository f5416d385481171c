"""/static/ as Daphne serves it (SERVE_STATIC): ServeStatic, first in MIDDLEWARE.

ServeStatic hands every path it has no file for on to Django, which would render the 404
page (with a CSRF cookie) for /static/no-such-file.css and let an odd path
(/static/x%00y.css) reach the finders. Here a path under /static/ is a file or a plain
404, never a page, and both carry the security headers of a page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseNotFound
from django.http.response import HttpResponseBase
from servestatic.middleware import ServeStaticMiddleware
from servestatic.utils import run_async_in_thread

from config.security_headers import add_static_file_headers


class StaticFilesMiddleware(ServeStaticMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if not path.startswith(self.static_prefix):
            return await self.get_response(request)
        try:
            if self.autorefresh:
                static_file = await run_async_in_thread(self.find_file, path)
            else:
                static_file = self.files.get(path)
        except (ValueError, OSError):  # a NUL byte or an over-long name: no such file
            static_file = None
        if static_file is not None:
            return await self.aserve(static_file, request)
        response = HttpResponseNotFound("Not found", content_type="text/plain; charset=utf-8")
        headers: Any = response.headers
        add_static_file_headers(headers, path, path)
        response["Cache-Control"] = "no-store"
        return response
