"""Image and member documents as the Glance v2 API shows them."""

from nova.image.store import schema

_SHOWN = ("id", "name", "status", "visibility", "protected", "os_hidden", "checksum",
          "os_hash_algo", "os_hash_value", "owner", "size", "virtual_size", "min_ram",
          "min_disk", "disk_format", "container_format")


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def flat(image):
    """The flat document: core attributes, then the extra properties at top level."""
    doc = {key: image.get(key) for key in _SHOWN}
    doc["protected"] = bool(doc["protected"])
    doc["os_hidden"] = bool(doc["os_hidden"])
    doc["created_at"] = iso(image.get("created_at"))
    doc["updated_at"] = iso(image.get("updated_at"))
    doc["tags"] = list(image.get("tags") or [])
    for key, value in (image.get("properties") or {}).items():
        doc.setdefault(key, value)
    return doc


def show(image):
    doc = flat(image)
    doc["self"] = "/v2/images/%s" % image["id"]
    doc["file"] = "/v2/images/%s/file" % image["id"]
    doc["schema"] = "/v2/schemas/image"
    return doc


def split(doc):
    """Back from a flat document: (core attribute values, extra properties)."""
    core = {k: doc[k] for k in schema.WRITABLE if k in doc and k != "tags"}
    props = {k: v for k, v in doc.items()
             if k not in schema.CORE and k not in ("self", "file", "schema")}
    return core, props


def member(row):
    return {"image_id": row["image_id"], "member_id": row["member"],
            "status": row["status"], "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]), "schema": "/v2/schemas/member"}
