"""The rules backend's parts: lines, labels, typed values, fields, parties, tables."""
