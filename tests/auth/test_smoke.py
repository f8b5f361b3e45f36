def test_me(api, user):
    r = api.get("/api/v1/me")
    assert r.status_code == 200, r.text
    assert r.json()["username"] == "alice"
    assert r.headers["etag"] == '"v1"'


def test_web_login(web):
    r = web.get("/")
    assert r.status_code == 200
    assert "Your path" in r.text
