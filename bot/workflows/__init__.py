"""Use cases that join the domain, the store and GoToAssist: starting and following sessions."""
