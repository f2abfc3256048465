"""The peer-support programme around the rooms (issue 13): volunteers' profiles, their
training and supervision, and the rule that only a facilitator whose required training is
current may facilitate. Plain Python, like ``server/rooms``: dates in, decisions out; the
records live in ``server/store/volunteers.py``."""
