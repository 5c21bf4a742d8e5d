"""The hot statements on PostgreSQL, run straight on the DBAPI cursor.

Every message runs the same dozen prebuilt statements (the claims, the party and gate
reads, the contact INSERT, the outbox row, the evidence append). Through `Session.execute`
each one cost about 0.1 ms of CPU in SQLAlchemy's layers (ORM execution, compiled-cache
lookup, execution context, result metadata) on top of psycopg2's own work: more than the
statement itself. `execute` compiles such a statement once for the dialect and then runs
it on the session's own connection, inside the session's transaction, with the same bind
and result conversions the compiled statement has (`UTCDateTime` stays aware UTC).

Kept from the ordinary path: the engine's `before_cursor_execute` /
`after_cursor_execute` listeners see every statement (statement counts, tests' fault
hooks); a DBAPI error goes through the connection's own handler, so a dropped server
connection is recognised, the pool invalidated and the error wrapped as
`sqlalchemy.exc.DBAPIError` exactly as before (the pipeline's retries rely on it); the
session's pending ORM changes are flushed first (autoflush). SQLite keeps
`Session.execute`: its type conversions (aware datetimes stored naive) live in
SQLAlchemy, and its statements are not the hot path of a multi-process deployment.

Each such statement is also prepared on the server, once per connection (`PREPARE`,
then `EXECUTE` with the values): PostgreSQL then plans it once (planning the hot
statements cost the server more than running them, 0.4-0.6 ms each, and the client sends
a shorter text). The first use on a connection sends the `PREPARE` and the `EXECUTE` in
one round trip. A statement the server cannot prepare (a parameter whose type it cannot
infer) is found out once per process, in a savepoint when in a transaction, and then
always runs as before. Listeners see the statement's own SQL; one that rewrites it gets
its rewrite run as is, unprepared. Prepared statements are kept by the server across
transactions (even rolled-back ones), so a name that may exist after a failure is never
reused on that connection.

Only for Core statements built once (cached by the caller): the compiled form is kept per
statement object. An expanding IN parameter (`status IN (...)`, the history's account ids)
travels as one tuple, which psycopg2 renders as the parenthesised list; an empty one goes
the ordinary way (`IN ()` is not SQL).
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections import namedtuple
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


class Rows:
    """The part of SQLAlchemy's `Result` the store's callers use: `first`, `scalar`,
    `all`, iteration and `rowcount`; rows are named tuples (attribute access by column)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: List[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> Optional[Any]:
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def all(self) -> List[Any]:
        return list(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class _Prepared:
    """One statement compiled for one dialect: its SQL, the literal parameters compiled
    into it, the bind conversions, and the result row's shape and conversions."""

    __slots__ = ("sql", "defaults", "required", "expanding", "binds", "row", "results",
                 "name", "server_sql", "execute_sql", "preparable")

    def __init__(self, statement: Any, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        # SQLAlchemy renders an expanding IN per call; psycopg2 renders a tuple as one
        self.sql: str = _POSTCOMPILE.sub(r"%(\1)s", compiled.string)
        self.expanding = frozenset(compiled.bind_names[bind] for bind in compiled.bind_names
                                   if bind.expanding)
        #: the server-side form (`PREPARE name AS server_sql`, `execute_sql` with the
        #: values); None until it is known whether the server can prepare it
        self.name = f"collectbot_{next(_serial)}"
        self.server_sql, self.execute_sql = server_form(self.sql, self.name, self.expanding)
        self.preparable: Optional[bool] = None
        # the literals compiled into the statement ("claimed", the `+ 1`), and the names
        # each call must give
        self.defaults: Dict[str, Any] = {
            compiled.bind_names[bind]: bind.effective_value
            for bind in compiled.bind_names if not bind.required}
        self.required = frozenset(compiled.bind_names[bind]
                                  for bind in compiled.bind_names if bind.required)
        self.binds: Tuple[Tuple[str, Callable[[Any], Any]], ...] = tuple(
            (name, fn) for name, fn in compiled._bind_processors.items()
            if fn is not None)
        columns = compiled._result_columns
        selected = getattr(statement, "selected_columns", None)
        if selected is not None and getattr(statement, "is_select", False):
            # a SELECT over a CTE that is an UPDATE ... RETURNING: SQLAlchemy lists the
            # CTE's RETURNING columns after the SELECT's own, which are all the rows carry
            columns = columns[:len(selected)]
        self.row: Optional[Any] = None
        #: (column index, result processor, whether the processor maps None to None: a
        #: NULL in such a column is left as it is, which saves a call per NULL per row)
        self.results: Tuple[Tuple[int, Callable[[Any], Any], bool], ...] = ()
        if columns:
            self.row = namedtuple("Row", [c[0] for c in columns], rename=True)  # type: ignore[misc]
            processors = []
            for index, column in enumerate(columns):
                fn = column[3]._cached_result_processor(dialect, None)
                if fn is not None:
                    processors.append((index, fn, _keeps_none(fn)))
            self.results = tuple(processors)

    def params(self, given: Mapping[str, Any]) -> Dict[str, Any]:
        missing = self.required.difference(given)
        if missing:
            raise ValueError(f"a value is required for {', '.join(sorted(missing))}")
        params = dict(self.defaults)
        params.update(given)
        for name, fn in self.binds:
            if name in params and name not in self.expanding:
                params[name] = fn(params[name])
        for name in self.expanding:
            values = params[name]
            if not values:
                raise _Empty(name)
            processor = dict(self.binds).get(name)
            params[name] = tuple(processor(v) for v in values) if processor else tuple(values)
        return params

    def shape(self, raw: List[tuple]) -> List[Any]:
        make = self.row._make  # type: ignore[union-attr]
        if not self.results:
            return [make(r) for r in raw]
        rows = []
        for r in raw:
            values = list(r)
            for index, fn, keeps_none in self.results:
                value = values[index]
                if value is not None or not keeps_none:
                    values[index] = fn(value)
            rows.append(make(values))
        return rows


def _keeps_none(fn: Callable[[Any], Any]) -> bool:
    """Whether a result processor turns NULL into None (asked once per column when a
    statement is prepared): most do, and skipping them for NULLs is what SQLAlchemy's own
    C row processors do; one that raises on None or makes something of it is always called."""
    try:
        return fn(None) is None
    except Exception:
        return False


def server_form(sql: str, name: str, expanding: frozenset) -> Tuple[str, str]:
    """`sql` with numbered parameters for `PREPARE name AS ...` (an expanding IN becomes
    `= ANY(array)`, whose value then travels as a list), and the `EXECUTE` that runs it
    with psycopg2's named parameters (each value once, in the numbering's order)."""
    order: List[str] = []

    def place(key: str) -> str:
        if key not in order:
            order.append(key)
        return f"${order.index(key) + 1}"

    def number(match: re.Match[str]) -> str:
        key = match.group("key")
        if match.group("list") is None:
            return place(key)
        return f" {'<> ALL' if match.group('negated') else '= ANY'}({place(key)})"

    listed = "|".join(re.escape(key) for key in sorted(expanding)) or "(?!)"
    server = re.sub(rf"(?P<list>\s+(?P<negated>NOT\s+)?IN\s+(?=%\(({listed})\)s))?"
                    r"%\((?P<key>\w+)\)s", number, sql)
    arguments = ", ".join(f"%({key})s" for key in order)
    return server, f"EXECUTE {name}({arguments})" if order else f"EXECUTE {name}"


class _Empty(Exception):
    """An empty expanding IN parameter: the statement goes the ordinary way."""


_POSTCOMPILE = re.compile(r"\(__\[POSTCOMPILE_(\w+)\]\)")
_prepared: Dict[Tuple[int, str], Optional[_Prepared]] = {}
_statements: Dict[int, Any] = {}  # keeps each prepared statement alive (its id is the key)
_lock = threading.Lock()
_serial = itertools.count(1)
#: per DBAPI connection: the statements prepared on it (statement name -> name used there)
#: and the names that may exist there after a failure (never used again on it)
_on_connection: weakref.WeakKeyDictionary[Any, Dict[str, str]] = weakref.WeakKeyDictionary()
#: an `EXECUTE` text -> the statement's own SQL (what a wire-level counter should name)
executed_as: Dict[str, str] = {}


def _prepare(statement: Any, dialect: Any) -> Optional[_Prepared]:
    key = (id(statement), dialect.name)
    found = _prepared.get(key, False)
    if found is not False:
        return found  # type: ignore[return-value]
    prepared: Optional[_Prepared] = _Prepared(statement, dialect)
    if "POSTCOMPILE" in prepared.sql:  # type: ignore[union-attr]
        prepared = None  # a form not rewritten above: SQLAlchemy renders it per call
    with _lock:
        _statements[id(statement)] = statement
        _prepared[key] = prepared
    return prepared


def execute(s: Union[Session, Connection], statement: Any,
            params: Optional[Mapping[str, Any]] = None) -> Any:
    """Run `statement` (a Core statement built once) in the transaction of `s` (a session,
    or a Core connection from `bot.store.db.connection_scope`): on PostgreSQL on the raw
    cursor (see the module docstring), elsewhere with `s.execute`. Returns a `Rows`
    (PostgreSQL) or SQLAlchemy's `Result`: both offer first, scalar, all, iteration and
    rowcount."""
    params = params or {}
    if isinstance(s, Session):
        s._autoflush()  # what the session holds is written first, as Session.execute does
        conn = s.connection()
    else:
        conn = s
    dialect = conn.dialect
    prepared = _prepare(statement, dialect) if dialect.name == "postgresql" else None
    if prepared is None:
        return s.execute(statement, params)
    try:
        values = prepared.params(params)
    except _Empty:
        return s.execute(statement, params)
    sql = prepared.sql
    dbapi_conn = conn.connection
    events = conn._has_events or conn.engine._has_events
    try:
        cursor = dbapi_conn.cursor()
    except BaseException as error:
        conn._handle_dbapi_exception(error, sql, values, None, None)
        raise
    try:
        if events:
            for fn in conn.dispatch.before_cursor_execute:
                sql, values = fn(conn, cursor, sql, values, None, False)
        if sql is prepared.sql and prepared.preparable is not False:
            _execute_prepared(dbapi_conn.dbapi_connection, cursor, prepared, values)
        else:
            cursor.execute(sql, values)
        if events:
            for fn in conn.dispatch.after_cursor_execute:
                fn(conn, cursor, sql, values, None, False)
        description = cursor.description
        raw = cursor.fetchall() if description is not None else []
        rowcount = cursor.rowcount
    except BaseException as error:
        conn._handle_dbapi_exception(error, sql, values, cursor, None)
        raise
    finally:
        cursor.close()
    if raw and prepared.row is None:  # a text statement: its shape is known now
        prepared.row = namedtuple(  # type: ignore[misc]
            "Row", [d[0] for d in description], rename=True)
    return Rows(prepared.shape(raw) if raw else [], rowcount)


class _OnConnection:
    """What one DBAPI connection has prepared: statement name -> the name used there, and
    how many names each statement has tried there (a tried name may exist after a
    failure, so it is never used again on this connection)."""

    __slots__ = ("ready", "tried", "__weakref__")

    def __init__(self) -> None:
        self.ready: Dict[str, str] = {}
        self.tried: Dict[str, int] = {}


def _execute_prepared(dbapi_conn: Any, cursor: Any, prepared: _Prepared,
                      values: Dict[str, Any]) -> None:
    """Run `prepared` with `values` as a statement prepared on `dbapi_conn` (see the module
    docstring): `EXECUTE` when it is prepared there already, else `PREPARE` and `EXECUTE`
    in one round trip; the first time in the process, the `PREPARE` alone (in a
    savepoint inside a transaction), and if the server refuses it the statement runs
    unprepared from then on."""
    state = _on_connection.get(dbapi_conn)
    if state is None:
        with _lock:
            state = _on_connection.setdefault(dbapi_conn, _OnConnection())
    name = state.ready.get(prepared.name)
    prepare = None
    if name is None:  # not prepared on this connection (yet, or any more)
        tried = state.tried.get(prepared.name, 0)
        state.tried[prepared.name] = tried + 1
        name = prepared.name if not tried else f"{prepared.name}_{tried}"
        prepare = f"PREPARE {name} AS {prepared.server_sql}"
        if prepared.preparable is None:  # the first time in this process: alone
            if not _prepare_first(dbapi_conn, cursor, prepared, prepare):
                cursor.execute(prepared.sql, values)  # as before: it cannot be prepared
                return
            state.ready[prepared.name] = name
            prepare = None
    for key in prepared.expanding:  # `= ANY(array)`: a list, not psycopg2's IN tuple
        values = {**values, key: list(values[key])}
    execute = _execute_text(prepared, name)
    try:
        cursor.execute(execute if prepare is None else f"{prepare}; {execute}", values)
    except BaseException:
        # whatever failed, the next use prepares anew under a new name (a statement
        # deallocated behind our back must not fail every time)
        state.ready.pop(prepared.name, None)
        raise
    state.ready[prepared.name] = name


def _prepare_first(dbapi_conn: Any, cursor: Any, prepared: _Prepared, prepare: str) -> bool:
    """The process's first `PREPARE` of `prepared`, alone: whether the server took it (it
    is then prepared on `dbapi_conn`, and recorded so); a refusal leaves the caller's
    transaction as it was and the statement unprepared from then on."""
    import psycopg2

    in_transaction = not dbapi_conn.autocommit and \
        dbapi_conn.status != psycopg2.extensions.STATUS_READY
    try:
        if in_transaction:
            cursor.execute("SAVEPOINT collectbot_prepare")
        cursor.execute(prepare.replace("%%", "%"))  # no parameters: no escapes
        if in_transaction:
            cursor.execute("RELEASE SAVEPOINT collectbot_prepare")
    except psycopg2.OperationalError:  # the connection itself: the caller's error
        raise
    except psycopg2.DatabaseError:  # a parameter of a type it cannot infer, say
        if in_transaction:
            cursor.execute("ROLLBACK TO SAVEPOINT collectbot_prepare")
        prepared.preparable = False
        return False
    prepared.preparable = True
    return True


def _execute_text(prepared: _Prepared, name: str) -> str:
    """`prepared`'s EXECUTE under `name`, remembered in `executed_as`."""
    if name == prepared.name:
        text = prepared.execute_sql
    else:
        text = prepared.execute_sql.replace(f"EXECUTE {prepared.name}", f"EXECUTE {name}", 1)
    executed_as.setdefault(text, prepared.sql)
    return text
