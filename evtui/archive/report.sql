-- The figures of `evtui report --archive`, in DuckDB's SQL over an evtui archive.
--
-- docs/reliability.md defines every figure; this is the same computation as evtui's report over
-- session files (evtui/model/reliability/fold.py), done over whole columns instead of update by
-- update. evtui runs the statements below in order, each after its `-- name:` line, with the
-- views `status_changes`, `late_updates`, `seen` (one per table, over the archive's files) and
-- two small tables it fills itself:
--   session_order(session, rank)  sessions by when they began receiving (from `coverage`)
-- and six macros it makes once the statement `changes` (or `chained`) has run, from the
-- window [from, to) minus the gaps in reception (found in `coverage`: see
-- evtui/archive/report.py and observed.py):
--   observed_len(x, y)    observed seconds in [x, y)
--   observed_upto(x)      observed seconds before x, where there are many gaps (else 0): a
--                         look-up in lists by cell, in a table `observed_grid` of one row
--   observed_total()      observed_upto($end): the whole window's (else 0)
--   observed_span(x, y, ux, uy)  observed_len(x, y) given ux, uy = observed_upto(x), (y): with
--                         many gaps their difference, so one search a change, not two
--   observed_first(x, y)  the first observed instant in [x, y) (NULL: none)
--   observed_last(x, y)   the end of the last observed stretch in [x, y)
--                         (these two made only where `outage_list` runs)
-- and these parameters:
--   $end        the window's end (seconds since the epoch; 'inf' until the data decides it)
--   $start      the window's start
--   $other_down statuses neither working nor OUT_OF_ORDER/INOPERATIVE are down (nevi)
--   $grace      an unbroken UNKNOWN is up for $grace_s seconds, then down (afirev)
--   $grace_s    86400
--   $tie        `recv, ` where sessions overlap in time (`once`), else nothing: one instant's
--               rows of an EVSE in the order received, not by session
--   $cut        the window ends before the data does, with late updates inside it that are
--               late only against what is after it (then `arrived` takes the late updates
--               in, and `still_late` says which stay late)
-- Times are DOUBLE seconds since the epoch; WORKING = AVAILABLE, CHARGING, RESERVED, BLOCKED.
-- To run it elsewhere: create the three views over the Parquet files, `session_order`, and the
-- macros (with no gaps: observed_len(x, y) = greatest(0, least(y, $end) - greatest(x, $start)),
-- observed_span(x, y, ux, uy) = observed_len(x, y), observed_upto(x) = observed_total() = 0),
-- replace the parameters, and run the statements in order, taking one of each pair: `once`
-- (sessions that overlap in time) or `all_once`, `applied` (several sessions, and
-- `overtaking` not 0 where they do not overlap) or `all_applied` (with $cut: `still_late`,
-- then `applied_cut` or `all_applied_cut`), and `changes`, or `chained` (never with $cut)
-- where one
-- writer wrote the whole history (the statement says how to tell; `restarts` true: it did not).
-- EVSEs and locations are keyed by a 64-bit hash of their ids (`k`, `lk`): sorting 10^8 rows by
-- an integer instead of two 50-byte strings is what keeps a month of a continent in minutes.

-- name: arrived
-- Every archived change up to the window's end, with the order of its session: sessions are
-- ranked by when they began receiving, and inside one `seq` is the order of arrival.
-- Where the window ends before the data does ($cut), the late updates too: one the writer
-- found older than an update after the window's end is no late update inside the window,
-- where that update is not yet received (the statement `still_late` decides which are).
CREATE OR REPLACE TEMP VIEW arrived AS
SELECT hash(c.location, c.evse) AS k, hash(c.location) AS lk, epoch_us(c."time") / 1e6 AS t,
       c.status, c.previous AS stored, epoch_us(c.received) / 1e6 AS recv, r.rank, c.seq,
       false AS judged_late
FROM status_changes c JOIN session_order r USING (session)
WHERE epoch_us(c."time") / 1e6 <= $end AND $bucket
UNION ALL
SELECT hash(l.location, l.evse), hash(l.location), epoch_us(l."time") / 1e6, l.status, NULL,
       epoch_us(l.received) / 1e6, r.rank, l.seq, true
FROM late_updates l JOIN session_order r USING (session)
WHERE $cut AND epoch_us(l."time") / 1e6 <= $end AND $bucket;

-- name: once
-- Parallel recorders can both hold a change: one received the uncommitted tail again after a
-- rebalance (the same EVSE, time and status in two sessions that overlap in time). It counts
-- once, as the session that received it first has it (a session's own A, B, A at one instant
-- stays whole). A row copied within one session (the session added again after an
-- interrupted run, a compaction stopped half-way) needs nothing here: it sorts beside its
-- original, repeats its status, and the statement `changes` drops it.
CREATE OR REPLACE TEMP TABLE arrived_once AS
SELECT * FROM arrived
QUALIFY rank = first_value(rank) OVER (PARTITION BY k, t, status ORDER BY recv, rank, seq);

-- name: all_once
-- Sessions that never overlap in time cannot hold a change twice.
CREATE OR REPLACE TEMP VIEW arrived_once AS SELECT * FROM arrived;

-- name: overtaking
-- Whether a session holds an update of an EVSE older than the newest an earlier session holds
-- of it (sessions that do not overlap in time: the earlier received it before): else no row is
-- late and `all_applied` does, without `applied`'s sort.
SELECT count(*) FROM (
    SELECT k, rank, min(t) AS first, max(t) AS last FROM arrived_once GROUP BY k, rank
    QUALIFY first < max(last) OVER (PARTITION BY k ORDER BY rank
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
);

-- name: applied
-- An update older than the EVSE's newest is late: not applied. A writer that archives a
-- session alone starts afresh, so its rows can be older than what an earlier session archived
-- of the EVSE (`overtaken`: a newer change of it was received before); they are late updates,
-- not changes. (Rows of one instant sort by session, and a later session receives later,
-- parallel writers' overlaps aside: so the rows after one in this order are the newer changes
-- and its ties from later in the stream.)
CREATE OR REPLACE TEMP TABLE applied AS
SELECT *, coalesce(min(recv) OVER (PARTITION BY k ORDER BY t, $tie rank, seq
                                   ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), recv)
              < recv AS overtaken
FROM arrived_once;

-- name: still_late
-- Where the window ends before the data does ($cut): which of the updates the writer judged
-- late are late inside the window too. One is where its session or an earlier one holds an
-- update of the EVSE newer in time inside the window that it received before: a row of an
-- earlier session; a late row of its own session before it (`seq`: exact where several
-- messages share a receive time, as a poll's do); or any change or repeat of the status,
-- received before or after. (Those two need no order: one received after the late update,
-- yet inside the window, shows that what the late update was judged against was inside the
-- window too. A repeat has no `seq`, and `seen` keeps a day's newest only.) The others are
-- late only against what the window leaves out: inside it they are applied.
CREATE OR REPLACE TEMP TABLE still_late AS
WITH judged AS (SELECT k, t, rank, seq FROM arrived_once WHERE judged_late),
repeats AS (
    SELECT hash(s.location, s.evse) AS k, r.rank, max(epoch_us(s."time") / 1e6) AS t
    FROM seen s JOIN session_order r USING (session)
    WHERE epoch_us(s."time") / 1e6 <= $end AND $bucket
    GROUP BY ALL
)
SELECT l.k, l.rank, l.seq FROM judged l JOIN arrived_once u ON u.k = l.k AND u.t > l.t
WHERE u.rank < l.rank OR (u.rank = l.rank AND (NOT u.judged_late OR u.seq < l.seq))
UNION
SELECT l.k, l.rank, l.seq FROM judged l JOIN repeats p ON p.k = l.k
WHERE p.rank <= l.rank AND p.t > l.t;

-- name: applied_cut
-- `applied`, with the late updates inside a window that ends before the data ($cut).
CREATE OR REPLACE TEMP TABLE applied AS
SELECT a.*, coalesce(min(a.recv) OVER (PARTITION BY a.k ORDER BY a.t, $tie a.rank, a.seq
                                       ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING),
                     a.recv) < a.recv
            OR s.k IS NOT NULL AS overtaken
FROM arrived_once a LEFT JOIN still_late s
    ON a.judged_late AND a.k = s.k AND a.rank = s.rank AND a.seq = s.seq;

-- name: all_applied_cut
-- `all_applied`, with the late updates inside a window that ends before the data ($cut).
CREATE OR REPLACE TEMP VIEW applied AS
SELECT a.*, s.k IS NOT NULL AS overtaken
FROM arrived_once a LEFT JOIN still_late s
    ON a.judged_late AND a.k = s.k AND a.rank = s.rank AND a.seq = s.seq;

-- name: all_applied
-- One session (or its copies) overtakes nothing.
CREATE OR REPLACE TEMP VIEW applied AS SELECT *, false AS overtaken FROM arrived_once;

-- name: changes
-- Every status change of every EVSE, in the order the stream carried them. A row that repeats
-- the status before it (a writer that saw the EVSE for the first time mid-history, after
-- another) is no change. `seq` is then the order itself (`rank` 0): where sessions overlap,
-- one instant's rows of two of them are in the order received ($tie), which what follows
-- need not sort by.
CREATE OR REPLACE TEMP TABLE changes AS
SELECT k, lk, t, status, recv, 0 AS rank, row_number() OVER w AS seq,
       lag(status) OVER w AS previous
FROM applied WHERE NOT overtaken
WINDOW w AS (PARTITION BY k ORDER BY t, $tie rank, seq)
QUALIFY previous IS DISTINCT FROM status;

-- name: chained
-- The same rows, where they are already the changes: one writer's history, each row's stored
-- `previous` the status of the row before it. Then `periods` is the only sort. It checks that
-- this holds as it goes (`chained`: always true over the statement `changes`); where it does
-- not (sessions archived one by one start with first sightings again, a session added twice
-- has copies), evtui runs `once` or `all_once`, `changes` and all that follows again.
CREATE OR REPLACE TEMP VIEW changes AS
SELECT k, lk, t, status, recv, rank, seq, stored AS previous FROM arrived;

-- name: restarts
-- Whether an EVSE has two first sightings (sessions archived one by one: each writer starts
-- afresh): then the rows are not whole chains and evtui goes the long way at once.
SELECT EXISTS (SELECT 1 FROM status_changes WHERE previous IS NULL
               GROUP BY location, evse HAVING count(*) > 1);

-- name: window
-- The default window: from the oldest update to the newest one applied (a repeat of a status,
-- kept in `seen`, can be newer than the last change). Over the rows as archived: what the
-- statement `changes` leaves out repeats a status, and is an update applied all the same.
-- (Not from the late updates a window that ends before the data holds: most stay late.)
SELECT min(t) FILTER (WHERE NOT judged_late),
       greatest(max(t), (SELECT max(epoch_us("time") / 1e6) FROM seen
                         WHERE epoch_us("time") / 1e6 <= $end))
FROM arrived;

-- name: flap_weight
-- Flapping, Nagios's way: the weighted share of class changes among the last 21 classes
-- (weights 0.8 for the oldest of 20 transitions to 1.2 for the newest, counted in steps of
-- 0.4/19 as 38..57 so that W is whole and the share is 2 W / 19 %) starts it over 50 % and
-- stops it under 25 %. W of each change of an EVSE (`k`), its changes in the order o1, o2, o3;
-- `x` is 1 for a change of class (up, down, other), else 0.
CREATE OR REPLACE TEMP MACRO flap_weight(x, o1, o2, o3) AS
    57 * x
    + 56 * lag(x, 1, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 55 * lag(x, 2, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 54 * lag(x, 3, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 53 * lag(x, 4, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 52 * lag(x, 5, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 51 * lag(x, 6, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 50 * lag(x, 7, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 49 * lag(x, 8, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 48 * lag(x, 9, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 47 * lag(x, 10, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 46 * lag(x, 11, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 45 * lag(x, 12, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 44 * lag(x, 13, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 43 * lag(x, 14, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 42 * lag(x, 15, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 41 * lag(x, 16, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 40 * lag(x, 17, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 39 * lag(x, 18, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3)
    + 38 * lag(x, 19, 0) OVER (PARTITION BY k ORDER BY o1, o2, o3);

-- name: periods
-- One pass over each EVSE's changes in order (one sort) gives everything that needs order:
-- - each status holds from its change to the next (the last to the window's end): its observed
--   seconds, up or down under the rule set (an UNKNOWN under afirev: up for $grace_s, then down);
-- - `bounds`: a period with down time, or one with up time whose next period has none (the
--   statement `runs` numbers outages from these alone); `downs` for the all-down sweep;
-- - flapping (`flap_weight`; two returns to AVAILABLE within 60 s with no CHARGING between
--   start it too): `flag` is what the change decided (NULL: nothing); changes before the
--   window count. Without $weigh only the returns decide here, and the statement `flapping`
--   weighs the EVSEs that need it (`x`, `xs`: the change's class change, the EVSE's count).
CREATE OR REPLACE TEMP TABLE periods AS
WITH classed AS (
    SELECT *, observed_upto(t) AS u,
           CASE WHEN $grace AND status = 'UNKNOWN' THEN observed_upto(t + $grace_s) END AS ug,
           CASE WHEN $grace AND status = 'UNKNOWN' THEN 'grace'
                WHEN status IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED') THEN 'up'
                WHEN status IN ('OUT_OF_ORDER', 'INOPERATIVE') THEN 'down'
                WHEN $other_down THEN 'down' ELSE 'up' END AS kind,
           CASE WHEN status IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED') THEN 0
                WHEN status IN ('OUT_OF_ORDER', 'INOPERATIVE') THEN 1 ELSE 2 END AS class,
           CASE WHEN previous IS NULL THEN 0
                WHEN (CASE WHEN previous IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED') THEN 0
                           WHEN previous IN ('OUT_OF_ORDER', 'INOPERATIVE') THEN 1 ELSE 2 END)
                     <> (CASE WHEN status IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED') THEN 0
                              WHEN status IN ('OUT_OF_ORDER', 'INOPERATIVE') THEN 1 ELSE 2 END)
                THEN 1 ELSE 0 END AS x,
           status = 'AVAILABLE' AND previous IS NOT NULL AS returned
    FROM changes
),
ordered AS (
    SELECT k, lk, status, previous, kind, t AS a,
           coalesce(lead(t) OVER w, $end) AS b,
           lead(kind) OVER w AS next_kind,
           coalesce(lead(t, 2) OVER w, $end) AS next_b,
           u AS ua, coalesce(lead(u) OVER w, observed_total()) AS ub,
           coalesce(lead(u, 2) OVER w, observed_total()) AS unb,
           ug AS uga, lead(ug) OVER w AS ugb,
           row_number() OVER w - 1 AS n,
           returned,
           lag(status) OVER w IS NOT DISTINCT FROM previous AND previous IS DISTINCT FROM status
               AS chained,
           -- the last return to AVAILABLE before this change, unless a CHARGING came after it
           last_value(CASE WHEN returned THEN t WHEN status = 'CHARGING' THEN '-inf'::DOUBLE END
                      IGNORE NULLS) OVER before AS last_return,
           -- whether the period before this one ended down (for the all-down sweep)
           CASE WHEN lag(kind) OVER w = 'down'
                     OR (lag(kind) OVER w = 'grace' AND t > lag(t) OVER w + $grace_s) THEN 1
                ELSE 0 END AS down_before, x,
           CASE WHEN NOT $weigh THEN sum(x) OVER whole END AS xs,
           -- (a constant CASE: DuckDB leaves out the window functions of the branch not taken)
           CASE WHEN $weigh THEN flap_weight(x, t, rank, seq) END AS weight
    FROM classed
    WINDOW w AS (PARTITION BY k ORDER BY t, rank, seq),
           before AS (PARTITION BY k ORDER BY t, rank, seq
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           whole AS (PARTITION BY k ORDER BY t, rank, seq
                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
measured AS (
    SELECT *,
           -- (observed_upto grows with its argument: observed_upto(least(x, y)) is the least
           -- of the two, and no search is made again)
           CASE kind WHEN 'up' THEN observed_span(a, b, ua, ub)
                     WHEN 'grace' THEN observed_span(a, least(b, a + $grace_s), ua, least(ub, uga))
                     ELSE 0 END AS up_s,
           CASE kind WHEN 'down' THEN observed_span(a, b, ua, ub)
                     WHEN 'grace' THEN observed_span(greatest(a, a + $grace_s), b,
                                                     greatest(ua, uga), ub)
                     ELSE 0 END AS down_s,
           CASE kind WHEN 'grace' THEN greatest(a, a + $grace_s) ELSE a END AS down_from,
           CASE next_kind WHEN 'up' THEN observed_span(b, next_b, ub, unb) > 0
                          WHEN 'grace' THEN observed_span(b, least(next_b, b + $grace_s),
                                                          ub, least(unb, ugb)) > 0
                          ELSE false END AS next_up,
           CASE WHEN returned AND a - last_return <= 60 THEN true
                WHEN weight IS NULL THEN false
                WHEN 2.0 * weight / 19 > 50 THEN true
                WHEN 2.0 * weight / 19 < 25 THEN false END AS flag
    FROM ordered
)
SELECT k, lk, status, previous IS NOT NULL AS changed, kind, a, b, n, up_s, down_s, down_from,
       x, xs, flag, (kind = 'down')::INTEGER - down_before AS downs,
       down_s > 0 OR (up_s > 0 AND NOT next_up) AS bounds, chained
FROM measured;

-- name: flapping
-- Where `periods` did not weigh ($weigh false): flapping of the EVSEs with five class changes
-- or more. With four or fewer the share never reaches 25 % (W <= 57 + 56 + 55 + 54 = 222 <
-- 237.5), so each change decided what its `flag` says already, and the weights are made only
-- for the others: in the demo's network, where most changes stay in one class, 970 of the
-- benchmark slice's 12,830 EVSEs, 8 % of its rows. (evtui weighs in `periods` instead where
-- such EVSEs hold most of the rows: a second sort of them would cost more than the weights.)
-- Here each change's number `n` is known, so `flap_weight` is two sums over the last 20: the
-- change numbered m weighs 57 - (n - m), so W = (57 - n) * sum(x) + sum(m * x), the same
-- whole number as the 19 lags give, in a quarter less time.
CREATE OR REPLACE TEMP TABLE flapping AS
SELECT k, coalesce(arg_max(flag, n) FILTER (WHERE flag IS NOT NULL), false) AS flapping
FROM (SELECT k, n, CASE WHEN flag THEN true
                        WHEN 2.0 * weight / 19 > 50 THEN true
                        WHEN 2.0 * weight / 19 < 25 THEN false END AS flag
      FROM (SELECT k, n, flag, (57 - n) * sum(x) OVER last_20 + sum(n * x) OVER last_20 AS weight
            FROM periods WHERE NOT $weigh AND xs > 4
            WINDOW last_20 AS (PARTITION BY k ORDER BY n
                               ROWS BETWEEN 19 PRECEDING AND CURRENT ROW)))
GROUP BY k;

-- name: runs
-- The periods that make up outages, each with `run`: the up stretches before it. Outages are
-- maximal runs of down time ended only by up time (a gap in reception inside one leaves it
-- whole), so down periods with the same `run` are one outage. Counting needs only the down
-- periods and the last up period before each (`bounds`): a fifth of the rows to sort, not all.
CREATE OR REPLACE TEMP TABLE runs AS
SELECT k, status, b, down_s, down_from,
       sum(CASE WHEN up_s > 0 THEN 1 ELSE 0 END) OVER (
           PARTITION BY k ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run
FROM periods WHERE bounds;

-- name: outage_list
-- Every outage in order: where its observed down time starts and ends, its down seconds, its
-- statuses. `open`: the EVSE's last observed time is down (it goes on if still down at the end).
SELECT k, run, min(observed_first(down_from, b)) AS "start", max(observed_last(down_from, b))
       AS "end", sum(down_s) AS duration, list(DISTINCT status ORDER BY status) AS statuses
FROM runs WHERE down_s > 0
GROUP BY k, run ORDER BY k, run;

-- name: evses
-- Each EVSE's figures over the window. `seconds` are observed seconds per status (JSON text);
-- `changes` counts those inside [start, end) but first sightings; `late` the updates older than
-- the EVSE's newest (not applied); `stale` an UNKNOWN or CHARGING last updated over 24 h before
-- the end (a repeat of the status, kept in `seen`, is an update too); `open` whether its last
-- observed time is down.
WITH names AS (
    SELECT hash(location, evse) AS k, any_value(location) AS location, any_value(evse) AS evse
    FROM status_changes WHERE $bucket GROUP BY 1
),
outage_runs AS (
    SELECT k, run, sum(down_s) AS duration FROM runs WHERE down_s > 0 GROUP BY k, run
),
outage_totals AS (
    -- per EVSE: how many, the longest, the last one's length, how many per duration bucket
    SELECT k, count(*) AS outages, max(duration) AS longest, arg_max(duration, run) AS latest,
           count(*) FILTER (WHERE duration < 7200) AS under_2h,
           count(*) FILTER (WHERE duration >= 7200 AND duration < 86400) AS under_24h,
           count(*) FILTER (WHERE duration >= 86400 AND duration < 604800) AS under_7d,
           count(*) FILTER (WHERE duration >= 604800) AS over_7d
    FROM outage_runs GROUP BY k
),
per_status AS (
    SELECT k, status, sum(up_s) AS up_s, sum(down_s) AS down_s FROM periods GROUP BY k, status
),
totals AS (
    SELECT k, sum(up_s) AS up_s, sum(down_s) AS down_s,
           sum(up_s + down_s) FILTER (WHERE status IN ('AVAILABLE', 'CHARGING', 'RESERVED',
                                                       'BLOCKED')) AS working_s,
           sum(up_s + down_s) FILTER (WHERE status = 'CHARGING') AS charging_s,
           -- JSON text: Python reads it ten times faster than a MAP (the same doubles)
           to_json(map_from_entries(list({'k': status, 'v': up_s + down_s})
                                    FILTER (WHERE up_s + down_s > 0))) AS seconds
    FROM per_status GROUP BY k
),
last AS (
    SELECT k, any_value(lk) AS lk, arg_max(status, n) AS status, max(a) AS last_t,
           count(*) FILTER (WHERE changed AND a >= $start AND a < $end) AS changes,
           coalesce(arg_max(flag, n) FILTER (WHERE flag IS NOT NULL), false) AS flapping,
           coalesce(arg_max(down_s > 0, n) FILTER (WHERE up_s + down_s > 0), false) AS open
    FROM periods GROUP BY k
),
late AS (
    -- counted once when a session was added twice
    SELECT k, sum(late) AS late FROM (
        SELECT hash(location, evse) AS k, count(DISTINCT (session, seq)) AS late
        FROM late_updates WHERE NOT $cut AND epoch_us("time") / 1e6 <= $end AND $bucket
        GROUP BY 1
        UNION ALL
        SELECT k, count(DISTINCT (rank, seq)) FROM applied WHERE overtaken GROUP BY k
    ) GROUP BY k
),
seen_last AS (
    SELECT hash(location, evse) AS k, max(epoch_us("time") / 1e6) AS seen_t FROM seen
    WHERE epoch_us("time") / 1e6 <= $end AND $bucket GROUP BY 1
)
SELECT c.k, c.lk, n.location, n.evse,
       coalesce(s.up_s, 0) + coalesce(s.down_s, 0) AS observed_s,
       coalesce(s.seconds::VARCHAR, '{}') AS seconds,
       coalesce(s.up_s, 0) AS up_s, coalesce(s.down_s, 0) AS down_s,
       coalesce(s.working_s, 0) AS working_s, coalesce(s.charging_s, 0) AS charging_s,
       c.status, c.changes, coalesce(l.late, 0) AS late, coalesce(f.flapping, c.flapping),
       c.status IN ('UNKNOWN', 'CHARGING')
           AND $end - greatest(c.last_t, coalesce(v.seen_t, c.last_t)) > 86400 AS stale,
       CASE WHEN $grace AND c.status = 'UNKNOWN' THEN $end >= c.last_t + $grace_s
            WHEN c.status IN ('AVAILABLE', 'CHARGING', 'RESERVED', 'BLOCKED') THEN false
            WHEN c.status IN ('OUT_OF_ORDER', 'INOPERATIVE') THEN true
            ELSE $other_down END AS down_at_end,
       c.open,
       coalesce(o.outages, 0), coalesce(o.longest, 0), coalesce(o.latest, 0),
       coalesce(o.under_2h, 0), coalesce(o.under_24h, 0), coalesce(o.under_7d, 0),
       coalesce(o.over_7d, 0)
FROM last c JOIN names n USING (k)
LEFT JOIN flapping f USING (k)
LEFT JOIN outage_totals o USING (k)
LEFT JOIN totals s USING (k)
LEFT JOIN late l USING (k)
LEFT JOIN seen_last v USING (k)
ORDER BY n.location, n.evse;

-- name: all_down
-- Per location, the seconds in which every EVSE observed at the time was down (and one at least
-- was). A location of one EVSE: its down time. Else a sweep over the instants at which the
-- location's count of observed EVSEs or of down EVSEs changes (first sightings, and changes
-- between up and down: most changes, AVAILABLE to CHARGING say, change neither). `downs` is
-- what a period's start does to its EVSE's down state (periods: its own down state in place
-- of the one before it).
WITH sizes AS (
    SELECT lk, count(*) FILTER (WHERE n = 0) AS evses, sum(down_s) AS down_s
    FROM periods GROUP BY lk
),
edges AS (
    SELECT p.lk, p.a AS edge, CASE WHEN p.n = 0 THEN 1 ELSE 0 END AS observed, p.downs
    FROM periods p JOIN sizes s USING (lk)
    WHERE s.evses > 1 AND s.down_s > 0 AND (p.n = 0 OR p.downs <> 0)
    UNION ALL
    -- an UNKNOWN under afirev turns down $grace_s after it began
    SELECT p.lk, p.a + $grace_s, 0, 1
    FROM periods p JOIN sizes s USING (lk)
    WHERE s.evses > 1 AND s.down_s > 0 AND p.kind = 'grace' AND p.b > p.a + $grace_s
),
steps AS (
    SELECT lk, edge, observed_upto(edge) AS ue, sum(observed) AS observed, sum(downs) AS downs
    FROM edges GROUP BY lk, edge
),
running AS (
    SELECT lk, edge, coalesce(lead(edge) OVER w, $end) AS next,
           ue, coalesce(lead(ue) OVER w, observed_total()) AS une,
           sum(observed) OVER w AS observed, sum(downs) OVER w AS downs
    FROM steps
    WINDOW w AS (PARTITION BY lk ORDER BY edge
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT lk, sum(observed_span(edge, next, ue, une))
               FILTER (WHERE observed > 0 AND downs = observed)
FROM running GROUP BY lk
UNION ALL
SELECT lk, down_s FROM sizes WHERE evses = 1 OR down_s = 0;
