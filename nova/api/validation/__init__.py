"""JSON-Schema validation of request bodies and query strings.

``@validation.schema(schema, min_version, max_version)`` checks the JSON body,
``@validation.query_schema(...)`` the query string (each parameter given to
the schema as the list of its values). Both stack: a request is checked
against every schema whose microversion range holds its version, so each
version range can carry its own schema. A failure is a 400 badRequest
naming the field.
"""

import functools

from nova.api.validation import validators
from nova import exception


class ValidationError(exception.Invalid):
    msg_fmt = "%(detail)s"


def _in_range(req, min_version, max_version):
    return req.api_version_request.matches(min_version, max_version)


def schema(request_body_schema, min_version=None, max_version=None):
    """Validate the JSON body for requests in [min_version, max_version]."""
    validator = validators.SchemaValidator(request_body_schema)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(req, *args, **kwargs):
            if _in_range(req, min_version, max_version):
                body = req.get_json()
                detail = validator.first_error(body)
                if detail is not None:
                    raise ValidationError(detail=detail)
            return func(req, *args, **kwargs)
        return wrapper
    return decorator


def query_params(req):
    """The query string as ``{name: [values...]}``."""
    params = {}
    for key, value in req.GET.items():
        params.setdefault(key, []).append(value)
    return params


def query_schema(query_params_schema, min_version=None, max_version=None):
    """Validate the query string for requests in [min_version, max_version]."""
    validator = validators.SchemaValidator(query_params_schema, is_body=False)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(req, *args, **kwargs):
            if _in_range(req, min_version, max_version):
                detail = validator.first_error(query_params(req))
                if detail is not None:
                    raise ValidationError(detail=detail)
            return func(req, *args, **kwargs)
        return wrapper
    return decorator
