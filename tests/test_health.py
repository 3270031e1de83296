"""The health check."""

import pytest

from webapp import create_app

from helpers import make_config


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.no_database
@pytest.mark.parametrize("uri", ["sqlite:///{tmp}/no-such-dir/warta.sqlite3",
                                 "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"])
def test_healthz_503_when_the_database_is_unreachable(tmp_path, uri):
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=uri.format(tmp=tmp_path)))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
