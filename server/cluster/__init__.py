"""Placement across nodes (issue 12, part 1): which node runs each live room.

Nodes share PostgreSQL and Redis. Invariant 10 (one room, one owner) is kept by a lease
per live room in Redis, and every client of a room is sent to its owner's WebSocket.

* ``keys.py``: every Redis key this package touches, named once.
* ``leases.py``: the room leases (``SET`` with a time to live, a fencing token from a
  per-room ``INCR``, renewal and release by compare-and-set Lua scripts), and the mark of
  which node serves each room, by which a node taking a room up knows a failover.
* ``nodes.py``: the node registry and each node's heartbeat (load, draining, and which
  of its rooms have a facilitator in them: the staff pages' "running now").
* ``sockets.py``: each node's WebSockets per address, kept in Redis under keyed hashes
  and renewed by the heartbeat, so the caps per address hold for all nodes together.
* ``placement.py``: the pure choice of a node, and the interface the rest of Hearth
  uses (``Placement``), with ``LocalPlacement`` for the embedded single-node default.
* ``node.py``: ``ClusterPlacement``, this node's side of it all: heartbeat and renewal
  loops, claiming a room at ``hello``, answering ``ws_url`` for join and token requests,
  and giving a room up (``moved``) when another node holds its lease.

Cluster mode is on exactly when ``HEARTH_REDIS_URL`` is set; without it one process runs
every room, as before, and ``ws_url`` is this node's own WebSocket.

How split brain is prevented, and where it is not (read with ``node.py``):

- A room is served only by the node whose lease names it. The lease is taken atomically
  (a Lua script: free, or still held by a node whose heartbeat has expired, so dead), with
  a fencing token from the room's own counter; the owner keeps the token with the room.
- The owner renews every ``lease_ttl / 3`` with a script that extends the lease only if
  it still holds exactly its value. If another node holds it, the owner stops serving the
  room at once: every connection gets ``error moved`` with the new owner's ``ws_url`` and
  close 4307. If the lease merely expired (Redis was away, or the process stalled) and no
  other node took it since (the room's fencing counter still equals our token), the owner
  takes it back; otherwise someone else held the room meanwhile and the owner yields.
- While Redis cannot be reached a node keeps serving the rooms it has (the issue's
  choice: live groups carry on), and refuses new placements (``placement_unavailable``).
  If Redis is lost by ONE node only (a partition), another node may take over a room of
  that node once its lease expires; both then serve it until the partitioned node reaches
  Redis again, when its next renewal sees the other owner and it yields. Redis itself is
  the single source of truth: give it an append-only file (docs/design.md, Deployment),
  since a Redis restarted empty forgets the fencing counters (see ``leases.py``).
"""
