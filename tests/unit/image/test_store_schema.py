"""The image store's JSON-patch rules, validation and list parameters."""

import pytest
import webob.exc
import webob.multidict

from nova.image.store import listing
from nova.image.store import schema
from nova.image.store import views

PATCH = "application/openstack-images-v2.1-json-patch"
DOC = {"id": "6f6c1d2e-3a0a-4d1a-9c55-6a1f5f0a8e11", "name": "n", "status": "active",
       "visibility": "private", "protected": False, "min_ram": 0, "tags": ["a"],
       "os_type": "linux"}


def test_add_replaces_and_adds_properties_and_core_attributes():
    result = schema.apply_patch(DOC, [{"op": "add", "path": "/os_type", "value": "bsd"},
                                      {"op": "add", "path": "/new", "value": "1"},
                                      {"op": "replace", "path": "/name", "value": "m"}],
                                PATCH)
    assert (result["os_type"], result["new"], result["name"]) == ("bsd", "1", "m")
    assert DOC["os_type"] == "linux"  # the input is left alone


@pytest.mark.parametrize("ops,error", [
    ([{"op": "replace", "path": "/absent", "value": "x"}], webob.exc.HTTPConflict),
    ([{"op": "remove", "path": "/absent"}], webob.exc.HTTPConflict),
    ([{"op": "remove", "path": "/name"}], webob.exc.HTTPForbidden),
    ([{"op": "replace", "path": "/status", "value": "killed"}], webob.exc.HTTPForbidden),
    ([{"op": "add", "path": "/deleted", "value": "1"}], webob.exc.HTTPForbidden),
    ([{"op": "replace", "path": "/id", "value": "x"}], webob.exc.HTTPForbidden),
    ([{"op": "test", "path": "/name", "value": "n"}], webob.exc.HTTPBadRequest),
    ([{"op": "add", "path": "/name"}], webob.exc.HTTPBadRequest),
    ([{"op": "add", "path": "name", "value": "x"}], webob.exc.HTTPBadRequest),
    ([{"op": "add", "path": "/a/b", "value": "x"}], webob.exc.HTTPBadRequest),
    ({"op": "add"}, webob.exc.HTTPBadRequest),
])
def test_refused_patches(ops, error):
    with pytest.raises(error):
        schema.apply_patch(DOC, ops, PATCH)


def test_tag_paths_and_escaped_pointers():
    result = schema.apply_patch(DOC, [{"op": "add", "path": "/tags/-", "value": "b"},
                                      {"op": "remove", "path": "/tags/a"},
                                      {"op": "add", "path": "/x~1y", "value": "1"}], PATCH)
    assert result["tags"] == ["b"]
    assert result["x/y"] == "1"


def test_v2_0_patch_format():
    result = schema.apply_patch(DOC, [{"replace": "/name", "value": "old-style"}],
                                "application/openstack-images-v2.0-json-patch")
    assert result["name"] == "old-style"


def test_validation():
    schema.validate({"name": "ok", "disk_format": "qcow2", "prop": "text"})
    for bad in ({"disk_format": "floppy"}, {"prop": 1}, {"min_ram": -1},
                {"name": "x" * 256}, {"tags": [1]}, {"id": "not-a-uuid"}):
        with pytest.raises(webob.exc.HTTPBadRequest):
            schema.validate(bad)
    with pytest.raises(webob.exc.HTTPRequestEntityTooLarge):
        schema.validate({"p%d" % i: "v" for i in range(schema.MAX_PROPERTIES + 1)})


def test_split_round_trips_a_flat_document():
    core, props = views.split(dict(DOC, self="/v2/images/x", file="f", schema="s"))
    assert props == {"os_type": "linux"}
    assert "status" not in core and core["name"] == "n"


def _params(query):
    return webob.multidict.MultiDict(webob.request.BaseRequest.blank("/?" + query).GET)


def test_sorting_parameters():
    assert listing.sorting(_params("")) == [("created_at", "desc")]
    assert listing.sorting(_params("sort_key=name&sort_key=size&sort_dir=asc")) == \
        [("name", "asc"), ("size", "asc")]
    assert listing.sorting(_params("sort=name:asc,size")) == [("name", "asc"),
                                                              ("size", "desc")]
    for bad in ("sort_key=secret", "sort_dir=up", "sort=name&sort_key=size",
                "sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc"):
        with pytest.raises(webob.exc.HTTPBadRequest):
            listing.sorting(_params(bad))


def test_limit_and_links():
    assert listing.limit(_params(""), 25, 1000) == 25
    assert listing.limit(_params("limit=5000"), 25, 1000) == 1000
    with pytest.raises(webob.exc.HTTPBadRequest):
        listing.limit(_params("limit=-2"), 25, 1000)
    links = listing.page_links(_params("name=a&marker=m1&limit=2"), "m2", True)
    assert links["first"] == "/v2/images?name=a&limit=2"
    assert links["next"] == "/v2/images?name=a&limit=2&marker=m2"
    assert "next" not in listing.page_links(_params(""), "m2", False)
