"""Domain XML from the guest configuration model, compared as XML trees."""

from xml.etree import ElementTree

from nova.virt.libvirt import config
from tests.unit.virt.libvirt import fixtures


def assert_xml_equal(actual, expected):
    def canon(text):
        return ElementTree.canonicalize(text, strip_text=True)
    assert canon(actual) == canon(expected)


def test_disk_interface_serial_graphics():
    assert_xml_equal(
        ElementTree.tostring(config.GuestDisk("/i/disk", "vda", "qcow2").format_dom(),
                             encoding="unicode"),
        """<disk type="file" device="disk"><driver name="qemu" type="qcow2" cache="none"/>
           <source file="/i/disk"/><target dev="vda" bus="virtio"/></disk>""")
    assert_xml_equal(
        ElementTree.tostring(config.GuestInterface("fa:16:3e:00:00:01", "bridge", "br100",
                                                   "tap1234", mtu=1450).format_dom(),
                             encoding="unicode"),
        """<interface type="bridge"><mac address="fa:16:3e:00:00:01"/>
           <source bridge="br100"/><target dev="tap1234"/><model type="virtio"/>
           <mtu size="1450"/></interface>""")
    assert_xml_equal(
        ElementTree.tostring(config.GuestSerial("/i/console.log").format_dom(),
                             encoding="unicode"),
        """<serial type="pty"><log file="/i/console.log" append="on"/>
           <target port="0"/></serial>""")
    assert_xml_equal(
        ElementTree.tostring(config.GuestGraphics("spice", "127.0.0.1").format_dom(),
                             encoding="unicode"),
        '<graphics type="spice" autoport="yes" listen="127.0.0.1"/>')


def test_ovs_interface_has_a_virtualport():
    xml = ElementTree.tostring(config.GuestInterface(
        "fa:16:3e:00:00:02", "bridge", "br-int", "tapabc", virtualport="openvswitch",
        interface_id="port-1").format_dom(), encoding="unicode")
    assert_xml_equal(xml, """<interface type="bridge"><mac address="fa:16:3e:00:00:02"/>
        <source bridge="br-int"/><virtualport type="openvswitch">
        <parameters interfaceid="port-1"/></virtualport><target dev="tapabc"/>
        <model type="virtio"/></interface>""")


def test_whole_domain_with_direct_kernel_boot_and_nova_metadata():
    instance = fixtures.make_instance(instance_id=7, image_ref="img-1", swap=0)
    conf = config.GuestConfig("qemu", "instance-00000007", instance.uuid, 256, 2)
    conf.cpu = config.GuestCPU("host-passthrough")
    conf.os_kernel, conf.os_initrd = "/i/kernel", "/i/ramdisk"
    conf.os_cmdline = "console=ttyS0"
    conf.metadata.append(config.NovaInstanceMeta(
        "vm7", "2026-01-02 03:04:05", instance.flavor, owner_user=("u1", "alice"),
        owner_project=("p1", "demo"), root_image="img-1"))
    conf.devices.append(config.GuestDisk("/i/disk", "vda"))
    expected = """
    <domain type="qemu" xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <name>instance-00000007</name><uuid>%s</uuid>
      <metadata><nova:instance><nova:package version="0.1.0"/><nova:name>vm7</nova:name>
        <nova:creationTime>2026-01-02 03:04:05</nova:creationTime>
        <nova:flavor name="m1.tiny"><nova:memory>128</nova:memory><nova:disk>1</nova:disk>
          <nova:swap>0</nova:swap><nova:ephemeral>0</nova:ephemeral>
          <nova:vcpus>1</nova:vcpus></nova:flavor>
        <nova:owner><nova:user uuid="u1">alice</nova:user>
          <nova:project uuid="p1">demo</nova:project></nova:owner>
        <nova:root type="image" uuid="img-1"/></nova:instance></metadata>
      <memory unit="KiB">262144</memory><vcpu>2</vcpu>
      <os><type>hvm</type><kernel>/i/kernel</kernel><initrd>/i/ramdisk</initrd>
        <cmdline>console=ttyS0</cmdline></os>
      <features><acpi/><apic/></features>
      <cpu mode="host-passthrough"/>
      <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>
      <on_crash>destroy</on_crash>
      <devices><disk type="file" device="disk"><driver name="qemu" type="qcow2"
        cache="none"/><source file="/i/disk"/><target dev="vda" bus="virtio"/></disk>
      </devices>
    </domain>""" % instance.uuid
    assert_xml_equal(conf.to_xml(), expected)


def test_custom_cpu_model_and_boot_from_disk():
    conf = config.GuestConfig("kvm", "n", "u", 64, 1)
    conf.cpu = config.GuestCPU("custom", "Haswell", sockets=1, cores=2, threads=1)
    root = ElementTree.fromstring(conf.to_xml())
    assert root.find("os/boot").get("dev") == "hd"
    assert root.find("os/kernel") is None
    cpu = root.find("cpu")
    assert (cpu.get("mode"), cpu.get("match"), cpu.findtext("model")) == \
        ("custom", "exact", "Haswell")
    assert cpu.find("topology").attrib == {"sockets": "1", "cores": "2", "threads": "1"}
