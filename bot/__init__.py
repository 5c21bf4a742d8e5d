"""collectbot: a compliant, bilingual debt-collection assistant built on Rasa 3.6."""

__version__ = "0.1.0"
