"""Why a group's target is missed and what would fix it, from the profiles of the benchmark
runs (RESULTS.md shows a group's text only when that run missed one of its targets, followed
by the profile measured in the same run)."""
from __future__ import annotations

WHY = {
    "cq": """\
**Why.** Three causes, which the profile below separates:

1. *The on-disk store.* The bare engine on the on-disk RocksDB store is about 3–4× slower than
   the same engine in memory on these small queries (compare the *engine, disk* and *engine,
   memory* columns): every triple-pattern lookup goes through RocksDB iterators and block
   decoding instead of in-memory B-trees. Most misses are 2–5 ms on disk and under 1 ms in
   memory.
2. *Parameters bound with `substitutions`.* pyoxigraph applies `substitutions` to the planned
   query instead of planning with the bound IRI, so `references-for-entity` and
   `evidence-by-disease` first enumerate every evidence item and filter afterwards. The same
   query with a trailing `VALUES ?entity { <iri> }` is about 10× faster (last column). These
   are also the questions where rdflib, which does push `initBindings` into its evaluation,
   gets within 2× of Oxigraph and the ≥ 20× target fails.
3. *Aggregates over all evidence* (`evidence-per-source`, `mechanisms-in-both-reviews`) touch
   every evidence item, so they cost milliseconds whatever the binding. Turning results into
   `Term` rows (*kg.store* vs *engine, disk*) costs only 0.1–0.5 ms.

**Fix.** (a) In `kg.store.OxigraphStore.query`, bind parameters with a `VALUES` clause built
from `Term.n3()` (still terms, never user text formatted into the query), or keep
`substitutions` only for variables that are not in a `UNION`; (b) for long-lived processes
(`cartkg serve`, the explorer's API) open the graph with `oxigraph-memory` (13k triples load
in ~50 ms) instead of the on-disk store; (c) materialise the two aggregate answers at build
time or rewrite `mechanisms-in-both-reviews` to start from each source's evidence items
(`?e1 ckg:fromSource ent:xu2023 ; ckg:evidenceSubject ?m`), so the join is driven by the
smaller side. (a)+(b) bring every question but the two aggregates under 2 ms in the profile.
""",
    "coldstart": """\
**Why.** The slowest imports are listed below: a command pays for every module it imports
before it answers; `kg.cli` must import only what the command needs.

**Fix.** Move heavy imports (rdflib, networkx, matplotlib, owlready2) inside the functions that
need them, and keep `lookup`/`strategies` on pyoxigraph alone.
""",
    "build": """\
**Why.** The stage table in *Details* and the cProfile below show where the time goes:

- *figures* (the explorer's PNG figures and pages, added to the build): `kg.explore.all_pages`
  builds every phenotype page by running the questions, each resolving its text with
  `kg.lookup.resolve`, which rebuilds the whole entity index (4 queries and a Python pass over
  every label) on every call; then matplotlib draws the figures. This stage alone is longer
  than the whole 3 s budget.
- *load curation*: PyYAML's pure-Python loader parses the curation files.
- *render exports* (rdflib serialisers for Turtle, JSON-LD, RDF/XML) and *changelog*
  (`kg.diff` opens the old and the new build and answers the questions on both) about 1 s each.
- *reason*: HermiT in a JVM (3–4 s), the bulk of the difference between the two builds.

**Fix.** Take the figures out of `cartkg build` (or cache them keyed on the hash of
`cartkg.nt`, so an unchanged graph does not redraw them); memoise `entity_index` per store in
`kg.lookup` (every `resolve` after the first becomes a dictionary lookup); load YAML with
`yaml.CSafeLoader`; in the changelog, compare the old and new N-Triples sets first and skip
the question diff when they are equal; write the JSON-LD and RDF/XML exports with pyoxigraph's
serialisers instead of rdflib's.
""",
    "scale": """\
**Why.** At 1M triples the graph has ~17k entities and ~50k evidence items, and most
questions return hundreds to thousands of rows (per-question table in *Details*): their cost
grows with the graph, and nearly all of it is in the engine (*engine ms* ≈ *p50 ms*, so
converting rows to Terms is not the issue). On top of that come the causes of *cq* at 1000×
the scale: the on-disk store is 3–4× slower than the in-memory engine; parameters bound with
`substitutions` are applied after the join, so `references-for-entity` and
`evidence-by-disease` scan every evidence item (`references-for-entity` takes 1.3 s at 1M
and passes 30 s at 5M); and `strategies-for-phenotype` walks `kindOf*` down and `kindOf+`
up from every mechanism that leads to the phenotype (thousands at 1M) and joins each with
the strategies addressing them before `DISTINCT`: the intermediate result, not the answer,
is what passes the 30 s limit. Loading reaches ~200k triples/s at 1M and ~265k/s at 5M:
`bulk_load` parses, sorts and writes the index permutations in parallel, and this machine
has two cores.

**Fix.** Bind parameters with `VALUES` (see *cq*). Materialise the answers that follow
chains at build time, as the reasoner's inferences already are: one derived edge
"strategy applies to phenotype" (and "mechanism beneath group") turns
`strategies-for-phenotype` and `mechanisms-for` into single index lookups. Rewriting the
paths over the materialised closure (`{ ?t ckg:kindOf ?m } UNION { ?m ckg:kindOf ?t } UNION
{ ?m a ckg:ResistanceMechanism BIND(?m AS ?t) }`) gives the same answer but only ~1.4× on a
300k graph, so the derived edge is the real fix. Page long answers (`LIMIT`/`OFFSET`) in the
commands and the API, which never show thousands of rows at once, and precompute the
aggregates. The load rate needs cores: it scales with them.
""",
    "endpoint": """\
**Why.** A stall of ~40 ms on every request of a keep-alive connection caps `cartkg serve`
at about 16 clients / 44 ms ≈ 360 requests per second whatever the question (the three
questions give the same rate). The *1 client* columns in *Details* show it: ~44 ms per
request on a kept-alive connection against ~2 ms with a new connection per request, and
well under 1 ms of query time. That is Nagle's algorithm meeting the client's delayed ACK:
`http.server` sends the status line and headers and then the body in separate small
`send()` calls without `TCP_NODELAY`, so on a reused connection the body waits for the ACK
of the headers, which the client delays by 40 ms. The native server (Rust, one write,
a thread pool) does not stall; rdflib-endpoint (uvicorn) does not either, and pays 7–32 ms
of rdflib evaluation per request instead, so `cartkg serve` is only 2–6× faster than it.

**Fix.** In `kg/server_http.py`, set `disable_nagle_algorithm = True` on the request
handler class (a `socketserver.StreamRequestHandler` attribute that sets `TCP_NODELAY`), or
write headers and body with one `sendall`. The per-request cost then is the new-connection
latency (~2 ms: worker-pipe round trip, pickling, JSON in Python), which with the two
workers should give well over 10× rdflib-endpoint; beyond that, evaluate in threads on one
shared in-memory store (pyoxigraph releases the GIL) and serialise with pyoxigraph's own
`QuerySolutions.serialize(format=QueryResultsFormat.JSON)`.
""",
}


def why(group: str) -> str:
    return WHY.get(group, "No analysis recorded for this group yet.")
