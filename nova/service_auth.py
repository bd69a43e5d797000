"""keystoneauth1 plumbing shared by the clients of other OpenStack services."""

from keystoneauth1.access import service_catalog as ks_catalog
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import plugin as ks_plugin


class UserTokenAuth(ks_plugin.BaseAuthPlugin):
    """Act with a caller's token; find endpoints in the catalog it came with."""

    def __init__(self, token, catalog=None):
        super().__init__()
        self.token = token
        self.catalog = catalog or []

    def get_token(self, session, **kwargs):
        return self.token

    def get_endpoint(self, session, service_type=None, interface=None, region_name=None,
                     **kwargs):
        for cls in (ks_catalog.ServiceCatalogV3, ks_catalog.ServiceCatalogV2):
            try:
                url = cls(self.catalog).url_for(service_type=service_type,
                                                interface=interface or "public",
                                                region_name=region_name)
            except (ks_exc.EndpointNotFound, KeyError, TypeError):
                continue
            if url:
                return url
        return None
