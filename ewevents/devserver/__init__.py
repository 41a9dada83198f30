"""`manage.py runserver` for `make run`: WhiteNoise's, with room for a crowd's connections.

Django's development server queues at most 10 connections not yet accepted; a registration
opening that brings 40 people at once would have the rest refused (connection reset).
"""
