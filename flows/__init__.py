"""claimscreen.flows."""
