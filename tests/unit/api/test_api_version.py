"""APIVersionRequest: parsing, ordering, ranges."""

import pytest

from nova.api.openstack import api_version


def V(s):
    return api_version.APIVersionRequest(s)


@pytest.mark.parametrize("text", ["2", "2.", "2.01", "02.1", "a.b", "2.1.1", "", "-2.1"])
def test_malformed_versions_are_refused(text):
    with pytest.raises(api_version.InvalidAPIVersionString):
        V(text)


def test_ordering_is_numeric():
    assert V("2.10") > V("2.9")
    assert V("2.9") < V("2.10") <= V("2.10")
    assert V("2.0") < V("2.1")
    assert V("3.0") > V("2.100")
    assert V("2.55") == "2.55" and V("2.55") >= "2.55"
    assert api_version.APIVersionRequest().is_null()


def test_matches_closed_and_open_ranges():
    assert V("2.55").matches("2.55", "2.60")
    assert V("2.60").matches("2.55", "2.60")
    assert not V("2.61").matches("2.55", "2.60")
    assert not V("2.54").matches("2.55")
    assert V("2.1").matches(None, "2.10")
    assert V("2.99").matches("2.1", None)
    with pytest.raises(ValueError):
        api_version.APIVersionRequest().matches("2.1")


def test_the_advertised_range_is_valid():
    assert api_version.min_api_version() <= api_version.max_api_version()
    assert api_version.MIN_API_VERSION == "2.1"
