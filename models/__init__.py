"""claimscreen.models: rules, models, calibration, routing, reason codes, evaluation, registry."""
