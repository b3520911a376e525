"""claimscreen.data."""
