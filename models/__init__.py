"""claimscreen.models: rules, models, calibration, routing, reason codes, evaluation, registry."""

__all__: list[str] = []
