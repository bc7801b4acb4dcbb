"""Quarry from Python: an embedded Datalog database (ctypes over the C API, libquarry_c).

    import quarry
    conn = quarry.open("people-db")            # or quarry.open_memory()
    conn.transact('[{:db/ident :person/name :db/unique :db.unique/identity}]')
    conn.transact([{quarry.Keyword("person/name"): "Ann", quarry.Keyword("person/age"): 41}])
    conn.q('[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]')
    # frozenset({('Ann', 41)})
    conn.entity([quarry.Keyword("person/name"), "Ann"])
    # {Keyword('db/id'): 1, Keyword('person/age'): 41, Keyword('person/name'): 'Ann'}

Queries, patterns and tx-data are EDN text (a str) or Python data written as EDN; results are
Python values (quarry._edn: keywords as Keyword, sets as frozenset, vectors as tuple, maps as
dict). Failures raise QuarryError, whose .code is the C API's number (quarry.h) and .name the
keyword name ("tx/unique").
"""

import ctypes

from . import _edn
from ._edn import EdnError, FrozenMap, Keyword, Symbol, Tagged
from ._library import load_library

__all__ = ["open", "open_memory", "Connection", "Db", "TxReport", "QuarryError", "Keyword", "Symbol",
           "Tagged", "FrozenMap", "EdnError", "read_edn", "write_edn", "version"]

read_edn = _edn.read
write_edn = _edn.write

# quarry.h's open flags.
_OPEN_MEMORY, _OPEN_READ_ONLY, _OPEN_STRICT_SCHEMA, _OPEN_NO_SYNC, _OPEN_NO_CREATE = 1, 2, 4, 8, 16


class QuarryError(Exception):
    """A failure reported by Quarry: .code (quarry.h's number), .name ("tx/unique"), .message."""

    def __init__(self, code, name, message):
        super().__init__(f":{name} {message}")
        self.code = code
        self.name = name
        self.message = message


def _bind(lib):
    p, s, e = ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)
    out = ctypes.POINTER(ctypes.c_void_p)  # char** results: kept as void* so quarry_free gets them back
    signatures = {
        "quarry_version": (s, []),
        "quarry_error_code": (ctypes.c_int, [p]),
        "quarry_error_name": (s, [p]),
        "quarry_error_message": (s, [p]),
        "quarry_error_free": (None, [p]),
        "quarry_free": (None, [p]),
        "quarry_open": (ctypes.c_int, [s, ctypes.c_uint, out, e]),
        "quarry_close": (None, [p]),
        "quarry_transact": (ctypes.c_int, [p, s, out, e]),
        "quarry_declare_schema": (ctypes.c_int, [p, s, out, e]),
        "quarry_snapshot_latest": (p, [p]),
        "quarry_snapshot_as_of": (p, [p, ctypes.c_int64]),
        "quarry_snapshot_since": (p, [p, ctypes.c_int64]),
        "quarry_snapshot_history": (p, [p]),
        "quarry_snapshot_basis": (ctypes.c_int64, [p]),
        "quarry_snapshot_free": (None, [p]),
        "quarry_q": (ctypes.c_int, [p, s, s, out, e]),
        "quarry_pull": (ctypes.c_int, [p, s, s, out, e]),
        "quarry_entity": (ctypes.c_int, [p, s, out, e]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


_lib = _bind(load_library())


def version():
    """The library's version, "0.1.0"."""
    return _lib.quarry_version().decode()


def _check(code, err):
    """Raises the QuarryError behind a failed call (and frees the C error)."""
    if code == 0:
        return
    if not err.value:  # the error itself could not be allocated
        raise QuarryError(code, "quarry/out-of-memory", "out of memory")
    try:
        raise QuarryError(_lib.quarry_error_code(err), _lib.quarry_error_name(err).decode(),
                          _lib.quarry_error_message(err).decode("utf-8", "replace"))
    finally:
        _lib.quarry_error_free(err)


def _call_text(fn, *args):
    """Calls a C function ending in (char** result, quarry_error** err); returns the result's text."""
    result, err = ctypes.c_void_p(), ctypes.c_void_p()
    _check(fn(*args, ctypes.byref(result), ctypes.byref(err)), err)
    try:
        return ctypes.string_at(result.value).decode("utf-8")
    finally:
        _lib.quarry_free(result)


def _edn_text(value):
    """EDN text: a str is taken as EDN already; anything else is written as EDN."""
    return (value if isinstance(value, str) else _edn.write(value)).encode("utf-8")


class TxReport:
    """What a transaction did: .tx (its id), .tempids ({tempid: entity id}), .datoms (how many)."""
    __slots__ = ("tx", "tempids", "datoms")

    def __init__(self, summary):
        self.tx = summary[Keyword("tx")]
        self.tempids = summary[Keyword("tempids")]
        self.datoms = summary[Keyword("datoms")]

    def __repr__(self):
        return f"TxReport(tx={self.tx}, tempids={self.tempids!r}, datoms={self.datoms})"


class Db:
    """An immutable database value (Connection.db()), or an as-of / since / history view of one.

    Reading it is never disturbed by later transactions. Views of one value can be given together
    to a query: db.q(query, db.as_of(t)) binds $ to db and the next :in source to the view.
    """

    def __init__(self, handle, root=None, expression="$"):
        if not handle:
            raise MemoryError("quarry: out of memory taking a database value")
        self._handle = ctypes.c_void_p(handle)
        self._root = root if root is not None else self  # the value the views are views of
        self._expression = expression                     # this Db in the C API's input syntax

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value and _lib is not None:
            _lib.quarry_snapshot_free(handle)
            handle.value = None

    @property
    def basis(self):
        """The last transaction this value contains."""
        return _lib.quarry_snapshot_basis(self._handle)

    def as_of(self, t):
        """What was true after transaction t."""
        return Db(_lib.quarry_snapshot_as_of(self._handle, int(t)), self._root,
                  f"(as-of {self._expression} {int(t)})")

    def since(self, t):
        """What was asserted after transaction t."""
        return Db(_lib.quarry_snapshot_since(self._handle, int(t)), self._root,
                  f"(since {self._expression} {int(t)})")

    def history(self):
        """Every assertion and retraction (5-tuple patterns see the added flag)."""
        return Db(_lib.quarry_snapshot_history(self._handle), self._root, f"(history {self._expression})")

    def q(self, query, *inputs):
        """Runs `query` with this value as its first input ($) and `inputs` after it, in :in order.
        Other Db inputs must be this value or views of the same value."""
        def database(value):
            if not isinstance(value, Db):
                return None
            if value._root is not self._root:
                raise ValueError("quarry: the databases of one query must be views of one value")
            return value._expression

        text = _edn.write([self, *inputs], database).encode("utf-8")
        return _edn.read(_call_text(_lib.quarry_q, self._root._handle, _edn_text(query), text))

    def pull(self, pattern, eid):
        """The attributes `pattern` names of entity `eid` (an id, a lookup ref [attr value], or an
        ident Keyword) as a dict; None when nothing matches."""
        return _edn.read(_call_text(_lib.quarry_pull, self._handle, _edn_text(pattern), _edn.write(eid).encode()))

    def entity(self, eid):
        """Every attribute of entity `eid` (as for pull) as a dict with :db/id; None when a lookup
        ref or ident finds nothing."""
        return _edn.read(_call_text(_lib.quarry_entity, self._handle, _edn.write(eid).encode()))


class Connection:
    """An open database: its only writer, and the source of its values. Close it with close() (or
    use it in a with block); a RocksDB directory is released when the connection and every Db
    taken from it are gone."""

    def __init__(self, handle):
        self._handle = ctypes.c_void_p(handle)

    def close(self):
        if self._handle.value:
            _lib.quarry_close(self._handle)
            self._handle.value = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_handle", None) is not None and _lib is not None:
            self.close()

    def _open_handle(self):
        if not self._handle.value:
            raise QuarryError(400, "quarry/invalid-argument", "the connection is closed")
        return self._handle

    def transact(self, tx_data):
        """Runs one transaction, all or nothing. tx_data: EDN text, or a list of Python forms."""
        text = _call_text(_lib.quarry_transact, self._open_handle(), _edn_text(tx_data))
        return TxReport(_edn.read(text))

    def declare_schema(self, schema):
        """Declares attributes from a DataScript-style map {attr: {:db/valueType ...}} (or its EDN)."""
        text = _call_text(_lib.quarry_declare_schema, self._open_handle(), _edn_text(schema))
        return TxReport(_edn.read(text))

    def db(self):
        """The latest committed value."""
        return Db(_lib.quarry_snapshot_latest(self._open_handle()))

    def q(self, query, *inputs):
        """db().q(query, *inputs): the latest value is the query's first input."""
        return self.db().q(query, *inputs)

    def pull(self, pattern, eid):
        return self.db().pull(pattern, eid)

    def entity(self, eid):
        return self.db().entity(eid)


def open(path, *, read_only=False, strict_schema=False, sync_writes=True, create=True):
    """Opens (creating if missing, unless create=False) the RocksDB database in directory `path`.
    A directory holding anything else than a Quarry database is refused (:storage/foreign)."""
    flags = ((_OPEN_READ_ONLY if read_only else 0) | (_OPEN_STRICT_SCHEMA if strict_schema else 0)
             | (0 if sync_writes else _OPEN_NO_SYNC) | (0 if create else _OPEN_NO_CREATE))
    return _open(str(path).encode(), flags)


def open_memory(*, strict_schema=False):
    """A new in-memory database (nothing is persisted)."""
    return _open(None, _OPEN_MEMORY | (_OPEN_STRICT_SCHEMA if strict_schema else 0))


def _open(path, flags):
    handle, err = ctypes.c_void_p(), ctypes.c_void_p()
    _check(_lib.quarry_open(path, flags, ctypes.byref(handle), ctypes.byref(err)), err)
    return Connection(handle.value)
