"""claimscreen.review: the investigators' web application and its database."""

__all__: list[str] = []
