"""The JSON-Schema validator behind nova.api.validation, with Nova's error wording."""

import re
import uuid

import jsonschema
from jsonschema import exceptions as js_exceptions

_FORMAT_CHECKER = jsonschema.FormatChecker()


@_FORMAT_CHECKER.checks("uuid")
def _check_uuid(value):
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return bool(re.match(r"^[0-9a-fA-F-]{32,36}$", value))


@_FORMAT_CHECKER.checks("ipv4")
def _check_ipv4(value):
    import netaddr
    if not isinstance(value, str):
        return True
    return netaddr.valid_ipv4(value, netaddr.INET_PTON)


@_FORMAT_CHECKER.checks("ipv6")
def _check_ipv6(value):
    import netaddr
    if not isinstance(value, str):
        return True
    return netaddr.valid_ipv6(value)


@_FORMAT_CHECKER.checks("base64")
def _check_base64(value):
    import base64
    import binascii
    if not isinstance(value, str):
        return True
    # Line breaks are allowed: MIME-style encoders (Ruby's Base64.encode64,
    # Python's base64.encodebytes, ``base64`` without -w0) wrap their output.
    value = "".join(value.split())
    try:
        base64.b64decode(value.encode("ascii") if value.isascii() else b"!",
                         validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _path(error):
    parts = [str(p) for p in error.path]
    return "/".join(parts)


class SchemaValidator:
    """Check a document against a schema; ``first_error`` gives Nova's message or None."""

    def __init__(self, schema, is_body=True):
        self.schema = schema
        self.is_body = is_body
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
        cls.check_schema(schema)
        self.validator = cls(schema, format_checker=_FORMAT_CHECKER)

    def first_error(self, document):
        errors = sorted(self.validator.iter_errors(document),
                        key=lambda e: (len(e.path), [str(p) for p in e.path]))
        if not errors:
            return None
        error = js_exceptions.best_match(errors) or errors[0]
        return self.format(error, document)

    def format(self, error, document):
        if error.validator == "required" and not error.path and document is None:
            return "The request body is missing or is not a JSON object."
        if error.validator in ("required", "additionalProperties", "minProperties",
                               "maxProperties"):
            return error.message
        path = _path(error) or "request body" if self.is_body else _path(error)
        if error.validator == "format" and error.cause is not None:
            message = str(error.cause)
        else:
            message = error.message
        return ("Invalid input for field/attribute %(path)s. Value: %(value)s. "
                "%(message)s" % {"path": path, "value": error.instance, "message": message})
