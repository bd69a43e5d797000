"""Fingerprints of every versioned object.

An object that crosses RPC must not change shape without a version bump:
an older peer would misread it. When this test fails, bump the object's
VERSION (and record the change in its version comment), add
obj_make_compatible() handling for older versions, then update the hash
here: ``python -m tests.unit.objects.test_objects`` prints the current table.
"""

from oslo_versionedobjects import fixture

import nova  # noqa: F401  (chooses the concurrency backend first)
from nova import objects
from nova.objects import base

objects.register_all()

EXPECTED = {
    "Aggregate": "1.0-f315cb68906307ca2d1cca84d4753585",
    "AggregateList": "1.0-d1740032203e567bd1231096cebeff02",
    "BlockDeviceMapping": "1.0-651a8885d8437c6e2ac84bb3e08c5b5a",
    "BlockDeviceMappingList": "1.0-64d5855ad1329af83dcc52f711c28719",
    "BuildRequest": "1.0-077dee42bed93f8a5b62be77657b7152",
    "BuildRequestList": "1.0-cd95608eccb89fbc702c8b52f38ec738",
    "CellMapping": "1.0-934b352232952954663a5c8ddd9d09ac",
    "CellMappingList": "1.0-4b5548fe58dc77e8db8ce1d93ac855f7",
    "ComputeNode": "1.0-45c5bfdd4379b9976a22287baf35ac9b",
    "ComputeNodeList": "1.0-0e7c6d79a2efa9b86b28c6ce927d91a7",
    "ConsoleAuthToken": "1.0-d9dd6d5cfd08d165bcae552d0c13b6a9",
    "Destination": "1.0-3b440d29459e2c98987ad5b25ad1cb2c",
    "FixedIP": "1.0-68d3487da01ece4b0aa7afedf38905f9",
    "FixedIPList": "1.0-5c3ef2bb230f410e639e2091492d7816",
    "Flavor": "1.0-83cd7e8d7d276b738d6a2357ebf88a71",
    "FlavorList": "1.1-a4e9278166703fa4d7037e413a3b0596",
    "HostMapping": "1.0-1a3390a696792a552ab7bd31a77ba9ac",
    "HostMappingList": "1.0-18ac2bfb8c1eb5545bed856da58a79bc",
    "ImageMeta": "1.0-642d1b2eb3e880a367f37d72dd76162d",
    "ImageMetaProps": "1.0-39cc169e982c3fcf9e6f812963bdc4ba",
    "Instance": "1.1-d8e4829e131cea7f25f6bc0f1dda2f0a",
    "InstanceAction": "1.0-f9f293e526b66fca0d05c3b3a2d13914",
    "InstanceActionEvent": "1.0-813036daf0e2fa4a2268d5bcde213fda",
    "InstanceActionEventList": "1.0-13d92fb953030cdbfee56481756e02be",
    "InstanceActionList": "1.0-eb5bd19316bf604c61901c0d53583fba",
    "InstanceExternalEvent": "1.0-19d628b1e8e7388e0247d7ec1fe8a2a5",
    "InstanceFault": "1.0-7ef01f16f1084ad1304a513d6d410a38",
    "InstanceFaultList": "1.0-c7d152d48fe7823dfb723de6d4ff022a",
    "InstanceGroup": "1.0-86c188585dd907a038cca4d7f337721b",
    "InstanceGroupList": "1.0-90f8f1a445552bb3bbc9fa1ae7da27d4",
    "InstanceInfoCache": "1.0-7dcaa706b4e86235608329e02588c10a",
    "InstanceList": "1.0-a803f277cd256d3ab11a58de70f07f02",
    "InstanceMapping": "1.0-bc82537ca278eb17e11f7a89ad170984",
    "InstanceMappingList": "1.0-e97e577b23af56c6681604819cff612f",
    "KeyPair": "1.0-526f3380ca27c1fb6a144ead7ac8497c",
    "KeyPairList": "1.0-94aad3ac5c938eef4b5e83da0212f506",
    "Migration": "1.0-961fd21dfa393e61ac8ce4189f2de814",
    "MigrationList": "1.0-5ac93d06c253bc3423b93520a8328286",
    "NetworkRequest": "1.0-d8ae7566ff10433aaeeb973f29fac259",
    "NetworkRequestList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Quotas": "1.0-340c2fb716e6f826219d49935378b415",
    "QuotasNoOp": "1.0-340c2fb716e6f826219d49935378b415",
    "RequestGroup": "1.0-0458d350a8ec9d0673f9be5640a990ce",
    "RequestLevelParams": "1.0-3a718a0ae0bfdec669e7108631b3f313",
    "RequestSpec": "1.1-095a2fd4000031ea2f8cedd72bb9248c",
    "SchedulerLimits": "1.0-6e8369a41aa2cbcbe468ab69bc4f5c50",
    "SchedulerRetries": "1.0-3c9c8b16143ebbb6ad7030e999d14cc0",
    "Selection": "1.0-548e3c2f04da2a61ceaf9c4e1589f264",
    "Service": "1.0-06d2d5efa0e5285aa3e81c65ac45f148",
    "ServiceList": "1.0-567354285c0092695492ceeab9cc614c",
    "Tag": "1.0-8b8d7d5b48887651a0e01241672e2963",
    "TaskLog": "1.0-2d329b379ee6c122b707822840cdcc66",
    "TaskLogList": "1.0-cc8cce1af8a283b9d28b55fcd682e777",
    "TagList": "1.0-729cb9df0d1ea68e80a8bd25be8b9045",
}


def _nova_classes():
    """nova's objects in oslo.versionedobjects' registry, which other
    libraries in the process (os-vif) share."""
    found = {}
    for name, classes in base.NovaObjectRegistry.obj_classes().items():
        ours = [cls for cls in classes if cls.OBJ_PROJECT_NAMESPACE == "nova"]
        if ours:
            found[name] = ours
    return found


def _checker():
    return fixture.ObjectVersionChecker(_nova_classes())


def test_every_object_has_the_recorded_fingerprint():
    expected, actual = _checker().test_hashes(EXPECTED)
    assert expected == actual, (
        "Objects changed without a version bump (or new objects are missing from "
        "EXPECTED): %s" % sorted(set(expected) ^ set(actual) |
                                 {k for k in expected if expected.get(k) != actual.get(k)}))


def test_every_registered_object_is_reachable_by_name():
    for name, classes in _nova_classes().items():
        assert getattr(objects, name) is classes[0]


def test_lists_hold_registered_objects():
    for name, classes in _nova_classes().items():
        cls = classes[0]
        if issubclass(cls, base.ObjectListBase):
            item = cls.fields["objects"]._type._element_type._type._obj_name
            assert item in base.NovaObjectRegistry.obj_classes(), (name, item)


if __name__ == "__main__":
    for key, value in sorted(_checker().get_hashes().items()):
        print('    "%s": "%s",' % (key, value))
