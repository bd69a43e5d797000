"""Database transactions that span several object calls.

Objects open their own transactions; a caller that wants several object
writes to commit together (all or none) wraps them in one of these, and
every object call inside joins it instead of committing on its own.
"""

from nova.db.api import api as api_db
from nova.db.main import api as main_db


def api_writer(context):
    """One API-database write transaction for the block (a context manager)."""
    return api_db.get_context_manager().writer.using(context)


def cell_writer(context):
    """One write transaction in the cell database ``context`` targets."""
    return main_db.get_context_manager(context).writer.using(context)
