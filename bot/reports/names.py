"""The slices a report can be cut by and its output formats, apart from the metrics code: the CLI's argument parser
needs the names, and importing them must not load SQLAlchemy and the models (start-up time of
every `collectbot` command, issue 13 item 10)."""

TIME_DIMENSIONS = ("day", "week")
ACCOUNT_DIMENSIONS = ("tier", "pack", "language", "creditor")
# An account's campaigns and steps (from the campaign ledger): a fact of an account counts in
# every campaign (step) the account has a ledger row in, so these slices may overlap.
ENROLMENT_DIMENSIONS = ("campaign", "step")
PER_ACCOUNT_DIMENSIONS = ACCOUNT_DIMENSIONS + ENROLMENT_DIMENSIONS
DIMENSIONS = TIME_DIMENSIONS + PER_ACCOUNT_DIMENSIONS + ("channel",)

FORMATS = ("table", "csv", "json")
