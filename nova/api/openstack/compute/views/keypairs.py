"""Response bodies of os-keypairs."""

from nova.objects import bulk

_read = bulk.reader(("name", "public_key", "fingerprint"))
_read_typed = bulk.reader(("name", "public_key", "fingerprint", "type"))


def _common(req, keypair, with_user=False):
    view = {"name": keypair.name, "public_key": keypair.public_key,
            "fingerprint": keypair.fingerprint}
    if with_user:
        view["user_id"] = keypair.user_id
    if req.is_at_least("2.2"):
        view["type"] = keypair.type
    return view


def create(req, keypair, private_key=None):
    view = _common(req, keypair, with_user=True)
    if private_key is not None:
        view["private_key"] = private_key
    return {"keypair": view}


def show(req, keypair):
    view = _common(req, keypair, with_user=True)
    view.update({"id": keypair.id, "created_at": keypair.created_at,
                 "updated_at": keypair.updated_at, "deleted": False,
                 "deleted_at": None})
    return {"keypair": view}


def index(req, keypairs, links=None):
    if req.is_at_least("2.2"):
        items = [{"keypair": {"name": name, "public_key": public_key,
                              "fingerprint": fingerprint, "type": key_type}}
                 for name, public_key, fingerprint, key_type in map(_read_typed, keypairs)]
    else:
        items = [{"keypair": {"name": name, "public_key": public_key,
                              "fingerprint": fingerprint}}
                 for name, public_key, fingerprint in map(_read, keypairs)]
    body = {"keypairs": items}
    if links:
        body["keypairs_links"] = links
    return body
