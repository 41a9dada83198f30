"""Following a webinar series: "tell me about new webinars", by email, with double opt-in.

Owns the follow form and its defences (forms), the writes: follow, confirm, unsubscribe,
forget the unconfirmed (services), the follower's links and the confirmation email (emails),
and the pages reached from the series page and from the emails (views).
May import signup (its abuse counters), the outbox, registrations.models and events; mailings
and privacy import it (an audience of followers; export and retention).
"""
