"""Answers from the store: lookup, evidence items, the clinical questions and the
competency questions."""
