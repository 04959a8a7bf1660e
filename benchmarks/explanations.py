"""Why a group's target is missed and what would fix it, from the profiles of the benchmark
runs (RESULTS.md shows a group's text only when that run missed one of its targets, followed
by the profile measured in the same run)."""
from __future__ import annotations

WHY = {
    "cq": """\
**Why.** The profile below separates the engine from kg.store.local's conversion of rows into
`Term`s, in memory and on disk. Causes found in earlier runs, all fixed in the code: the
on-disk RocksDB store is 3–4× slower than the in-memory engine on these small queries (the
figures use the in-memory store, as `cartkg serve` does; the disk column is beside them);
parameters bound with pyoxigraph `substitutions`, or with a trailing `VALUES` block, were
joined after the patterns (now a `VALUES` block at the head of `WHERE`); Oxigraph joins in
the written order and does not push a bound variable into `UNION` branches (questions now
start from their most selective pattern and use `VALUES` or property paths instead of
`UNION`s); converting rows to `Term`s was half the time of the fastest questions (terms are
now remembered). A question still over target here shows in which column its time goes.

**Fix.** If *engine, memory* is over 2 ms, rewrite the question so that Oxigraph starts from
its most selective pattern; if *kg.store.local* is far above *engine*, the conversion is the cost.
""",
    "coldstart": """\
**Why.** The slowest imports are listed below: a command pays for every module it imports
before it answers; `kg.cli.main` must import only what the command needs.

**Fix.** Move heavy imports (rdflib, networkx, matplotlib, owlready2) inside the functions that
need them, and keep `lookup`/`strategies` on pyoxigraph alone.
""",
    "build": """\
**Why.** The stage table in *Details* and the cProfile below show where the time goes. Earlier
causes, fixed: the pure-Python YAML loader (now libyaml), pyshacl checking every property shape
once per focus node (now one pass per shape), canonical blank-node labels computed over the
whole graph (now over the ~150 blank-node triples), networkx and numpy imported for GraphML,
the changelog answering the questions twice when nothing changed, HermiT's JVM compiling with
C2 (now `-XX:TieredStopAtLevel=1`), and the PNG figures (now `--no-figures`).

**Fix.** Whichever stage the table shows on top.
""",
    "scale": """\
**Why.** The synthetic graphs grow every part of the schema together: at 1M triples there are
~17k entities and ~46k evidence items, and several questions return one to four thousand rows
(per-question table in *Details*). Oxigraph's in-memory store costs ~0.5 µs per row scanned,
~3 µs per lookup (a label, a type check) and ~3 µs per row for `ORDER BY` on labels, so a
sorted, labelled answer of 3,000 rows takes 20–40 ms; *engine ms* ≈ *p50 ms*, so the time is
in the engine, not in Python. Fixed earlier: the questions that scanned or aggregated every
evidence item (`evidence-per-source`, `poor-long-term-biomarkers`,
`mechanisms-in-both-reviews`, `favourable-response-biomarkers`, `unaddressed-mechanisms`;
50–130 ms at 1M) look up the summaries the build derives from the evidence
(`ckg:derivedFromEvidence` properties, `ckg:AddressedMechanism`), and the path questions
(seconds) walk one property path from the bound parameter.

**Fix.** Page long answers (`LIMIT`/`OFFSET`) in the commands and the API, which never show
thousands of rows at once. The load rate scales with cores: `bulk_load` parses and sorts the
index permutations in parallel.
""",
    "endpoint": """\
**Why.** All servers and the load generator (16 Python client threads) share two cores, so
requests per second follow CPU time per request, and the tail follows the scheduler. A
repeated query is answered by the main process alone from the result cache — a request whose
head it has seen is not even parsed again — for ~20–45 µs of CPU; the native server spends
~230–410 µs per request. Its p99 still depends on when the one main process is scheduled
among the 16 client threads (the native server answers on several threads), so it lands either
side of native's from run to run. A query never seen before (the no-repeat workload) takes
two process hops: the main process parses and checks the request, sends the job to a worker
over a socket pair and writes the reply it gets back (~230–320 µs of CPU), and the worker,
woken for each job, spends ~400–630 µs where the same steps in one process take ~300–450; so
a new query costs about 2.5× the native server's CPU. The worker process is what lets a query
that runs past its time limit be stopped for real (the process is killed), which the native
server cannot do. `benchmarks/profile_endpoint.py` measures these parts;
`benchmarks/README.md` has the tables.

**Fix.** Not a rearrangement of Python processes. Worker processes that own their connections
(no main process and no hop on any request: `benchmarks/prefork_bound.py`, which has none of
the fairness, time-limit and job-cap machinery they would need) cut a new query's CPU by
27–32% yet reach only 0.43–0.78× native, with a worse p99 on both workloads: Oxigraph's own
parse, plan and serialisation of the text already cost about the native server's whole
request, and the Python HTTP layer adds ~200–300 µs. So ≥ 0.7× needs the per-request HTTP
work out of Python (a native front end before the workers, the policy still decided before
evaluation). Handing only the answer's write to the worker (the client socket passed with
the job) was measured and saves ~5–13% of the server's CPU per new query, within this
machine's noise.
""",
}


WHY["suggest"] = """\
**Why.** `benchmarks/bench_suggest.py` run on its own prints where each curated item is lost.
Most lost triples are lost before a relation is chosen: the curated subject or object is an
abstract entity whose name the sentence does not contain, even loosely (e.g. *treatment
failure* for "resistance to targeted synthetic immunotherapy", *incorporate 4-1BB
costimulation* for a Table 1 cell, a mechanism group named only by the table's layout), or the
curators chose a more specific entity than the words (*high-risk aaIPI* where the sentence
says "aaIPI", *complete response* where it says "response"). Table rows (`kindOf` between a
row and its group heading) have no words linking them at all. Among the sentences where both
entities are found, the category-and-cue ranking puts the right relation first for most
`predicts` items but not for the open-domain relations (`involves`, `contributesTo`,
`involvesCells`), which fit almost any pair. Statistics are missed where the curators give an
arm-specific reading ("65% versus 34% in favor of wild-type TP53" stored as 34 vs 65), a
proportion written in words ("approximately half"), or one median per arm in two clauses.

**Fix.** Entity coverage first: synonyms for the abstract entities as the reviews word them
(a curation task, which `cartkg coverage` and this page's candidate new entities feed), and a
reading of Table 1's layout (row → group heading) instead of sentence pairs; then a relation
classifier trained on the accepted items of one review and tested on the other, in place of
the hand-set cue weights.

**Primary abstracts held out** (`suggest.primary.held-out.*`). The claims missed are missed
before ranking: the top-3 recall sits within a point or two of the recall with every candidate
kept (the generator's ceiling), so the tagger does not find one end of most claims in its
sentence (paraphrase, an entity implied by the study, a verb). Three sessions of general rules
raised the fitted figure, never the held-out one. Two measurements bound what is left:
`benchmarks/meaning_bound.py` adds the entities a model of meaning that installs here finds
(WordLlama's static vectors; all-MiniLM-L6-v2 ranked the missing ends no better) and gains 2
of 89 claims on a split of the fitted abstracts; and a second expert curator, blind to the
first, made only `suggest.primary.curator-agreement` of the first curator's claims on the
same abstracts (same sentence, subject, relation, object): exact agreement between two
experts is itself far below the 70% target.

**Fix.** Set the target against the curators' own agreement (or match claims up to the
entity hierarchy and relation families, and report that too); and, for the generator, a
biomedical language model, which cannot be downloaded on these machines (models live on
HuggingFace and S3; the registries here are PyPI, Debian and npm).
"""


def why(group: str) -> str:
    return WHY.get(group, "No analysis recorded for this group yet.")
