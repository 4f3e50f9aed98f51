"""The search window: ranges, a background Optuna search, trials table, plots, and Apply this trial."""
