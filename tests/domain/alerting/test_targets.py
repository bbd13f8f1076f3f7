"""Webhook target URLs: http(s) with a real host and port, no credentials."""

import pytest

from domain.alerting.targets import check_url
from domain.errors import ValidationFailed


@pytest.mark.parametrize("url", ["http://[zz]/", "http://hooks.example.com:99999/", "http://hooks.example.com:abc/",
                                 "http://hooks.example.com:0/", "ftp://hooks.example.com/", "http:///path",
                                 "https://user:pw@hooks.example.com/"])
def test_unusable_urls_are_refused_on_the_url_field(url):
    with pytest.raises(ValidationFailed) as refused:
        check_url(url)

    assert refused.value.field == "url"


def test_a_good_url_is_kept_without_surrounding_space():
    assert check_url(" https://hooks.example.com:8443/atlas ") == "https://hooks.example.com:8443/atlas"
