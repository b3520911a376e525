"""claimscreen.review: the investigators' web application and its database."""
