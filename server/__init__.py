"""Hearth: moderated, anonymous, real-time peer-support groups for parents."""
