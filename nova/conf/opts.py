"""Entry point of oslo-config-generator: every option nova defines, by group."""

import collections

from oslo_log import _options as oslo_log_opts

import nova.conf


def list_opts():
    grouped = collections.OrderedDict()
    for module in nova.conf.MODULES:
        for group, opts in module.list_opts().items():
            grouped.setdefault(group, []).extend(opts)
    # oslo.log options are part of every daemon's command line and file.
    grouped.setdefault("DEFAULT", []).extend(oslo_log_opts.list_opts()[0][1])
    # oslo.messaging's: transport_url, control_exchange, [oslo_messaging_*].
    from nova import rpc
    for group, opts in rpc.list_opts():
        grouped.setdefault(group, []).extend(opts)
    return [(group, opts) for group, opts in grouped.items()]
