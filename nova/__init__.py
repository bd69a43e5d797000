"""nova: an OpenStack Compute control plane."""

import warnings

# eventlet warns on import that it is deprecated; the oslo libraries import it
# even in the threading backend, and the warning would clutter every daemon's
# stderr (which carries the one-line configuration errors).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
# eventlet's green DNS imports dnspython's DNSSEC module, whose DSA support
# warns at import under recent cryptography releases (51 here); nothing here
# uses DNSSEC.
warnings.filterwarnings("ignore", message=r"DSA is deprecated", module=r"dns\.")

from nova import concurrency as _concurrency  # noqa: E402

# Before any oslo library (or the standard library through them) is used.
_concurrency.select()
