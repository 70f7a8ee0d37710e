-- The figures of `evtui report --archive`, in DuckDB's SQL over an evtui archive.
--
-- docs/reliability.md defines every figure; this is the same computation as evtui's report over
-- session files (evtui/model/reliability/fold.py), done over whole columns instead of update by
-- update. evtui runs the statements below in order, each after its `-- name:` line, with the
-- views `status_changes`, `late_updates`, `seen` (one per table, over the archive's files) and
-- two small tables it fills itself:
--   session_order(session, rank)  sessions by when they began receiving (from `coverage`)
--   observed(a, b)  the window [from, to) minus the gaps in reception, as disjoint intervals
--                   (the gaps come from `coverage`: see evtui/archive/report.py), made once
--                   the statement `changes` has run
-- and these parameters:
--   $end        the window's end (seconds since the epoch; 'inf' until the data decides it)
--   $start      the window's start
--   $other_down statuses neither working nor OUT_OF_ORDER/INOPERATIVE are down (nevi)
--   $grace      an unbroken UNKNOWN is up for $grace_s seconds, then down (afirev)
--   $grace_s    86400
-- Times are DOUBLE seconds since the epoch; WORKING = AVAILABLE, CHARGING, RESERVED, BLOCKED.
-- To run it elsewhere: create the three views over the Parquet files, `observed` as one row
-- (from, to) when there were no gaps, replace the parameters, and run the statements in order.

-- name: arrived
-- Every archived change up to the window's end, with the order of its session: sessions are
-- ranked by when they began receiving, and inside one `seq` is the order of arrival.
CREATE OR REPLACE TEMP VIEW arrived AS
SELECT c.location, c.evse, epoch_us(c."time") / 1e6 AS t, c.status,
       epoch_us(c.received) / 1e6 AS recv, c."partition" AS part, c."offset" AS off,
       c.seq % 65536 AS place, r.rank, c.seq
FROM status_changes c JOIN session_order r USING (session)
WHERE epoch_us(c."time") / 1e6 <= $end;

-- name: once
-- When sessions overlap in time (parallel recorders, or a session added twice), a message can
-- be in the archive twice: parallel recorders receive the uncommitted tail again after a
-- rebalance. The same change of the same message (time, status, Kafka partition and offset,
-- place in the message) counts once, as first received.
CREATE OR REPLACE TEMP TABLE arrived_once AS
SELECT * FROM arrived
QUALIFY row_number() OVER (PARTITION BY location, evse, t, status, part, off, place
                           ORDER BY recv, rank, seq) = 1;

-- name: all_once
-- Sessions that never overlap in time cannot hold a message twice.
CREATE OR REPLACE TEMP VIEW arrived_once AS SELECT * FROM arrived;

-- name: changes
-- Every status change of every EVSE, in the order the stream carried them. A row that repeats
-- the status before it (a writer that saw the EVSE for the first time mid-history, after
-- another) is no change.
CREATE OR REPLACE TEMP TABLE changes AS
SELECT location, evse, t, status, recv, rank, seq,
       lag(status) OVER (PARTITION BY location, evse ORDER BY t, rank, seq) AS previous
FROM arrived_once
QUALIFY previous IS DISTINCT FROM status;

-- name: window
-- The default window: from the oldest update to the newest one applied (a repeat of a status,
-- kept in `seen`, can be newer than the last change).
SELECT min(t),
       greatest(max(t), (SELECT max(epoch_us("time") / 1e6) FROM seen
                         WHERE epoch_us("time") / 1e6 <= $end))
FROM changes;

-- name: periods
-- Each status holds from its change to the EVSE's next change (the last one to the window's
-- end); `n` counts the EVSE's changes from 0.
CREATE OR REPLACE TEMP TABLE periods AS
SELECT location, evse, status, previous, t AS a, coalesce(lead(t) OVER w, $end) AS b,
       row_number() OVER w - 1 AS n
FROM changes
WINDOW w AS (PARTITION BY location, evse ORDER BY t, rank, seq);

-- name: pieces
-- The observed part of each period (inside the window and outside every gap), each marked up
-- or down under the rule set. Under afirev a run of UNKNOWN turns down $grace_s after it began.
CREATE OR REPLACE TEMP TABLE pieces AS
WITH cut AS (
    SELECT p.location, p.evse, p.status, p.a AS since,
           greatest(p.a, o.a) AS a, least(p.b, o.b) AS b
    FROM periods p JOIN observed o ON p.a < o.b AND p.b > o.a
    WHERE greatest(p.a, o.a) < least(p.b, o.b)
),
classed AS (
    SELECT *, CASE
        WHEN status IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED') THEN false
        WHEN status IN ('OUT_OF_ORDER', 'INOPERATIVE') THEN true
        ELSE $other_down END AS down
    FROM cut
)
SELECT location, evse, status, a, b, down FROM classed
WHERE NOT ($grace AND status = 'UNKNOWN')
UNION ALL
SELECT location, evse, status, a, least(b, since + $grace_s), false FROM classed
WHERE $grace AND status = 'UNKNOWN' AND a < least(b, since + $grace_s)
UNION ALL
SELECT location, evse, status, greatest(a, since + $grace_s), b, true FROM classed
WHERE $grace AND status = 'UNKNOWN' AND greatest(a, since + $grace_s) < b;

-- name: outages
-- Outages: maximal runs of down pieces of one EVSE, ended only by up time (a gap in reception
-- inside one leaves it whole, its duration counting observed seconds). `open`: the EVSE's last
-- piece is down (the outage goes on if the EVSE is still down at the window's end).
CREATE OR REPLACE TEMP TABLE outages AS
WITH numbered AS (
    SELECT *,
           sum(CASE WHEN down THEN 0 ELSE 1 END) OVER w AS run,
           row_number() OVER w = count(*) OVER (PARTITION BY location, evse) AS last
    FROM pieces
    WINDOW w AS (PARTITION BY location, evse ORDER BY a
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT location, evse, run, min(a) AS "start", max(b) AS "end", sum(b - a) AS duration,
       list(DISTINCT status ORDER BY status) AS statuses, bool_or(last) AS open
FROM numbered WHERE down
GROUP BY location, evse, run;

-- name: flapping
-- Flapping, Nagios's way, at each change: the weighted share of class changes among the last
-- 21 classes (weights 0.8 for the oldest transition to 1.2 for the newest, counted in steps of
-- 0.4/19 as 38..57 so that W is whole and the share is 2 W / 19 %) starts it over 50 % and stops
-- it under 25 %; two returns to AVAILABLE within 60 s with no CHARGING between start it too. The
-- last change that decided holds at the end. Changes before the window count too.
CREATE OR REPLACE TEMP TABLE flapping AS
WITH classes AS (
    SELECT location, evse, a AS t, n, status, previous,
           CASE WHEN status IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED') THEN 0
                WHEN status IN ('OUT_OF_ORDER', 'INOPERATIVE') THEN 1 ELSE 2 END AS class
    FROM periods
),
transitions AS (
    SELECT *,
           CASE WHEN class <> lag(class) OVER w THEN 1 ELSE 0 END AS x,
           sum(CASE WHEN status = 'CHARGING' THEN 1 ELSE 0 END) OVER w AS charged,
           status = 'AVAILABLE' AND previous IS NOT NULL AS returned
    FROM classes
    WINDOW w AS (PARTITION BY location, evse ORDER BY n)
),
shares AS (
    SELECT *,
           57 * sum(x) OVER last20 - (n * sum(x) OVER last20 - sum(n * x) OVER last20) AS w,
           last_value(CASE WHEN returned THEN t END IGNORE NULLS) OVER before AS last_return,
           last_value(CASE WHEN returned THEN charged END IGNORE NULLS) OVER before
               AS charged_then
    FROM transitions
    WINDOW last20 AS (PARTITION BY location, evse ORDER BY n
                      ROWS BETWEEN 19 PRECEDING AND CURRENT ROW),
           before AS (PARTITION BY location, evse ORDER BY n
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
decided AS (
    SELECT location, evse, n, CASE
        WHEN returned AND t - last_return <= 60 AND charged = charged_then THEN true
        WHEN 2.0 * w / 19 > 50 THEN true
        WHEN 2.0 * w / 19 < 25 THEN false END AS flag
    FROM shares
)
SELECT location, evse, arg_max(flag, n) AS flapping
FROM decided WHERE flag IS NOT NULL
GROUP BY location, evse;

-- name: evses
-- Each EVSE's figures over the window. `seconds` are observed seconds per status; `changes`
-- counts those inside [start, end) but first sightings; `late` the updates older than the
-- EVSE's newest (not applied); `stale` an UNKNOWN or CHARGING last updated over 24 h before
-- the end (a repeat of the status, kept in `seen`, is an update too).
SELECT c.location, c.evse,
       coalesce(s.up_s, 0) + coalesce(s.down_s, 0) AS observed_s,
       coalesce(s.seconds, MAP {}) AS seconds,
       coalesce(s.up_s, 0) AS up_s, coalesce(s.down_s, 0) AS down_s,
       coalesce(s.working_s, 0) AS working_s, coalesce(s.charging_s, 0) AS charging_s,
       c.status, c.changes, coalesce(l.late, 0) AS late,
       coalesce(f.flapping, false) AS flapping,
       c.status IN ('UNKNOWN', 'CHARGING')
           AND $end - greatest(c.last_t, coalesce(v.seen_t, c.last_t)) > 86400 AS stale,
       CASE WHEN $grace AND c.status = 'UNKNOWN' THEN $end >= c.last_t + $grace_s
            WHEN c.status IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED') THEN false
            WHEN c.status IN ('OUT_OF_ORDER', 'INOPERATIVE') THEN true
            ELSE $other_down END AS down_at_end
FROM (
    SELECT location, evse, arg_max(status, n) AS status, max(a) AS last_t,
           count(*) FILTER (WHERE previous IS NOT NULL AND a >= $start AND a < $end) AS changes
    FROM periods GROUP BY location, evse
) c
LEFT JOIN (
    SELECT location, evse, sum(up) AS up_s, sum(dn) AS down_s,
           sum(up + dn) FILTER (WHERE status IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED'))
               AS working_s,
           sum(up + dn) FILTER (WHERE status = 'CHARGING') AS charging_s,
           map_from_entries(list({'k': status, 'v': up + dn})) AS seconds
    FROM (SELECT location, evse, status,
                 coalesce(sum(b - a) FILTER (WHERE NOT down), 0) AS up,
                 coalesce(sum(b - a) FILTER (WHERE down), 0) AS dn
          FROM pieces GROUP BY location, evse, status)
    GROUP BY location, evse
) s USING (location, evse)
LEFT JOIN flapping f USING (location, evse)
LEFT JOIN (
    SELECT location, evse, count(*) AS late FROM late_updates
    WHERE epoch_us("time") / 1e6 <= $end GROUP BY location, evse
) l USING (location, evse)
LEFT JOIN (
    SELECT location, evse, max(epoch_us("time") / 1e6) AS seen_t FROM seen
    WHERE epoch_us("time") / 1e6 <= $end GROUP BY location, evse
) v USING (location, evse)
ORDER BY c.location, c.evse;

-- name: outage_list
-- Every outage in order, for the figures that need each one (duration buckets, the list).
SELECT location, evse, "start", "end", duration, statuses, open
FROM outages ORDER BY location, evse, "start";

-- name: all_down
-- Per location, the seconds in which every EVSE observed at the time was down (and one at least
-- was): a sweep over the pieces' edges, counting EVSEs observed and EVSEs down.
WITH edges AS (
    SELECT location, a AS edge, 1 AS observed, CASE WHEN down THEN 1 ELSE 0 END AS downs
    FROM pieces
    UNION ALL
    SELECT location, b, -1, CASE WHEN down THEN -1 ELSE 0 END FROM pieces
),
steps AS (
    SELECT location, edge, sum(observed) AS observed, sum(downs) AS downs
    FROM edges GROUP BY location, edge
),
running AS (
    SELECT location, edge, lead(edge) OVER w - edge AS length,
           sum(observed) OVER w AS observed, sum(downs) OVER w AS downs
    FROM steps
    WINDOW w AS (PARTITION BY location ORDER BY edge
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT location, coalesce(sum(length) FILTER (WHERE observed > 0 AND downs = observed), 0)
FROM running GROUP BY location;
