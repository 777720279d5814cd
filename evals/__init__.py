"""Scoring runs against people's labels: matching, metrics, agreement, reports."""
