"""Command-line and config-file parsing shared by every daemon and tool."""

from oslo_log import log as logging

import nova.conf
from nova import version

CONF = nova.conf.CONF
_log_registered = False


def register_logging(conf=CONF):
    global _log_registered
    if not _log_registered:
        logging.register_options(conf)
        _log_registered = True


def parse_args(argv, default_config_files=None, init_rpc=True, setup_logging=True):
    """Load config files and options; optionally set up logging and RPC.

    ``argv`` is sys.argv-shaped: argv[0] (the program) is skipped.
    """
    register_logging(CONF)
    from nova import rpc  # registers the messaging options before parsing
    rpc.register_opts(CONF)
    CONF(argv[1:], project="nova", version=version.version_string(),
         default_config_files=default_config_files)
    if setup_logging:
        logging.setup(CONF, "nova")
    if init_rpc:
        rpc.init(CONF)
