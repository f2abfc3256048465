"""Safeguarding: the risk screen, alerts and escalations, signposting, the audit chain."""
