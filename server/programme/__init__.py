"""The peer-support programme around the rooms (issue 13): volunteers' profiles, their
training and supervision, the rule that only a facilitator whose required training is
current may facilitate, and volunteers' hours and reflective debriefs. Mostly plain Python,
like ``server/rooms``: dates and times in, decisions out; the records live in
``server/store/`` (``volunteers.py``, ``hours.py``, ``reflections.py``). ``timekeeper.py``
is the exception: the adapter writing staff presence in the rooms as time entries."""
