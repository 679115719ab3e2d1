"""The fault drill's campaigns, one module each (run by scripts/fault_drill.py)."""
