def test_home_page_lists_published_public_event(client, make_event):
    make_event(title="Central Asia Border Challenges")
    response = client.get("/")
    assert response.status_code == 200
    assert "Central Asia Border Challenges" in response.text


def test_login_then_dashboard(client, make_user, login):
    user = make_user(name="Ada")
    login(user)
    assert "My events" in client.get("/manage/").text


def test_the_migrations_build_exactly_the_models(db):
    """Every model change comes with its Alembic revision (the suite's database was built by them)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
