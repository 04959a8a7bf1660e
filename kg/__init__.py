"""cartkg: a knowledge graph of biomarkers, resistance mechanisms and interventions for
CD19-directed immunotherapy, with evidence down to the sentence.

A small API for notebooks (each name is imported on first use, so ``import kg`` stays fast):

>>> import kg
>>> graph = kg.open_graph()                      # the project's graph, or the packaged one
>>> kg.lookup(graph, "Yescarta")[0]["label"]
'Axicabtagene ciloleucel'
>>> rows = kg.strategies(graph, "CD19-negative relapse")
>>> rows[0]["category"]
'strategy'
"""

__version__ = "0.1.0"
__all__ = ["open_graph", "lookup", "resolve", "evidence_items", "strategies", "mechanisms",
           "biomarkers", "assess", "Tagger", "find_project", "__version__"]

_WHERE = {"lookup": "kg.answers.lookup", "resolve": "kg.answers.lookup",
          "evidence_items": "kg.answers.evidence", "strategies": "kg.answers.questions",
          "mechanisms": "kg.answers.questions", "biomarkers": "kg.answers.questions",
          "assess": "kg.answers.questions", "Tagger": "kg.answers.tagger",
          "find_project": "kg.paths"}


def open_graph(project=None, store: str = "oxigraph-memory", endpoint: str | None = None):
    """The graph to ask: a remote SPARQL endpoint, or the store of ``project`` (a folder;
    default: the project found from the current folder, else the graph built into the
    package), held in memory unless ``store`` says otherwise."""
    if endpoint:
        from kg.store.remote import RemoteStore
        return RemoteStore(endpoint)
    from kg.paths import project_paths
    from kg.store.local import open_store
    return open_store(store, project_paths(project))


def __getattr__(name: str):
    if name in _WHERE:
        import importlib
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
