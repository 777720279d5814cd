"""The rules backend's parts: reading lines and labels, finding candidates with their
evidence (fields, amounts, titles, parties, currency), weighing and choosing them (evidence,
phrases, cues, totals), line items from tables."""
