"""claimscreen.features."""
