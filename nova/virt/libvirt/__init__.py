"""The libvirt virt driver (compute_driver = libvirt.LibvirtDriver)."""

from nova.virt.libvirt import driver

LibvirtDriver = driver.LibvirtDriver
