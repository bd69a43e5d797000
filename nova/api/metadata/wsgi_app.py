"""WSGI application of the metadata API (nova-api-metadata).

Until the metadata handler exists, the root lists the metadata versions this
service knows, one per line with 'latest' last, and other paths are 404.
"""

import webob
import webob.dec

# EC2-compatible metadata versions, oldest first.
VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
            "2008-02-01", "2008-09-01", "2009-04-04")


@webob.dec.wsgify
def application(request):
    if request.path_info in ("", "/") and request.method in ("GET", "HEAD"):
        response = webob.Response(content_type="text/plain", charset="UTF-8")
        response.text = "\n".join(VERSIONS + ("latest",))
        return response
    response = webob.Response(status=404, content_type="text/plain", charset="UTF-8")
    response.text = "404 Not Found\n\nThe resource could not be found.\n"
    return response


def init_application():
    return application
