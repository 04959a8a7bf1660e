"""Read, check and write the curation sources (``ontology/curation/*.yaml``): the only
code that writes them."""
