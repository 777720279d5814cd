"""The shared Excel workbook: the contract between pipeline, testers, client and integrators."""
