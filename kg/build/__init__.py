"""The build: compile the curation sources and ontology into a graph, validate it (SHACL,
QC queries), reason over it and write ``exports/``."""
