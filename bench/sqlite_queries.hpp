// Hand-written SQL for DataScript's benchmark queries (bench/data/queries.edn) over the EAV table of
// bench/sqlite_eav.hpp. Each is the query as a SQL programmer would write it for that schema:
// one self-join of `datoms` per pattern, in the pattern order of the Datalog text (SQLite's planner
// reorders joins anyway), DISTINCT where the Datalog result (a set) could hold duplicates, a
// recursive CTE for the bounded and unbounded :follows reachability rules.
//
// Parameters: `@attr` is the attribute's id (bound once at prepare, '_' for '-'); :in1, :in2 ... are
// the query's :in arguments in order, rules (%) left out. Constants of the Datalog text stay
// literals (a keyword value is its text with the colon: ':male').
#pragma once

#include <map>
#include <string>

namespace quarry::bench {

// Query name (as in queries.edn; "rules-follows" for every tree) -> SQL.
inline const std::map<std::string, std::string>& sqlite_queries() {
  static const std::map<std::string, std::string> queries = {
      {"q1", "SELECT n.e FROM datoms n WHERE n.a = @name AND n.v = 'Ivan'"},
      {"q2",
       "SELECT n.e, g.v FROM datoms n JOIN datoms g ON g.e = n.e AND g.a = @age "
       "WHERE n.a = @name AND n.v = 'Ivan'"},
      {"q2-switch",
       "SELECT g.e, g.v FROM datoms g JOIN datoms n ON n.e = g.e AND n.a = @name AND n.v = 'Ivan' "
       "WHERE g.a = @age"},
      {"q3",
       "SELECT n.e, g.v FROM datoms n JOIN datoms g ON g.e = n.e AND g.a = @age "
       "JOIN datoms s ON s.e = n.e AND s.a = @sex AND s.v = ':male' "
       "WHERE n.a = @name AND n.v = 'Ivan'"},
      {"q4",
       "SELECT n.e, l.v, g.v FROM datoms n JOIN datoms l ON l.e = n.e AND l.a = @last_name "
       "JOIN datoms g ON g.e = n.e AND g.a = @age "
       "JOIN datoms s ON s.e = n.e AND s.a = @sex AND s.v = ':male' "
       "WHERE n.a = @name AND n.v = 'Ivan'"},
      {"q5-shortcircuit",
       "SELECT n.e, n.v, l.v, g.v, s.v, al.v FROM datoms n "
       "JOIN datoms g ON g.e = n.e AND g.a = @age AND g.v = :in2 "
       "JOIN datoms l ON l.e = n.e AND l.a = @last_name "
       "JOIN datoms s ON s.e = n.e AND s.a = @sex "
       "JOIN datoms al ON al.e = n.e AND al.a = @alias "
       "WHERE n.a = @name AND n.v = :in1"},
      {"qpred1", "SELECT s.e, s.v FROM datoms s WHERE s.a = @salary AND s.v > 50000"},
      {"qpred2", "SELECT s.e, s.v FROM datoms s WHERE s.a = @salary AND s.v > :in1"},
      {"fof-1",
       "SELECT DISTINCT c.v FROM datoms b JOIN datoms c ON c.e = b.v AND c.a = @follows "
       "WHERE b.e = :in1 AND b.a = @follows"},
      {"hop2-join",
       "SELECT DISTINCT n.e, c.e FROM datoms n "
       "JOIN datoms f1 ON f1.e = n.e AND f1.a = @follows "
       "JOIN datoms f2 ON f2.e = f1.v AND f2.a = @follows "
       "JOIN datoms c ON c.e = f2.v AND c.a = @last_name AND c.v = 'Petrov' "
       "WHERE n.a = @name AND n.v = 'Ivan'"},
      {"reach-3hop",
       "SELECT f1.v FROM datoms f1 WHERE f1.e = :in1 AND f1.a = @follows "
       "UNION SELECT f2.v FROM datoms f1 JOIN datoms f2 ON f2.e = f1.v AND f2.a = @follows "
       "WHERE f1.e = :in1 AND f1.a = @follows "
       "UNION SELECT f3.v FROM datoms f1 JOIN datoms f2 ON f2.e = f1.v AND f2.a = @follows "
       "JOIN datoms f3 ON f3.e = f2.v AND f3.a = @follows WHERE f1.e = :in1 AND f1.a = @follows"},
      // reach(x, y, d): y within d hops of x. (y, depth) pairs, so a node reached again at a
      // smaller depth is still expanded further.
      {"reach-depth4",
       "WITH RECURSIVE r(y, d) AS (SELECT v, 1 FROM datoms WHERE e = :in1 AND a = @follows "
       "UNION SELECT f.v, r.d + 1 FROM r JOIN datoms f ON f.e = r.y AND f.a = @follows WHERE r.d < :in2) "
       "SELECT DISTINCT y FROM r"},
      {"reach-depth6",
       "WITH RECURSIVE r(y, d) AS (SELECT v, 1 FROM datoms WHERE e = :in1 AND a = @follows "
       "UNION SELECT f.v, r.d + 1 FROM r JOIN datoms f ON f.e = r.y AND f.a = @follows WHERE r.d < :in2) "
       "SELECT DISTINCT y FROM r"},
      {"reach-closure",
       "WITH RECURSIVE r(y) AS (SELECT v FROM datoms WHERE e = :in1 AND a = @follows "
       "UNION SELECT f.v FROM r JOIN datoms f ON f.e = r.y AND f.a = @follows) "
       "SELECT y FROM r"},
      {"agg-by-sex",
       "SELECT s.v, count(s.e), avg(sal.v) FROM datoms s "
       "JOIN datoms sal ON sal.e = s.e AND sal.a = @salary WHERE s.a = @sex GROUP BY s.v"},
      {"agg-by-name",
       "SELECT n.v, count(n.e), avg(g.v), max(sal.v) FROM datoms n "
       "JOIN datoms g ON g.e = n.e AND g.a = @age "
       "JOIN datoms sal ON sal.e = n.e AND sal.a = @salary WHERE n.a = @name GROUP BY n.v"},
      {"rules-follows",
       "WITH RECURSIVE r(x, y) AS (SELECT e, v FROM datoms WHERE a = @follows "
       "UNION SELECT r.x, f.v FROM r JOIN datoms f ON f.e = r.y AND f.a = @follows) "
       "SELECT x, y FROM r"},
  };
  return queries;
}

}  // namespace quarry::bench
