"""Asking for "your link" emails without the answer telling whether an address is registered.

A page that looked the address up and rendered its email before answering would answer
known addresses measurably later than unknown ones. So the page only queues a task, the
same one whatever the address; the worker looks the address up and writes the outbox rows
(services.send_manage_links, services.send_manage_link), within the per-address cap.
"""

from ewevents.celery import enqueue

SEND_MANAGE_LINKS_TASK = "registrations.send_manage_links"
SEND_MANAGE_LINK_TASK = "registrations.send_manage_link"


def request_manage_links(*, email):
    """Queue the task that emails `email` the links of its registrations, if it has any.

    Side effects: queues registrations.send_manage_links (run at once without a broker). With
    the broker down nothing is written and a warning is logged: the person can ask again.
    """
    enqueue(
        SEND_MANAGE_LINKS_TASK,
        kwargs={"email": email},
        what="a manage-link request",
        fallback="no email is sent; the person can ask again",
    )


def request_manage_link(*, registration):
    """Queue the task that emails `registration`'s link, for someone who registered again with its address.

    Side effects: queues registrations.send_manage_link (run at once without a broker).
    """
    enqueue(
        SEND_MANAGE_LINK_TASK,
        kwargs={"registration_id": registration.pk},
        what=f"the manage link of registration {registration.pk}",
        fallback="no email is sent; registering again asks again",
    )
