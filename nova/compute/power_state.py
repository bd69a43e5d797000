"""Power states of an instance as the hypervisor reports them.

Stored as integers in instances.power_state; the API shows the integer in
``OS-EXT-STS:power_state``.
"""

NOSTATE = 0x00
RUNNING = 0x01
PAUSED = 0x03
SHUTDOWN = 0x04   # the domain is off (or gone)
CRASHED = 0x06
SUSPENDED = 0x07

# Names for logs and notifications.
STATE_MAP = {
    NOSTATE: "pending",
    RUNNING: "running",
    PAUSED: "paused",
    SHUTDOWN: "shutdown",
    CRASHED: "crashed",
    SUSPENDED: "suspended",
}
