"""axe-core in the real page (the copy that axe-playwright-python ships)."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def violations(page) -> list[str]:
    """Every axe-core violation on the page, one line each."""
    results = _axe.run(page)
    return [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'])})"
        for v in results.response["violations"]
    ]
