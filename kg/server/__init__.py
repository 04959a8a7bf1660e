"""``cartkg serve``: the SPARQL 1.1 Protocol endpoint, the question API and the explorer over
HTTP."""
