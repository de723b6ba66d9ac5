"""Whose GoToAssist account starts and follows a session."""
