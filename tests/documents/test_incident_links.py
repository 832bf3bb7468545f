"""The incident's page leads on to its 善后, 复盘 and 文书 (issue 15): links the aftermath and
documents apps register with incidents, each shown only to whoever may follow it."""

from shouwang.aftermath.models import Aftermath, Review
from shouwang.incidents import services
from shouwang.incidents.selectors import page_links
from tests.documents.conftest import T, client_for
from tests.incidents.conftest import campus  # noqa: F401 (the fixture)


def _links(client, incident):
    response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    return {
        link["key"]: link["url"] for link in response.context["page_links"]
    }, response.content.decode()


def test_a_closed_incident_links_to_its_aftermath_review_and_documents(campus, closed_incident):  # noqa: F811
    aftermath = Aftermath.objects.get(incident=closed_incident)
    review = Review.objects.get(incident=closed_incident)
    links, html = _links(client_for(campus.chen), closed_incident)
    assert links == {
        "aftermath": f"/aftermath/{aftermath.pk}/",
        "review": f"/aftermath/reviews/{review.pk}/",
        "documents": f"/documents/incidents/{closed_incident.pk}/",
    }
    assert f'href="/aftermath/{aftermath.pk}/" id="link-aftermath"' in html
    for url in links.values():
        assert client_for(campus.chen).get(url).status_code == 200, url


def test_someone_who_may_not_see_the_incident_gets_no_links(campus, closed_incident):  # noqa: F811
    assert page_links(campus.zhao, closed_incident) == []  # class B's counsellor
    assert client_for(campus.zhao).get(f"/incidents/{closed_incident.pk}/").status_code == 404


def test_an_open_incident_has_no_aftermath_yet_only_its_documents(campus):  # noqa: F811
    incident = services.incident_activate(
        actor=campus.chen,
        plan=campus.plan,
        level="II",
        unit=campus.class_a,
        title="演练",
        now=T.activated,
    )
    links, html = _links(client_for(campus.chen), incident)
    assert list(links) == ["documents"]
    assert 'id="link-aftermath"' not in html and 'id="link-review"' not in html
