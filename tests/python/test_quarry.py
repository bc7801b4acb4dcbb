"""The Python module quarry (python/quarry) against the C library built next to it.

Run by CTest as `python3 -m unittest` with PYTHONPATH=build/python (tests/CMakeLists.txt).
"""

import datetime
import decimal
import math
import os
import shutil
import tempfile
import unittest
import uuid

import quarry
from quarry import FrozenMap, Keyword, QuarryError, Symbol, Tagged

K = Keyword


def people():
    conn = quarry.open_memory()
    conn.declare_schema({K("person/name"): {K("db/unique"): K("db.unique/identity")},
                         K("person/age"): {K("db/valueType"): K("db.type/long")},
                         K("person/friend"): {K("db/valueType"): K("db.type/ref"),
                                              K("db/cardinality"): K("db.cardinality/many")}})
    conn.transact('[{:db/id "ann" :person/name "Ann" :person/age 41}'
                  ' {:person/name "Bob" :person/age 27 :person/friend "ann"}]')
    return conn


class KeywordTest(unittest.TestCase):
    def test_keywords_have_a_namespace_and_a_name(self):
        k = K("person/name")
        self.assertEqual((k.ns, k.name, k.qualified, str(k)), ("person", "name", "person/name", ":person/name"))
        self.assertEqual(K("age").ns, None)
        self.assertEqual(K("person", "name"), k)

    def test_keywords_are_values(self):
        self.assertEqual(K("a/b"), K("a/b"))
        self.assertNotEqual(K("a/b"), Symbol("a/b"))
        self.assertEqual(len({K("a"), K("a"), K("b")}), 2)
        self.assertLess(K("age"), K("person/age"))  # no namespace sorts first, as in Quarry
        with self.assertRaises(AttributeError):
            k = K("a")
            k.name = "b"


class EdnTest(unittest.TestCase):
    def test_reading_what_quarry_prints(self):
        read = quarry.read_edn
        self.assertEqual(read("nil"), None)
        self.assertEqual(read("[true false]"), (True, False))
        self.assertEqual(read("-42"), -42)
        self.assertEqual(read("123456789012345678901234567890N"), 123456789012345678901234567890)
        self.assertEqual(read("1.5"), 1.5)
        self.assertEqual(read("1e+20"), 1e20)
        self.assertEqual(read("1.50M"), decimal.Decimal("1.50"))
        self.assertTrue(math.isnan(read("##NaN")))
        self.assertEqual(read("[##Inf ##-Inf]"), (math.inf, -math.inf))
        self.assertEqual(read(r'"a\"b\\c\nd\te \u00e9 \ud83d\ude00"'), 'a"b\\c\nd\te \u00e9 \U0001F600')
        self.assertEqual(read("[\\a \\newline \\space \\u00e9]"), ("a", "\n", " ", "\u00e9"))
        self.assertEqual(read(":db/id"), K("db/id"))
        self.assertEqual(read("?e"), Symbol("?e"))
        self.assertEqual(read('#inst "1985-04-12T23:20:50.520Z"'),
                         datetime.datetime(1985, 4, 12, 23, 20, 50, 520000, tzinfo=datetime.timezone.utc))
        self.assertEqual(read('#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"'),
                         uuid.UUID("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"))
        self.assertEqual(read('#bytes "AAEC/w=="'), b"\x00\x01\x02\xff")
        self.assertEqual(read("#my/point [1 2]"), Tagged("my/point", (1, 2)))
        self.assertEqual(read("(1 [2 #{3}] {:a 4})"), (1, (2, frozenset({3})), {K("a"): 4}))
        self.assertEqual(read("[1, 2 ; a comment\n 3 #_ 4]"), (1, 2, 3))

    def test_maps_inside_sets_are_hashable(self):
        value = quarry.read_edn('#{{:name "Ann" :age 41} {:name "Bob" :age 27}}')
        self.assertIsInstance(value, frozenset)
        self.assertIn(FrozenMap({K("name"): "Ann", K("age"): 41}), value)
        self.assertEqual({K("name"): "Ann", K("age"): 41}, next(m for m in value if m[K("name")] == "Ann"))
        self.assertEqual(quarry.read_edn('{{:a 1} :map-key}'), {FrozenMap({K("a"): 1}): K("map-key")})

    def test_bad_text_is_an_error(self):
        for text in ["[1 2", "{:a}", '"open', "1 2", ")", "##Pi", "\\bogus"]:
            with self.subTest(text=text), self.assertRaises(quarry.EdnError):
                quarry.read_edn(text)

    def test_writing_round_trips(self):
        values = [None, True, -7, 2.5, math.inf, decimal.Decimal("1.25"), 'q"uote\\ \n\t\x01 é',
                  K("a/b"), Symbol("?x"), uuid.UUID(int=5), b"\x00\xfe",
                  datetime.datetime(2020, 1, 2, 3, 4, 5, 6000, tzinfo=datetime.timezone.utc),
                  Tagged("my/tag", (1, "x")), (1, (2, 3)), frozenset({1, 2}), {K("k"): (1,)}]
        for v in values:
            with self.subTest(value=v):
                self.assertEqual(quarry.read_edn(quarry.write_edn(v)), v)
        self.assertEqual(quarry.write_edn([1, {2, 3}]), "[1 #{2 3}]")
        with self.assertRaises(quarry.EdnError):
            quarry.write_edn(object())


class DatabaseTest(unittest.TestCase):
    def test_transact_returns_a_report(self):
        conn = quarry.open_memory()
        report = conn.transact([{K("db/id"): "x", K("name"): "Ann"}])
        self.assertEqual(report.tx, 536870913)
        self.assertEqual(report.tempids, {"x": 1, K("db/current-tx"): 536870913})
        # the new attribute's :db/ident and :db/cardinality, [1 :name "Ann"], :db/txInstant
        self.assertEqual(report.datoms, 4)
        self.assertEqual(conn.q("[:find ?n . :where [1 :name ?n]]"), "Ann")

    def test_queries_return_python_values(self):
        conn = people()
        self.assertEqual(conn.q("[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]"),
                         frozenset({("Ann", 41), ("Bob", 27)}))
        self.assertEqual(conn.q("[:find [?n ...] :in $ ?min :where [?e :person/age ?a] [(>= ?a ?min)]"
                                " [?e :person/name ?n]]", 30), ("Ann",))
        self.assertEqual(conn.q("[:find ?e . :where [?e :person/name \"Bob\"]]"), 2)
        self.assertEqual(conn.q("[:find ?a . :where [?e :person/name \"Nobody\"] [?e :person/age ?a]]"), None)
        rows = conn.q("[:find ?n ?a :keys name age :where [?e :person/name ?n] [?e :person/age ?a]]")
        self.assertEqual(rows, frozenset({FrozenMap({K("name"): "Ann", K("age"): 41}),
                                          FrozenMap({K("name"): "Bob", K("age"): 27})}))
        # Inputs are Python values written as EDN: a collection binding, a keyword, rules.
        self.assertEqual(conn.q("[:find [?a ...] :in $ [?n ...] :where [?e :person/name ?n] [?e :person/age ?a]]",
                                ["Ann", "Bob"]), (27, 41))
        self.assertEqual(conn.q("[:find ?v . :in $ ?attr :where [?e ?attr ?v] [?e :person/name \"Ann\"]]",
                                K("person/age")), 41)
        rules = quarry.read_edn("[[(knows ?a ?b) [?a :person/friend ?b]]]")
        self.assertEqual(conn.q("[:find ?who . :in $ % :where [?b :person/name \"Bob\"] (knows ?b ?f)"
                                " [?f :person/name ?who]]", rules), "Ann")
        # A query given as Python data.
        query = [K("find"), Symbol("?n"), Symbol("."), K("where"), [Symbol("?e"), K("person/age"), 27],
                 [Symbol("?e"), K("person/name"), Symbol("?n")]]
        self.assertEqual(conn.q(query), "Bob")

    def test_pull_and_entity(self):
        conn = people()
        self.assertEqual(conn.pull("[:person/name {:person/friend [:person/name]}]", [K("person/name"), "Bob"]),
                         {K("person/name"): "Bob", K("person/friend"): ({K("person/name"): "Ann"},)})
        self.assertEqual(conn.entity(1), {K("db/id"): 1, K("person/name"): "Ann", K("person/age"): 41})
        self.assertEqual(conn.entity([K("person/name"), "Bob"])[K("person/friend")],
                         frozenset({FrozenMap({K("db/id"): 1})}))
        self.assertIsNone(conn.entity([K("person/name"), "Nobody"]))
        self.assertEqual(conn.pull([K("person/age")], 2), {K("person/age"): 27})

    def test_values_and_time_travel(self):
        conn = people()
        before = conn.db()
        first = before.basis
        conn.transact('[[:db/add [:person/name "Ann"] :person/age 42]]')
        self.assertEqual(before.entity(1)[K("person/age")], 41)  # a value does not change
        now = conn.db()
        self.assertEqual(now.basis, first + 1)
        self.assertEqual(now.entity(1)[K("person/age")], 42)
        self.assertEqual(now.as_of(first).entity(1)[K("person/age")], 41)
        self.assertEqual(now.since(first).q("[:find [?a ...] :where [_ :person/age ?a]]"), (42,))
        self.assertEqual(now.history().q("[:find (count ?a) . :where [_ :person/age ?a _ false]]"), 1)
        # Views of one value as further inputs.
        self.assertEqual(now.q("[:find ?old ?new :in $ $then :where [$ ?e :person/age ?new]"
                               " [$then ?e :person/age ?old] [(not= ?old ?new)]]", now.as_of(first)),
                         frozenset({(41, 42)}))
        with self.assertRaises(ValueError):
            now.q("[:find ?e :in $ $b :where [$b ?e :person/age]]", before)

    def test_errors_carry_the_code(self):
        conn = people()
        with self.assertRaises(QuarryError) as caught:
            conn.transact('[[:db/add 1 :person/age "forty"]]')
        e = caught.exception
        self.assertEqual((e.code, e.name), (501, "tx/type"))
        self.assertIn(":person/age", e.message)
        self.assertTrue(str(e).startswith(":tx/type "))
        self.assertEqual(conn.entity(1)[K("person/age")], 41)  # nothing was written
        with self.assertRaises(QuarryError) as caught:
            conn.q("[:find ?e :where [?e :a")
        self.assertEqual(caught.exception.name, "edn/syntax")
        with self.assertRaises(QuarryError) as caught:
            conn.q("[:find ?x :where [?e :a ?y]]")
        self.assertEqual(caught.exception.name, "query/invalid")
        with self.assertRaises(QuarryError) as caught:
            conn.transact([[K("db/add"), 2, K("person/name"), "Ann"]])
        self.assertEqual(caught.exception.name, "tx/unique")

    def test_rocksdb_database(self):
        root = tempfile.mkdtemp(prefix="quarry-python-")
        try:
            path = os.path.join(root, "db")
            with quarry.open(path, sync_writes=False) as conn:
                conn.transact('[{:name "persisted"}]')
                with self.assertRaises(QuarryError) as caught:
                    quarry.open(path)
                self.assertEqual(caught.exception.name, "storage/locked")
            with quarry.open(path, read_only=True) as conn:
                self.assertEqual(conn.q("[:find ?n . :where [_ :name ?n]]"), "persisted")
                with self.assertRaises(QuarryError) as caught:
                    conn.transact('[{:name "more"}]')
                self.assertEqual(caught.exception.name, "storage/read-only")
            with open(os.path.join(root, "notes.txt"), "w") as f:
                f.write("not a database")
            with self.assertRaises(QuarryError) as caught:
                quarry.open(root)
            self.assertEqual(caught.exception.name, "storage/foreign")
            with self.assertRaises(QuarryError):
                quarry.open(os.path.join(root, "missing"), create=False)
        finally:
            shutil.rmtree(root)

    def test_closed_connection(self):
        conn = quarry.open_memory()
        db = conn.db()
        conn.close()
        conn.close()  # idempotent
        self.assertEqual(db.q("[:find (count ?e) . :where [?e :db/ident]]") > 0, True)  # values outlive it
        with self.assertRaises(QuarryError):
            conn.transact("[]")

    def test_strict_schema(self):
        conn = quarry.open_memory(strict_schema=True)
        with self.assertRaises(QuarryError) as caught:
            conn.transact('[{:undeclared 1}]')
        self.assertEqual(caught.exception.name, "tx/unknown-attribute")


if __name__ == "__main__":
    unittest.main()
