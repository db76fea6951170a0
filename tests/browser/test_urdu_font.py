"""Urdu is drawn with the Noto Nastaliq Urdu our static files ship, not as boxes, on a machine with no Urdu font of
its own (Debian's Chromium here: only DejaVu and Liberation, which have neither heh goal nor yeh barree)."""

import hashlib

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAMILY = "Noto Nastaliq Urdu"
REGULAR = "/static/fonts/noto-nastaliq-urdu-arabic-400-normal.woff2"
HEH = "\u06c1"  # heh goal, the first letter of "hai" ("is")
YEH_BARREE = "\u06d2"  # yeh barree, its last
TEXT = "\u06cc\u06c1 \u06c1\u06d2"  # یہ ہے, "this is"
# A private-use code point no font has: what the missing-glyph box looks like here.
NO_FONT_HAS = "\U0010fffd"
# A fixed box at the viewport's corner: renderings of the same size and place are equal bytes only if equal pixels.
# Styled through the CSSOM, which the Content-Security-Policy allows (it refuses style attributes).
SHOW = """async (text) => {
  let probe = document.getElementById("glyph-probe");
  if (!probe) {
    probe = document.createElement("p");
    probe.id = "glyph-probe";
    Object.assign(probe.style, {position: "fixed", top: "0", left: "0", zIndex: "1000", margin: "0", width: "240px",
      height: "160px", overflow: "hidden", fontSize: "48px", textAlign: "center", background: "#fff", color: "#000"});
    document.body.append(probe);
  }
  probe.textContent = text;
  probe.getBoundingClientRect();  // lays the text out, so any font it needs starts loading before fonts.ready
  await document.fonts.ready;
}"""
FACES = f"""() => [...document.fonts].filter((face) => face.family.replaceAll('"', "") === "{FAMILY}")
  .map((face) => `${{face.weight}} ${{face.status}}`).sort()"""


def open_in_urdu(page) -> None:
    """The way a visitor does it: the language button, which posts to Django's set_language."""
    page.goto("/")
    page.get_by_role("button", name="اردو").click()
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    page.wait_for_load_state()  # the stylesheet applied, so the page's text has asked for the fonts it needs
    page.evaluate("async () => { await document.fonts.ready; }")


def rendering(page, text: str, path: str | None = None) -> str:
    """The probe's screenshot as a digest: equal digests are equal pixels, and a failure prints short values."""
    page.evaluate(SHOW, text)
    return hashlib.sha256(page.locator("#glyph-probe").screenshot(animations="disabled", path=path)).hexdigest()


@pytest.fixture
def page_without_our_fonts(browser, live_server):
    """The same phone, with every request for our font files refused: what a machine without them shows."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-GB")
    context.route("**/static/fonts/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_urdu_pages_draw_heh_and_yeh_barree_with_the_font_we_ship(page, page_without_our_fonts, live_server):
    font_responses = []
    page.on("response", lambda response: font_responses.append((response.url, response.status)))
    open_in_urdu(page)

    assert (live_server.url + REGULAR, 200) in font_responses, f"{REGULAR} was not served: {font_responses}"
    assert page.evaluate(FACES) == ["400 loaded", "700 loaded"]
    assert page.evaluate(f"""document.fonts.check('16px "{FAMILY}"', "{HEH}{YEH_BARREE}")""")
    # Headings' lines must not collide: Nastaliq reaches far above and below the line.
    heading = page.get_by_role("heading", level=1)
    line_height, font_size = heading.evaluate(
        "(h1) => [getComputedStyle(h1).lineHeight, getComputedStyle(h1).fontSize]"
    )
    assert float(line_height.removesuffix("px")) >= 1.8 * float(font_size.removesuffix("px"))

    loaded_text = rendering(page, TEXT, path="test-results/urdu-font-loaded.png")
    loaded_heh, loaded_yeh = rendering(page, HEH), rendering(page, YEH_BARREE)
    blank = rendering(page, "")

    blocked = page_without_our_fonts
    open_in_urdu(blocked)
    assert blocked.evaluate(FACES) == ["400 error", "700 error"], "the fonts were not blocked"
    blocked_text = rendering(blocked, TEXT, path="test-results/urdu-font-blocked.png")
    box = rendering(blocked, NO_FONT_HAS)
    # Without our files this machine has no glyph for either letter: both are the missing-glyph box.
    assert rendering(blocked, HEH) == box, "a font on this machine draws heh goal: the test needs a machine without one"
    assert rendering(blocked, YEH_BARREE) == box, (
        "a font on this machine draws yeh barree: the test needs a machine without one"
    )

    assert loaded_text != blocked_text
    # With them each letter is drawn: not blank, not the box, and not one shared glyph (a box of the font's own).
    for glyph in (loaded_heh, loaded_yeh):
        assert glyph != blank
        assert glyph != box
    assert loaded_heh != loaded_yeh
