"""Bilingual (en + zh) NLU pieces for collectbot: text normalisation, rule-based entity
extraction with normalised values, language detection and the negative-emotion signal.

The Rasa graph components live in `normalizer`, `entities` and `emotion`; the pure
functions they call live in `textnorm`, `language`, `numbers`, `dates` and `extract` so
they can be tested without Rasa.
"""
