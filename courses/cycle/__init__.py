"""The monthly cycle (一月一训): plans, sessions, enrolment, check-in, attendance, study hours, feeds.

Its models live in ``courses/models/`` (sessions.py); this package holds the
views, services, selectors, forms and URLs that work on them.
"""
