"""A patient at the keyboard: helpers for the browser tests of the intake wizard."""

from playwright.sync_api import expect


class KeyboardUser:
    """Drives a page the way a keyboard-only user does: focus, Tab, Space, arrows, Enter."""

    def __init__(self, page):
        self.page = page

    def focused(self):
        return self.page.evaluate(
            "() => [document.activeElement.tagName, document.activeElement.id,"
            " (document.activeElement.textContent || '').trim()]"
        )

    def tab(self, times=1):
        for _ in range(times):
            self.page.keyboard.press("Tab")

    def choose(self, name, option_index):
        """Pick the n-th answer of a radio group: Space on the first, or arrow down to it."""
        radios = self.page.locator(f'input[type="radio"][name="{name}"]')
        radios.first.focus()
        if option_index == 0:
            self.page.keyboard.press("Space")
        else:
            for _ in range(option_index):
                self.page.keyboard.press("ArrowDown")
        expect(radios.nth(option_index)).to_be_checked()

    def type_into(self, field_id, text):
        self.page.locator(f"#{field_id}").focus()
        self.page.keyboard.type(text)

    def pick(self, field_id, typed, expected_value):
        """Choose in a <select> by typing the start of an option, as a keyboard user would."""
        select = self.page.locator(f"#{field_id}")
        select.focus()
        self.page.keyboard.type(typed)
        expect(select).to_have_value(expected_value)

    def tick(self, field_id):
        box = self.page.locator(f"#{field_id}")
        box.focus()
        self.page.keyboard.press("Space")
        expect(box).to_be_checked()

    def press(self, button_name, *, exact=True):
        button = self.page.get_by_role("button", name=button_name, exact=exact).first
        button.focus()
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def expect_step(self, number, heading):
        expect(self.page.locator("#progress")).to_have_text(f"Step {number} of 11")
        expect(self.page.locator("h1")).to_have_text(heading)
        assert heading in self.page.title()


def answer_phq9(user, item9=0):
    for number, option in enumerate((2, 3, 1, 3, 1, 2, 2, 1), start=1):
        user.choose(f"feeling-phq9__q{number}", option)
    user.choose("feeling-phq9__q9", item9)
