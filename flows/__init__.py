"""claimscreen.flows."""

__all__: list[str] = []
