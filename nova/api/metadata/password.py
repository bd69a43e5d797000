"""The instance password: set once by the guest, kept in four system metadata chunks.

A guest agent POSTs its (encrypted) administrator password to
``/openstack/<version>/password``; the server password API shows it to the
owner and deletes it. It is kept in system metadata keys ``password_0`` ..
``password_3`` of 255 characters each, so at most 1,020 characters.
"""

CHUNKS = 4
CHUNK_LENGTH = 255
MAX_SIZE = CHUNKS * CHUNK_LENGTH


def extract_password(system_metadata):
    """The stored password ('' when none) from a system metadata dict."""
    return "".join(system_metadata.get("password_%d" % i) or "" for i in range(CHUNKS))


def convert_password(password):
    """The system metadata items that store ``password`` ('' clears them)."""
    password = password or ""
    return {"password_%d" % i: password[i * CHUNK_LENGTH:(i + 1) * CHUNK_LENGTH]
            for i in range(CHUNKS)}


class PasswordTooLong(ValueError):
    pass


class PasswordAlreadySet(ValueError):
    pass


def set_password(instance, value):
    """Store ``value`` (str) as the instance's password, once (saves the instance)."""
    if len(value) > MAX_SIZE:
        raise PasswordTooLong("Request is too large.")
    if extract_password(instance.system_metadata):
        raise PasswordAlreadySet("Password already set.")
    instance.system_metadata.update(convert_password(value))
    instance.save()


def clear_password(instance):
    instance.system_metadata.update(convert_password(""))
    instance.save()
