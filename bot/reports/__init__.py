"""Collections KPIs: metrics defined once (`metrics`), early-warning alerts (`alerts`),
output formats (`render`), the supervisors' dashboard (`dashboard`)."""
