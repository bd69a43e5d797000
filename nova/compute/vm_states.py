"""Stable states of an instance (``vm_state``), as reported by the API.

A vm_state says where an instance rests when nothing is happening to it;
``task_state`` (nova.compute.task_states) says what is happening now.
"""

ACTIVE = "active"            # running, or at least powered on
BUILDING = "building"        # being created, not yet running
PAUSED = "paused"            # frozen in memory
SUSPENDED = "suspended"      # memory saved to disk
STOPPED = "stopped"          # powered off, disks kept
RESCUED = "rescued"          # booted from a rescue image
RESIZED = "resized"          # resized, waiting for confirm or revert

# Deleted by the user but kept for [DEFAULT] reclaim_instance_interval.
SOFT_DELETED = "soft-delete"
DELETED = "deleted"
ERROR = "error"

SHELVED = "shelved"                       # shelved, still on its host
SHELVED_OFFLOADED = "shelved_offloaded"   # shelved and removed from its host

ALL_STATES = (ACTIVE, BUILDING, PAUSED, SUSPENDED, STOPPED, RESCUED, RESIZED,
              SOFT_DELETED, DELETED, ERROR, SHELVED, SHELVED_OFFLOADED)

# States from which a soft reboot is allowed.
ALLOW_SOFT_REBOOT = [ACTIVE]
# A hard reboot also recovers these.
ALLOW_HARD_REBOOT = ALLOW_SOFT_REBOOT + [STOPPED, PAUSED, SUSPENDED, ERROR]
ALLOW_TRIGGER_CRASH_DUMP = [ACTIVE, PAUSED, RESCUED, RESIZED, ERROR]
# States in which an instance holds no resources on a compute host.
ALLOW_RESOURCE_REMOVAL = [DELETED, SHELVED_OFFLOADED]
