"""The VMware vCenter virt driver (compute_driver = vmwareapi.VMwareVCDriver)."""

from nova.virt.vmwareapi import driver

VMwareVCDriver = driver.VMwareVCDriver
