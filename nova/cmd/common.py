"""What every daemon does before it serves: configuration, logging, messaging.

A configuration problem (a file that cannot be read or parsed, a value of the
wrong type) ends the daemon with exit status 1 and one line on stderr naming
the file and the option, before anything is started.
"""

import re
import sys

from oslo_config import cfg
from oslo_log import log as logging

from nova import concurrency
from nova import config
import nova.conf
from nova.db.main import api as main_db_api
from nova import objects
from nova.objects import base as objects_base
from nova import rpc

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class ConfigError(Exception):
    """A configuration problem, already worded as the one line to print."""


def _location(message):
    found = re.search(r"detail='([^']*)'", message)
    return found.group(1) if found else None


def _value_error(group, name, exc):
    message = str(exc)
    where = _location(message)
    reason = message.split(" is not valid: ", 1)[-1]
    option = "[%s] %s" % (group or "DEFAULT", name)
    if where:
        return "invalid value for option %s in %s: %s" % (option, where, reason)
    return "invalid value for option %s: %s" % (option, reason)


def validate_config(conf=CONF):
    """Read every registered option once, so a bad value is reported now.

    Raises ConfigError naming the first option (and file) whose value does not
    convert to its type or lies outside its bounds or choices.
    """
    for key in list(conf):
        try:
            value = conf[key]
        except (cfg.Error, ValueError) as exc:
            raise ConfigError(_value_error(None, key, exc))
        if isinstance(value, cfg.ConfigOpts.GroupAttr):
            for name in list(value):
                try:
                    value[name]
                except (cfg.Error, ValueError) as exc:
                    raise ConfigError(_value_error(key, name, exc))


def _one_line(text):
    return " ".join(str(text).split())


def parse_args(argv, binary, init_rpc=True, defaults=None):
    """Parse ``argv`` and the config files, validate, set up logging and RPC.

    ``defaults`` maps option names of [DEFAULT] to defaults this daemon sets
    before parsing (nova-all's in-process transport, for instance). Exits with
    status 1 and one line on stderr when the configuration is unusable.
    """
    config.register_logging(CONF)
    rpc.register_opts(CONF)
    for name, value in (defaults or {}).items():
        group, _, opt = name.rpartition(".")
        CONF.set_default(opt, value, group=group or None)
    try:
        config.parse_args(argv, init_rpc=False, setup_logging=False)
        validate_config(CONF)
    except ConfigError as exc:
        _fail(binary, str(exc))
    except cfg.ConfigFilesNotFoundError as exc:
        _fail(binary, "cannot read configuration file(s): %s"
              % ", ".join(exc.config_files))
    except cfg.ConfigFileParseError as exc:
        _fail(binary, "cannot parse configuration file %s: %s" % (exc.config_file, exc.msg))
    except cfg.Error as exc:
        _fail(binary, _one_line(exc))
    logging.setup(CONF, "nova")
    objects.register_all()
    if init_rpc:
        try:
            rpc.init(CONF)
        except Exception as exc:  # e.g. an unknown transport_url scheme
            _fail(binary, "cannot set up messaging from transport_url: %s" % _one_line(exc))
    LOG.info("%s starting (host %s, concurrency backend %s)", binary, CONF.host,
             concurrency.selected())


def _fail(binary, message):
    sys.stderr.write("%s: %s\n" % (binary, _one_line(message)))
    sys.stderr.flush()
    raise SystemExit(1)


def block_db_access(binary):
    """Make any cell database access in this process raise DBNotAllowed."""
    main_db_api.DISABLE_DB_ACCESS = True
    LOG.debug("%s: direct database access disabled", binary)


def use_conductor_for_objects():
    """Send every remotable object method to nova-conductor."""
    from nova.conductor import rpcapi as conductor_rpcapi
    objects_base.NovaObject.indirection_api = conductor_rpcapi.ConductorAPI()


def run(server, workers=None):
    """Serve until stopped by a signal; the process exit status."""
    from nova import service
    service.serve(server, workers=workers)
    return service.wait() or 0
