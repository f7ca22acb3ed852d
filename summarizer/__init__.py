"""Summaries of papers: one Summarizer protocol, several backends, one validator."""
