"""obj_what_changed looks into the nested objects only, with the same answer as
oslo.versionedobjects' own implementation."""

from oslo_versionedobjects import base as ovo_base

from nova import objects
from nova.objects import base


def _reference(obj):
    return ovo_base.VersionedObject.obj_what_changed(obj)


def test_same_answer_as_the_library_on_flat_and_nested_changes():
    objects.register_all()
    flavor = objects.Flavor(id=1, name="f", memory_mb=1, vcpus=1, root_gb=1,
                            ephemeral_gb=0, swap=0, flavorid="1", extra_specs={})
    flavor.obj_reset_changes()
    instance = objects.Instance(uuid="4c1b1a2e-8d1e-4f57-9a55-3f4a3b1b9d00",
                                display_name="a", flavor=flavor)
    instance.obj_reset_changes(recursive=True)
    assert instance.obj_what_changed() == _reference(instance) == set()
    instance.display_name = "b"
    assert instance.obj_what_changed() == _reference(instance) == {"display_name"}
    instance.obj_reset_changes()
    flavor.name = "g"                      # a change inside the nested object
    assert instance.obj_what_changed() == _reference(instance) == {"flavor"}
    instance.tags = objects.TagList(objects=[])
    assert instance.obj_what_changed() == _reference(instance) == {"flavor", "tags"}


def test_only_fields_that_hold_objects_are_looked_into():
    names = base._object_fields(objects.Instance)
    assert "flavor" in names and "display_name" not in names
    assert len(names) < len(objects.Instance.fields) / 2
