"""Data Prep mapping sets (dataflows §13.1): source column → dataset column, with expressions."""
