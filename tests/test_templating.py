"""Dates and names as the templates write them."""

from datetime import UTC, datetime

import pytest

from webapp.templating import human_datetime, initials, local_iso

pytestmark = pytest.mark.no_database

MOMENT = datetime(2026, 12, 1, 19, 56, tzinfo=UTC)


@pytest.mark.parametrize(
    "zone, locale, text, iso",
    [
        ("Asia/Jakarta", "id", "2 Desember 2026 pukul 02.56 WIB", "2026-12-02T02:56:00+07:00"),
        ("Asia/Makassar", "id", "2 Desember 2026 pukul 03.56 WITA", "2026-12-02T03:56:00+08:00"),
        ("Asia/Jayapura", "id", "2 Desember 2026 pukul 04.56 WIT", "2026-12-02T04:56:00+09:00"),
        ("Asia/Jakarta", "en", "2 December 2026 at 02:56 WIB", "2026-12-02T02:56:00+07:00"),
        ("UTC", "id", "1 Desember 2026 pukul 19.56 UTC", "2026-12-01T19:56:00+00:00"),
        ("Europe/Berlin", "id", "1 Desember 2026 pukul 20.56 UTC+01:00", "2026-12-01T20:56:00+01:00"),
    ],
)
def test_times_name_the_sites_timezone(app_factory, zone, locale, text, iso):
    app = app_factory(create_tables=False, BABEL_DEFAULT_TIMEZONE=zone, WARTA_LOCALE=locale)
    with app.test_request_context():
        assert human_datetime(MOMENT) == text
        assert local_iso(MOMENT) == iso


@pytest.mark.parametrize(
    "name, letters",
    [("Budi Santoso", "BS"), ("ani", "A"), ("Siti Nur Halimah", "SH"), ("  ", "?"), ("— Ani", "A")],
)
def test_initials_stand_for_a_name(name, letters):
    assert initials(name) == letters
