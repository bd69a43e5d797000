"""The image store's metadata: a private SQLite file (SQLAlchemy Core, WAL mode).

One writer at a time (an in-process lock plus SQLite's own locking), readers in
parallel. Rows are plain dicts: the core attributes, ``properties`` (extra
properties, name -> string) and ``tags`` (a list).
"""

import threading

import sqlalchemy as sa
from oslo_utils import timeutils

metadata = sa.MetaData()

images = sa.Table(
    "images", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(255)),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("visibility", sa.String(20), nullable=False),
    sa.Column("protected", sa.Boolean, nullable=False, default=False),
    sa.Column("os_hidden", sa.Boolean, nullable=False, default=False),
    sa.Column("checksum", sa.String(32)),
    sa.Column("os_hash_algo", sa.String(64)),
    sa.Column("os_hash_value", sa.String(128)),
    sa.Column("owner", sa.String(255)),
    sa.Column("size", sa.BigInteger),
    sa.Column("virtual_size", sa.BigInteger),
    sa.Column("min_ram", sa.Integer, nullable=False, default=0),
    sa.Column("min_disk", sa.Integer, nullable=False, default=0),
    sa.Column("disk_format", sa.String(32)),
    sa.Column("container_format", sa.String(32)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime),
)

properties = sa.Table(
    "image_properties", metadata,
    sa.Column("image_id", sa.String(36), sa.ForeignKey("images.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text),
)

tags = sa.Table(
    "image_tags", metadata,
    sa.Column("image_id", sa.String(36), sa.ForeignKey("images.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("value", sa.String(255), primary_key=True),
)

members = sa.Table(
    "image_members", metadata,
    sa.Column("image_id", sa.String(36), sa.ForeignKey("images.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("member", sa.String(255), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime),
)

CORE_COLUMNS = tuple(c.name for c in images.columns)

# Sort keys the list accepts and what NULL sorts as (NULL would break keyset paging).
SORT_KEYS = {
    "name": "", "status": "", "container_format": "", "disk_format": "", "owner": "",
    "visibility": "", "id": "", "size": -1, "virtual_size": -1, "min_ram": 0, "min_disk": 0,
    "created_at": None, "updated_at": None,
}


def _on_connect(dbapi_conn, _record):
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class ImageRepo:
    """Image rows in ``path`` (created on first use)."""

    def __init__(self, path):
        self.engine = sa.create_engine(
            "sqlite:///%s" % path,
            connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(self.engine, "connect", _on_connect)
        self._write_lock = threading.Lock()
        metadata.create_all(self.engine)

    def dispose(self):
        self.engine.dispose()

    # -- reads ---------------------------------------------------------------------
    def _load(self, conn, rows):
        result = [dict(row._mapping) for row in rows]
        if not result:
            return result
        ids = [r["id"] for r in result]
        props, tag_lists = {}, {}
        for row in conn.execute(sa.select(properties).where(properties.c.image_id.in_(ids))):
            props.setdefault(row.image_id, {})[row.name] = row.value
        for row in conn.execute(sa.select(tags).where(tags.c.image_id.in_(ids))
                                .order_by(tags.c.value)):
            tag_lists.setdefault(row.image_id, []).append(row.value)
        for image in result:
            image["properties"] = props.get(image["id"], {})
            image["tags"] = tag_lists.get(image["id"], [])
        return result

    def get(self, image_id):
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(images).where(images.c.id == image_id))
            found = self._load(conn, rows)
        return found[0] if found else None

    def get_member(self, image_id, member):
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(members).where(
                members.c.image_id == image_id, members.c.member == member)).first()
        return dict(row._mapping) if row else None

    def list_members(self, image_id):
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(members).where(members.c.image_id == image_id)
                                .order_by(members.c.created_at, members.c.member))
            return [dict(r._mapping) for r in rows]

    def query(self, where, sort, marker_row, limit):
        """Images matching ``where`` (a list of SQL conditions), sorted by ``sort`` (a
        list of ``(key, 'asc'|'desc')``, id appended), after ``marker_row``."""
        sort = list(sort)
        if not any(key == "id" for key, _ in sort):
            sort.append(("id", sort[-1][1] if sort else "desc"))
        exprs = [(self._sort_expr(key), direction) for key, direction in sort]
        conditions = list(where)
        if marker_row is not None:
            conditions.append(self._after(exprs, sort, marker_row))
        stmt = sa.select(images).where(*conditions)
        stmt = stmt.order_by(*[e.asc() if d == "asc" else e.desc() for e, d in exprs])
        stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return self._load(conn, conn.execute(stmt))

    @staticmethod
    def _sort_expr(key):
        column = images.c[key]
        null_as = SORT_KEYS[key]
        if null_as is None:
            return column
        return sa.func.coalesce(column, null_as)

    @staticmethod
    def _after(exprs, sort, marker_row):
        """Keyset condition: rows strictly after the marker in the sort order."""
        values = []
        for key, _ in sort:
            value = marker_row[key]
            values.append(SORT_KEYS[key] if value is None and SORT_KEYS[key] is not None
                          else value)
        clauses = []
        for i, (expr, direction) in enumerate(exprs):
            equal = [exprs[j][0] == values[j] for j in range(i)]
            step = expr > values[i] if direction == "asc" else expr < values[i]
            clauses.append(sa.and_(*equal, step))
        return sa.or_(*clauses)

    # -- writes ----------------------------------------------------------------------
    def create(self, image):
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(images.insert().values(
                **{k: image[k] for k in CORE_COLUMNS if k in image}))
            self._write_children(conn, image["id"], image.get("properties") or {},
                                 image.get("tags") or [])

    def save(self, image):
        """Write every core attribute, property and tag of ``image``; False if gone."""
        with self._write_lock, self.engine.begin() as conn:
            values = {k: image[k] for k in CORE_COLUMNS if k in image and k != "id"}
            values["updated_at"] = timeutils.utcnow()
            done = conn.execute(images.update().where(images.c.id == image["id"])
                                .values(**values)).rowcount
            if not done:
                return False
            conn.execute(properties.delete().where(properties.c.image_id == image["id"]))
            conn.execute(tags.delete().where(tags.c.image_id == image["id"]))
            self._write_children(conn, image["id"], image.get("properties") or {},
                                 image.get("tags") or [])
            image["updated_at"] = values["updated_at"]
            return True

    @staticmethod
    def _write_children(conn, image_id, props, tag_list):
        if props:
            conn.execute(properties.insert(), [
                {"image_id": image_id, "name": k, "value": v} for k, v in props.items()])
        if tag_list:
            conn.execute(tags.insert(), [{"image_id": image_id, "value": t}
                                         for t in dict.fromkeys(tag_list)])

    def transition(self, image_id, from_status, to_status, **values):
        """Set the status (and ``values``) only if it is still ``from_status``."""
        values.update(status=to_status, updated_at=timeutils.utcnow())
        with self._write_lock, self.engine.begin() as conn:
            return bool(conn.execute(
                images.update().where(images.c.id == image_id,
                                      images.c.status == from_status)
                .values(**values)).rowcount)

    def reset_interrupted(self):
        """Images left ``saving`` by a process that stopped mid-upload: back to queued."""
        with self._write_lock, self.engine.begin() as conn:
            return conn.execute(images.update().where(images.c.status == "saving")
                                .values(status="queued",
                                        updated_at=timeutils.utcnow())).rowcount

    def delete(self, image_id):
        with self._write_lock, self.engine.begin() as conn:
            return bool(conn.execute(images.delete().where(images.c.id == image_id)).rowcount)

    def add_member(self, image_id, member):
        now = timeutils.utcnow()
        row = {"image_id": image_id, "member": member, "status": "pending",
               "created_at": now, "updated_at": now}
        with self._write_lock, self.engine.begin() as conn:
            try:
                conn.execute(members.insert().values(**row))
            except sa.exc.IntegrityError:
                return None
        return row

    def set_member_status(self, image_id, member, status):
        now = timeutils.utcnow()
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(members.update().where(
                members.c.image_id == image_id, members.c.member == member)
                .values(status=status, updated_at=now))
        return self.get_member(image_id, member)

    def delete_member(self, image_id, member):
        with self._write_lock, self.engine.begin() as conn:
            return bool(conn.execute(members.delete().where(
                members.c.image_id == image_id, members.c.member == member)).rowcount)
