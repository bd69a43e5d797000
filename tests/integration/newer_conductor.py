"""nova-conductor from a tree one object minor version ahead: Instance 1.2.

``python -m tests.integration.newer_conductor --config-file ...`` runs the
real nova-conductor after registering, in its process only, an Instance 1.2
that adds one field (``newer_field``) and drops it again when backported to
1.1. It stands for the conductor of a newer release beside this tree's
computes (conductors are upgraded first), for
tests/integration/test_rpc_bad_messages.py: a compute given an Instance 1.2
asks this conductor to backport it.
"""

import sys

from oslo_utils import versionutils

from nova.cmd import conductor
from nova import objects
from nova.objects import base
from nova.objects import fields
from nova.objects import instance as instance_obj

objects.register_all()


@base.NovaObjectRegistry.register
class Instance(instance_obj.Instance):
    # Version 1.2: newer_field
    VERSION = "1.2"
    fields = dict(instance_obj.Instance.fields,
                  newer_field=fields.StringField(nullable=True))

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 2):
            primitive.pop("newer_field", None)


if __name__ == "__main__":
    sys.exit(conductor.main())
