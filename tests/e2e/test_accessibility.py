"""Every page, in English and Spanish, passes axe-core's WCAG 2.x A and AA rules and its best
practices in headless Chromium; pages fit a 360 px wide phone, focus is visible, restricted
sessions say so in words and form errors are tied to their fields."""

import re

import pytest

from tests import checkers, pages

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

RUN_AXE = """
async (tags) => {
  const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
  const results = await axe.run(document, options);
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(" ")),
    summary: violation.nodes[0].failureSummary,
  }));
}
"""


@pytest.fixture
def site(settings, transactional_db):
    pages.configure(settings)
    return pages.build_pages()


@pytest.fixture(scope="session")
def axe_source():
    try:
        return checkers.axe_script().read_text(encoding="utf-8")
    except checkers.CheckerUnavailable as error:
        pytest.fail(str(error))


def axe_violations(page, axe_source):
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) doesn't apply.
    page.evaluate(axe_source)
    return page.evaluate(RUN_AXE, AXE_TAGS)


def describe(checked, violations):
    lines = [f"{checked}:"]
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    at {target}" for target in violation["targets"][:5]]
        lines += [f"    {line}" for line in violation["summary"].splitlines()[:4]]
    return "\n".join(lines)


def test_every_page_passes_axe_wcag_rules(page, live_server, site, axe_source):
    problems = []
    for checked in site:
        pages.open_in_browser(page, live_server, checked)
        violations = axe_violations(page, axe_source)
        if violations:
            problems.append(describe(checked, violations))

    assert not problems, "axe-core found accessibility problems:\n" + "\n".join(problems)


def test_axe_would_see_a_violation(page, live_server, site, axe_source):
    home = next(checked for checked in site if checked.name == "home")
    pages.open_in_browser(page, live_server, home)
    page.evaluate("document.querySelector('h1').insertAdjacentHTML('afterend', '<img src=x>')")

    assert "image-alt" in [violation["id"] for violation in axe_violations(page, axe_source)]


NARROW_PAGES = {
    "home",
    "conference",
    "printable programme",
    "speakers",
    "public session",
    "restricted session, anonymous",
    "webinar series",
    "webinar",
    "registration form",
    "registration form with errors",
    "manage registration",
    "my registrations",
    "log in",
    "staff only",
}


def test_pages_fit_a_360_px_wide_phone_and_pass_axe_there(browser, live_server, site, axe_source):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    too_wide, problems = [], []
    for checked in site:
        if checked.name not in NARROW_PAGES:
            continue
        pages.open_in_browser(page, live_server, checked)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide.append(f"{checked}: {width} px")
        # The narrow layout has its own sizes and wrapping: touch targets, contrast, reflow.
        violations = axe_violations(page, axe_source)
        if violations:
            problems.append(describe(checked, violations))
    context.close()

    assert not too_wide, "pages wider than the screen (sideways scrolling):\n" + "\n".join(too_wide)
    assert not problems, "axe-core found accessibility problems at 360 px:\n" + "\n".join(problems)


FOCUS_STYLE = r"""
() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  // The outline is drawn around the element, over its parent's background.
  let background = "rgb(255, 255, 255)";
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "transparent" && !colour.endsWith(", 0)")) {
      background = colour;
      break;
    }
  }
  return {
    html: element.outerHTML.slice(0, 100),
    tag: element.tagName,
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 ? style.outlineColor : null,
    shadows: style.boxShadow.match(/rgba?\([^)]*\)/g) || [],
    background: background,
    onScreen: box.width > 1 && box.height > 1,
  };
}
"""


def rgba(css_colour):
    red, green, blue, *alpha = (float(part) for part in re.findall(r"[\d.]+", css_colour))
    return red, green, blue, alpha[0] if alpha else 1.0


def luminance(red, green, blue):
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        for c in (red / 255, green / 255, blue / 255)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(colour, background):
    """WCAG contrast of `colour` (possibly see-through) drawn over the opaque `background`."""
    *front, alpha = rgba(colour)
    *back, _ = rgba(background)
    seen = [alpha * f + (1 - alpha) * b for f, b in zip(front, back, strict=True)]
    darker, lighter = sorted([luminance(*seen), luminance(*back)])
    return (lighter + 0.05) / (darker + 0.05)


def tab_through(page, presses):
    looks = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        look = page.evaluate(FOCUS_STYLE)
        if look["tag"] == "BODY":
            break
        looks.append(look)
    return looks


def poorly_marked(looks):
    """Focused elements without an outline or focus ring of 3:1 contrast against what is behind it."""
    problems = []
    for look in looks:
        marks = [look["outline"], *look["shadows"]] if look["outline"] else look["shadows"]
        if not marks or max(contrast(colour, look["background"]) for colour in marks) < 3:
            problems.append(f"{look['html']}: focus {marks} on {look['background']}")
    return problems


def test_keyboard_focus_is_visible(page, live_server, site):
    def seen(name):
        return next(checked for checked in site if checked.name == name)

    pages.open_in_browser(page, live_server, seen("home"))
    looks = tab_through(page, 60)
    assert "Skip to main content" in looks[0]["html"]
    assert looks[0]["onScreen"], "the skip link stays hidden when focused"
    assert len([look for look in looks if look["tag"] in ("A", "BUTTON")]) >= 10
    problems = poorly_marked(looks)

    for name in ("registration form", "conference, affiliate"):
        pages.open_in_browser(page, live_server, seen(name))
        looks = tab_through(page, 120)
        assert len(looks) > 20, name
        problems += poorly_marked(looks)

    assert not problems, "focus is hard to see:\n" + "\n".join(problems)


def programme_row(page, title):
    return page.locator("li.programme-item").filter(has_text=title)


def test_restricted_sessions_are_announced_in_words(page, live_server, site):
    def seen(name, language="en"):
        return next(checked for checked in site if checked.name == name and checked.language == language)

    pages.open_in_browser(page, live_server, seen("conference"))
    restricted = programme_row(page, "Collective leverage in action").inner_text()
    # A run of restricted sessions is one row that says, in words, whom they are for (issue 18).
    assert "for affiliates and monitoring partners" in restricted
    assert (
        "Some sessions are restricted to affiliates and monitoring partners."
        in page.locator("main").inner_text()
    )
    assert "restricted" not in programme_row(page, "Welcome").inner_text().lower()

    pages.open_in_browser(page, live_server, seen("conference", "es"))
    restricted_rows = page.locator("li.programme-item.is-restricted")
    assert restricted_rows.count() > 1
    assert "afiliados y socios de monitoreo" in restricted_rows.first.inner_text().lower()

    pages.open_in_browser(page, live_server, seen("restricted session, anonymous"))
    assert "restricted to affiliates and monitoring partners" in page.locator("main").inner_text()

    # Affiliates see the details, still labelled as restricted.
    pages.open_in_browser(page, live_server, seen("conference, affiliate"))
    row = programme_row(page, "Collective leverage in action").inner_text()
    assert "Affiliates and monitoring partners" in row


def test_form_errors_are_summed_up_and_tied_to_their_fields(page, live_server, site):
    with_errors = next(checked for checked in site if checked.name == "registration form with errors")
    pages.open_in_browser(page, live_server, with_errors)

    errors = {"name": "This field is required.", "email": "Enter a valid email address."}
    errors["privacy_consent"] = "This field is required."
    for name, error in errors.items():
        field = page.locator(f"[name={name}]")
        assert field.get_attribute("aria-invalid") == "true", name
        described_by = field.get_attribute("aria-describedby").split()
        assert error in [page.locator(f"#{id_}").inner_text() for id_ in described_by], name

    # The title says so first; a summary at the top links to each field.
    assert page.title().startswith("Error: Register for")
    summary = page.get_by_role("alert").filter(has_text="Please correct the following:")
    assert summary.get_by_role("link").count() == 3
    summary.get_by_role("link", name="Email address: Enter a valid email address.").click()
    assert page.evaluate("document.activeElement.name") == "email"

    # Spanish too.
    in_spanish = next(
        checked for checked in site if checked.name == with_errors.name and checked.language == "es"
    )
    pages.open_in_browser(page, live_server, in_spanish)
    assert page.locator("[name=email]").get_attribute("aria-invalid") == "true"
    assert page.title().startswith("Error")
