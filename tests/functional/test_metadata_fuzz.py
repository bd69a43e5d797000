"""Bad input on the metadata API: never a 500, and nothing but a password POST writes.

Hypothesis builds paths from the real vocabulary of both formats mixed with
arbitrary segments, every HTTP method, forged, missing, repeated and
arbitrary proxy headers, and arbitrary bodies; each request goes through the
WSGI application as the daemon serves it.
"""

import os
import urllib.parse

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import webob

from nova.api.metadata import base
from nova.api.metadata import lookup
from nova.api.metadata import wsgi_app
from nova import objects
from tests.functional import metadata_fixture as mdf
from tests.functional import server_seed as seed

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES_METADATA", "300"))

WORDS = (["openstack", "latest", "meta-data", "user-data", "public-keys", "0", "openssh-key",
          "placement", "availability-zone", "block-device-mapping", "hostname", "",
          "..", ".", "%00", "meta_data.json", "password", "network_data.json",
          "vendor_data.json", "vendor_data2.json", "user_data"]
         + list(base.EC2_VERSIONS) + list(base.OPENSTACK_VERSIONS))
segment = st.one_of(st.sampled_from(WORDS),
                    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF,
                                                   blacklist_characters="/?#%"),
                            max_size=12))
paths = st.lists(segment, max_size=6).map(lambda parts: "/" + "/".join(parts)) | \
    st.sampled_from(["/openstack/latest/password", "/openstack/2013-04-04/password/"])
methods = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
header_value = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                       max_size=80)


def test_metadata_api_never_fails(api):
    undo = mdf.set_conf({("neutron", "metadata_proxy_shared_secret"): mdf.SECRET,
                         ("neutron", "service_metadata_proxy"): True,
                         ("api", "metadata_cache_expiration"): 0})
    lookup.reset_cache()
    instance = seed.add_server(api, "fuzzed", flavor=seed.add_flavor(api),
                               nw_info=seed.network_info())
    good = mdf.proxy_headers(instance.uuid, instance.project_id)
    app = wsgi_app.init_application()

    def headers_strategy():
        def variant(choice, junk, tenant):
            headers = dict(good)
            if choice == "good":
                return headers
            if choice == "forged":
                headers["X-Instance-ID-Signature"] = mdf.sign(instance.uuid, "other")
            elif choice == "missing":
                headers.pop(junk[:1] and "X-Tenant-ID" or "X-Instance-ID", None)
            elif choice == "tenant":
                headers["X-Tenant-ID"] = tenant
            elif choice == "instance":
                headers["X-Instance-ID"] = tenant
                headers["X-Instance-ID-Signature"] = mdf.sign(tenant)
            elif choice == "provider":
                headers = {"X-Metadata-Provider": tenant, "X-Metadata-Provider-Signature": junk}
            elif choice == "repeated":
                headers["X-Instance-ID"] = "%s, %s" % (instance.uuid, instance.uuid)
            return headers
        return st.builds(variant, st.sampled_from(["good", "forged", "missing", "tenant",
                                                   "instance", "provider", "repeated"]),
                         header_value, header_value)

    def stored_password():
        return objects.Instance.get_by_uuid(instance._context, instance.uuid,
                                            expected_attrs=["system_metadata"]
                                            ).system_metadata.get("password_0")

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(path=paths, method=methods, headers=headers_strategy(),
           body=st.binary(max_size=1100))
    def check(path, method, headers, body):
        before = stored_password()
        req = webob.Request.blank(urllib.parse.quote(path, safe="/"), method=method, headers=headers,
                                  POST=None if method in ("GET", "HEAD") else body)
        resp = req.get_response(app)
        assert resp.status_int < 500, (path, method, headers, resp.body)
        if resp.status_int >= 400:
            assert resp.content_type == "text/plain"
        after = stored_password()
        if (method, resp.status_int) != ("POST", 200):
            assert after == before, (path, method)
        else:
            assert before in (None, "") and after is not None
            # Clear it again so that a later example may post once more.
            fresh = objects.Instance.get_by_uuid(instance._context, instance.uuid,
                                                 expected_attrs=["system_metadata"])
            fresh.system_metadata.update({"password_%d" % i: "" for i in range(4)})
            fresh.save()

    try:
        check()
    finally:
        undo()
        lookup.reset_cache()
