"""The rush: pages read while guests register.

A registration costs the server many page views' worth of CPU, so what readers notice
in a rush is the POSTs' share of the cores. For each page measured in the rush, a
second wrk posts guest registrations (bench/wrk/register.lua, a new email each time)
on its own connections for as long as the reader's warm-up and measurement last,
while the reader is measured as in the quiet run. The figure that matters is the
page's rate in the rush over its quiet rate, next to the POST rate that caused it.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

# The programme keeps at least this share of its quiet rate (issue 20, point 5)...
MIN_KEPT = 0.5
# ...while registrations are posted at least this fast.
MIN_POST_RATE = 100.0


@dataclass
class RushRow:
    name: str
    quiet: object  # bench.run.Measurement of the page alone
    rush: object  # the same page, measured during the POSTs
    post_rate: float  # POSTs answered per second alongside, errors included
    post_errors: int
    post_answered: int  # POSTs answered with the redirect (302)
    judged: bool  # whether the targets apply to this page (the ceiling is only reported)

    @property
    def kept(self):
        return self.rush.rps / self.quiet.rps if self.quiet.rps else 0.0

    @property
    def verdict(self):
        if not self.judged:
            return "—"
        missed = []
        if self.kept < MIN_KEPT:
            missed.append(f"kept < {MIN_KEPT:g}")
        if self.post_rate < MIN_POST_RATE:
            missed.append(f"POSTs < {MIN_POST_RATE:g}/s")
        if self.post_errors or self.rush.errors:
            missed.append("errors")
        return "no: " + ", ".join(missed) if missed else "yes"


def during_posts(read, post):
    """Run `read()` (the page's measurement) while `post()` (the POSTs' wrk) runs; return both results.

    Both are blocking calls to wrk subprocesses, so two threads are all it takes.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        posting = pool.submit(post)
        reading = pool.submit(read)
        return reading.result(), posting.result()


def table(rows):
    target = f"kept ≥ {MIN_KEPT:g} with POSTs ≥ {MIN_POST_RATE:g}/s"
    lines = [
        "| page in the rush | quiet req/s | rush req/s | rush / quiet | rush p99 ms | POST/s alongside | "
        "POST errors | target | met? |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | {row.quiet.rps:.0f} | {row.rush.rps:.0f} | {row.kept:.2f} | "
            f"{row.rush.p99:.1f} | {row.post_rate:.0f} | {row.post_errors} | "
            f"{target if row.judged else '—'} | {row.verdict} |"
        )
    return "\n".join(lines)
