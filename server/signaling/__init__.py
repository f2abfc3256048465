"""The WebSocket endpoint, per-connection sessions and the node hub."""
