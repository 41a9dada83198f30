"""The event dashboard: the first page staff see for an event.

selectors.py reads the numbers (a fixed number of queries, however many registrations),
charts.py lays them out as accessible SVG, views.py is the page. Part of eventday: it may
import what eventday may, and only the urls and the admin import it.
"""
