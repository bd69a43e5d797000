"""Response bodies of os-keypairs."""


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
    body = {"keypairs": [{"keypair": _common(req, kp)} for kp in keypairs]}
    if links:
        body["keypairs_links"] = links
    return body
