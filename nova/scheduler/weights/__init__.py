"""Host weighers: each scores the hosts that passed the filters.

A weigher's raw values are normalised to 0..1 over the candidate hosts and
multiplied by the weigher's multiplier (a [filter_scheduler] option, which a
host's aggregate metadata may override); the host with the highest summed
weight wins. [filter_scheduler] weight_classes names the weighers used.
"""

import importlib
import inspect
import pkgutil


def normalize(weights, minval=None, maxval=None):
    """Scale ``weights`` to 0..1 (all 0 when they are all equal)."""
    weights = list(weights)
    if not weights:
        return []
    maxval = max(weights) if maxval is None else maxval
    minval = min(weights) if minval is None else minval
    span = maxval - minval
    if span == 0:
        return [0.0] * len(weights)
    return [(w - minval) / span for w in weights]


class WeighedHost:
    """A host state with its accumulated weight."""

    def __init__(self, obj, weight):
        self.obj = obj
        self.weight = weight

    def __repr__(self):
        return "WeighedHost [host: %r, weight: %s]" % (self.obj, self.weight)


class BaseHostWeigher:
    """One weigher. Subclasses implement _weigh_object() and weight_multiplier()."""

    # Fixed bounds for normalisation; None: the min/max of the values seen.
    minval = None
    maxval = None

    def weight_multiplier(self, host_state):
        return 1.0

    def _weigh_object(self, host_state, weight_properties):
        raise NotImplementedError()

    def weigh_objects(self, weighed_objs, weight_properties):
        """Raw weights of every host (in order); records observed bounds."""
        return [self._weigh_object(obj.obj, weight_properties) for obj in weighed_objs]


class HostWeightHandler:
    def get_weighed_objects(self, weighers, obj_list, weight_properties):
        weighed = [WeighedHost(obj, 0.0) for obj in obj_list]
        if len(weighed) <= 1:
            return weighed
        for weigher in weighers:
            raw = weigher.weigh_objects(weighed, weight_properties)
            for obj, weight in zip(weighed, normalize(raw, weigher.minval,
                                                      weigher.maxval)):
                obj.weight += weigher.weight_multiplier(obj.obj) * weight
        return sorted(weighed, key=lambda w: w.weight, reverse=True)


def _is_weigher_class(obj):
    return (inspect.isclass(obj) and issubclass(obj, BaseHostWeigher)
            and obj is not BaseHostWeigher and not obj.__name__.startswith("_"))


def all_weighers():
    """Every weigher class in this package (the default weight_classes)."""
    classes = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module("%s.%s" % (__name__, module_info.name))
        for _name, obj in inspect.getmembers(module, _is_weigher_class):
            if obj.__module__ == module.__name__:
                classes.append(obj)
    return classes
