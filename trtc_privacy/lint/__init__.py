"""The rules engine: one walk of each document, the rules it dispatches, and their fixes."""
