"""The explorer's interactive pages and the static figures."""
