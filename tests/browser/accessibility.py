"""axe-core in the browser (the axe-playwright-python package bundles it: no CDN), and the
keyboard helpers of the accessibility and keyboard-only tests."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]  # no py.typed

AXE = Axe()
BLOCKING_IMPACTS = ("serious", "critical")
# label-content-name-mismatch is "experimental" in axe-core and off by default; issue 19
# found it on the "Neem aan" buttons, so it is on here.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}


def serious_violations(page, state: str) -> list[str]:
    """Every serious or critical axe-core violation on the page as it is now, one line per
    node, named by page state, rule and node."""
    results = AXE.run(page, options=AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        for node in violation["nodes"]:
            found.append(
                f"{state}: {violation['id']} ({violation['impact']}) at {node['target']}: "
                f"{violation['help']}"
            )
    return found


def focused_description(page) -> str:
    """What has focus: its id, or else its accessible text (for the assertion messages)."""
    return page.evaluate(
        """() => { const e = document.activeElement; if (!e) return '';
            return e.id || e.getAttribute('name') || e.textContent.trim().slice(0, 60); }"""
    )


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 250) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has focus; fails if
    it is never reached, which means the keyboard cannot get there."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(
        f"{selector} is not reachable with {key} (stuck at {focused_description(page)})"
    )
