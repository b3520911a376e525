"""claimscreen.models."""
