"""cartkg: a knowledge graph of biomarkers, resistance mechanisms and interventions for
CD19-directed immunotherapy, with evidence down to the sentence."""

__version__ = "0.1.0"
