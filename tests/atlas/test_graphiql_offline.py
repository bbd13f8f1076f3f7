"""GraphiQL (development only) loads every script and style from our own static files, so it works offline."""

import base64
import hashlib
import re

ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"\s+integrity="(sha384-[^"]+)"')


async def test_graphiql_needs_no_cdn_and_every_file_it_loads_is_ours_byte_for_byte(client):
    page = await client.get("/graphql", headers={"Accept": "text/html"})

    assets = ASSET.findall(page.text)
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "unpkg.com" not in page.text and "https://" not in re.sub(r"https://github\.com\S*", "", page.text)
    assert len(assets) == 7
    for path, integrity in assets:
        served = await client.get(path)
        assert served.status_code == 200, path
        digest = base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert f"sha384-{digest}" == integrity, path

