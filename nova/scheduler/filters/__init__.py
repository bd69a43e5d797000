"""Host filters: each drops the hosts that cannot take the requested instance.

A filter class subclasses BaseHostFilter and answers ``host_passes(host_state,
spec_obj)``. [filter_scheduler] available_filters names the classes (or
functions returning lists of classes, like ``all_filters`` here) the
scheduler may use; enabled_filters picks, by class name, the ones it runs.
"""

import importlib
import inspect
import pkgutil

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class BaseHostFilter:
    """One filter. Subclasses implement host_passes()."""

    # Whether the filter applies when an instance is rebuilt on its own host
    # (only filters about the image, not about capacity or placement, do).
    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        raise NotImplementedError()

    def _filter_one(self, host_state, spec_obj):
        return self.host_passes(host_state, spec_obj)

    def filter_all(self, host_states, spec_obj):
        """The hosts that pass, as a generator."""
        for host_state in host_states:
            if self._filter_one(host_state, spec_obj):
                yield host_state

    def run_filter_for_index(self, index):
        """Whether to run for the index-th instance of a multi-create (always)."""
        return True


def _is_filter_class(obj):
    return (inspect.isclass(obj) and issubclass(obj, BaseHostFilter)
            and obj is not BaseHostFilter and not obj.__name__.startswith("_"))


def all_filters():
    """Every filter class in this package (the default available_filters)."""
    classes = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in ("utils", "extra_specs_ops"):
            continue
        module = importlib.import_module("%s.%s" % (__name__, module_info.name))
        for _name, obj in inspect.getmembers(module, _is_filter_class):
            if obj.__module__ == module.__name__:
                classes.append(obj)
    return classes


class HostFilterHandler:
    """Runs filters one after the other over a list of host states."""

    def get_filtered_objects(self, filters, host_states, spec_obj, index=0):
        remaining = list(host_states)
        for host_filter in filters:
            if not host_filter.run_filter_for_index(index):
                continue
            before = len(remaining)
            remaining = list(host_filter.filter_all(remaining, spec_obj))
            LOG.debug("Filter %s returned %d host(s) of %d",
                      type(host_filter).__name__, len(remaining), before)
            if not remaining:
                LOG.info("Filter %s returned 0 hosts for instance %s",
                         type(host_filter).__name__,
                         getattr(spec_obj, "instance_uuid", None))
                break
        return remaining
