"""ConsoleAuthToken: the right to open one console of one instance for a while.

The token itself is a random string handed to the user inside the console
URL; the cell database keeps only its SHA-256, with where the console is
(host, port, internal access path) and when the right expires. A console
proxy turns a token back into those details with ``validate``.
"""

import hashlib
from urllib import parse as urlparse

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

import nova.conf
from nova.db.main import console_auth_tokens as db
from nova import exception
from nova.objects import base
from nova.objects import fields

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def token_hash(token):
    """The SHA-256 (hex) the database keys a token by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@base.NovaObjectRegistry.register
class ConsoleAuthToken(base.NovaTimestampObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        # novnc, spice-html5, serial, ...: what the proxy must speak.
        "console_type": fields.StringField(nullable=False),
        # Where the console server listens, as the proxy reaches it.
        "host": fields.StringField(nullable=False),
        "port": fields.IntegerField(nullable=False),
        "tls_port": fields.IntegerField(nullable=True),
        # A path or query the proxy sends after connecting (None for most).
        "internal_access_path": fields.StringField(nullable=True),
        "instance_uuid": fields.UUIDField(nullable=False),
        # The public URL of the console client; the token is appended to it.
        "access_url_base": fields.StringField(nullable=True),
        # The clear token: known only to the object that issued it.
        "token": fields.StringField(nullable=False),
        # UNIX time after which the token is refused.
        "expires": fields.IntegerField(nullable=False),
    }

    @property
    def access_url(self):
        """The URL a user opens (the token in it), once the token is issued."""
        if not self.obj_attr_is_set("id") or not self.obj_attr_is_set("token"):
            return None
        if self.console_type == "novnc":
            # noVNC 1.x reads the WebSocket path (with its query) from ?path=.
            query = urlparse.urlencode({"path": "?token=%s" % self.token})
        else:
            query = urlparse.urlencode({"token": self.token})
        separator = "&" if "?" in (self.access_url_base or "") else "?"
        return "%s%s%s" % (self.access_url_base or "", separator, query)

    @staticmethod
    def _from_db_object(context, obj, db_obj):
        # The token is not in the database: only its hash is.
        for name in obj.fields:
            if name != "token":
                setattr(obj, name, db_obj[name])
        obj._context = context
        obj.obj_reset_changes()
        return obj

    @base.remotable
    def authorize(self, ttl=None):
        """Issue the token: store its hash with the console's details; the token.

        ``ttl`` (seconds) defaults to [consoleauth] token_ttl.
        """
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="authorize",
                                              reason="the token is already issued")
        ttl = CONF.consoleauth.token_ttl if ttl is None else ttl
        token = uuidutils.generate_uuid()
        values = {name: getattr(self, name) for name in
                  ("console_type", "host", "port", "tls_port", "internal_access_path",
                   "instance_uuid", "access_url_base") if self.obj_attr_is_set(name)}
        values["token_hash"] = token_hash(token)
        values["expires"] = int(timeutils.utcnow_ts()) + int(ttl)
        row = db.console_auth_token_create(self._context, values)
        self._from_db_object(self._context, self, row)
        self.token = token
        LOG.debug("Issued a %s console token for instance %s (expires %s)",
                  self.console_type, self.instance_uuid, self.expires)
        return token

    @base.remotable_classmethod
    def validate(cls, context, token, instance_uuid=None):
        """The token's console details; InvalidToken when unknown, expired or
        its instance is gone."""
        row = db.console_auth_token_get_valid(context, token_hash(token or ""),
                                              instance_uuid=instance_uuid)
        if row is None:
            raise exception.InvalidToken(token="***")
        obj = cls._from_db_object(context, cls(), row)
        obj.token = token
        obj.obj_reset_changes(["token"])
        return obj

    @base.remotable_classmethod
    def clean_console_auths_for_instance(cls, context, instance_uuid):
        """Revoke every token of the instance (it was deleted or moved)."""
        count = db.console_auth_token_destroy_all_by_instance(context, instance_uuid)
        if count:
            LOG.info("Revoked %d console token(s) of instance %s", count, instance_uuid)
        return count

    @base.remotable_classmethod
    def clean_expired_console_auths(cls, context, host=None):
        """Delete expired tokens (of ``host`` only, if given); how many."""
        return db.console_auth_token_destroy_expired(context, host=host)
