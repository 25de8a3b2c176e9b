"""Managers' numbers: metrics from the event log, reports, CSAT and staffing."""
