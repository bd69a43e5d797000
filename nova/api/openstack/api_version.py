"""Microversions of the compute API: parsing, comparing and the supported range.

A microversion is ``MAJOR.MINOR``; the client asks for one with the
``OpenStack-API-Version: compute X.Y`` header (or the older
``X-OpenStack-Nova-API-Version: X.Y``); ``latest`` means the newest we serve.
doc/source/microversions.rst lists every upstream microversion and which of
them this implementation honours.
"""

import re

from nova import exception

# The oldest and newest microversion this API serves.
MIN_API_VERSION = "2.1"
MAX_API_VERSION = "2.100"

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


class InvalidAPIVersionString(exception.Invalid):
    msg_fmt = ("API Version String %(version)s is of invalid format. Must be of "
               "format MajorNum.MinorNum.")


class APIVersionRequest:
    """One microversion; the null version (no numbers) compares below all others."""

    def __init__(self, version_string=None):
        self.ver_major = 0
        self.ver_minor = 0
        if version_string is not None:
            match = _VERSION_RE.match(str(version_string).strip())
            if not match:
                raise InvalidAPIVersionString(version=version_string)
            self.ver_major = int(match.group(1))
            self.ver_minor = int(match.group(2))

    def is_null(self):
        return self.ver_major == 0 and self.ver_minor == 0

    def _key(self):
        return (self.ver_major, self.ver_minor)

    def _other(self, other):
        if isinstance(other, str):
            other = APIVersionRequest(other)
        if not isinstance(other, APIVersionRequest):
            raise TypeError("cannot compare APIVersionRequest with %r" % (other,))
        return other

    def __lt__(self, other):
        return self._key() < self._other(other)._key()

    def __le__(self, other):
        return self._key() <= self._other(other)._key()

    def __gt__(self, other):
        return self._key() > self._other(other)._key()

    def __ge__(self, other):
        return self._key() >= self._other(other)._key()

    def __eq__(self, other):
        if not isinstance(other, (str, APIVersionRequest)):
            return NotImplemented
        return self._key() == self._other(other)._key()

    def __hash__(self):
        return hash(self._key())

    def matches(self, min_version=None, max_version=None):
        """Whether this version lies in [min_version, max_version]; None/null is open."""
        if self.is_null():
            raise ValueError("a null version matches nothing")
        lo = self._other(min_version) if min_version else None
        hi = self._other(max_version) if max_version else None
        if lo is not None and not lo.is_null() and self < lo:
            return False
        if hi is not None and not hi.is_null() and self > hi:
            return False
        return True

    def get_string(self):
        if self.is_null():
            raise ValueError("a null version has no string form")
        return "%d.%d" % self._key()

    __str__ = get_string

    def __repr__(self):
        return "APIVersionRequest(%s)" % ("null" if self.is_null() else self.get_string())


def min_api_version():
    return APIVersionRequest(MIN_API_VERSION)


def max_api_version():
    return APIVersionRequest(MAX_API_VERSION)


def is_supported(req, min_version=MIN_API_VERSION, max_version=None):
    """Whether the request's microversion lies in the given range."""
    return req.api_version_request.matches(min_version, max_version)
