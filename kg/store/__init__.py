"""The graph behind every query: Oxigraph in memory or on disk, rdflib, or a remote SPARQL
endpoint; result formats; loading the graph into a remote store."""
