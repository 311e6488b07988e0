"""The three formats of the LiveAgent API (reference §1, "XML", "YAML"), as functions."""

import xml.etree.ElementTree as ET

import orjson
import pytest
import yaml

from liveagent.plumbing.renderers import (
    JsonRenderer,
    YamlRenderer,
    content_type,
    format_from_path,
    item_name,
    to_xml,
)

HEADER = "<?xml version='1.0' encoding='utf-8'?>\n"


def xml(data, html_fields=()) -> str:
    return to_xml(data, html_fields).decode()


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/liveagent/api/application/status", "json"),
        ("/liveagent/api/application/status.json", "json"),
        ("/liveagent/api/application/status.xml", "xml"),
        ("/liveagent/api/application/status.yaml", "yaml"),
        ("/liveagent/api/application/status.xml/", "xml"),
        ("/liveagent/api/customers/john@example.com.xml", "xml"),
        ("/liveagent/api/customers/john@example.com", "json"),
        ("/liveagent/api/files.xml.txt", "json"),
        ("/liveagent/api/status.XML", "json"),
    ],
)
def test_the_format_is_the_suffix_of_the_last_segment(path, fmt):
    assert format_from_path(path) == fmt


@pytest.mark.parametrize(
    ("container", "item"),
    [
        ("companies", "companie"),
        ("entries", "entrie"),
        ("custom_fields", "custom_field"),
        ("agentsOnlineStates", "agentsOnlineState"),
        ("emails", "email"),
        ("phones", "phone"),
        ("performance", "item"),
        ("agentsavailability", "item"),
        ("availability", "item"),
        ("chatsOverview", "item"),
        ("s", "item"),
    ],
)
def test_list_items_are_named_after_their_container(container, item):
    assert item_name(container) == item


def test_xml_of_the_seed_company_example():
    data = {
        "response": {
            "id": "d8f6ba6d",
            "emails": ["ceo@companyco.com", "cfo@companyco.com"],
            "groups": [{"groupid": "g1", "groupname": "VIP"}],
            "custom_fields": [{"code": "varsymbol", "value": "43894209"}],
            "performance": [{"answers": "3"}],
        }
    }
    assert xml(data) == (
        HEADER + "<response><id>d8f6ba6d</id>"
        "<emails><email>ceo@companyco.com</email><email>cfo@companyco.com</email></emails>"
        "<groups><group><groupid>g1</groupid><groupname>VIP</groupname></group></groups>"
        "<custom_fields><custom_field><code>varsymbol</code><value>43894209</value></custom_field></custom_fields>"
        "<performance><item><answers>3</answers></item></performance></response>"
    )


def test_null_empty_string_and_empty_list_are_empty_elements():
    data = {"response": {"datedue": None, "note": "", "attributes": [], "extra": {}, "count": 0}}
    assert xml(data) == HEADER + "<response><datedue/><note/><attributes/><extra/><count>0</count></response>"


def test_text_is_escaped_and_the_document_well_formed():
    data = {"response": {"name": "Tom & Jerry <b>", "url": "a?b=1&c=]]>", "bad": "a\x00b\x1fc\ud800"}}
    text = xml(data)
    assert "<name>Tom &amp; Jerry &lt;b&gt;</name>" in text
    root = ET.fromstring(text.encode())
    assert root.tag == "response"
    assert root.findtext("name") == "Tom & Jerry <b>"
    assert root.findtext("url") == "a?b=1&c=]]>"
    # Characters XML cannot carry are dropped rather than breaking the document.
    assert root.findtext("bad") == "abc"


def test_html_fields_are_cdata_even_when_null():
    data = {
        "response": {
            "entries": [{"title": "A & B", "content": "<p>Hi & bye</p>", "content_simple_html": None}],
            "onlinecode": "<script>x]]>y</script>",
        }
    }
    text = xml(data, html_fields={"content", "content_simple_html", "onlinecode"})
    assert "<content><![CDATA[<p>Hi & bye</p>]]></content>" in text
    assert "<content_simple_html><![CDATA[]]></content_simple_html>" in text
    assert "<title>A &amp; B</title>" in text
    root = ET.fromstring(text.encode())
    assert root.find("entries/entrie/content").text == "<p>Hi & bye</p>"
    # A "]]>" inside is split across two sections, and reads back whole.
    assert root.findtext("onlinecode") == "<script>x]]>y</script>"


def test_non_ascii_is_utf_8():
    text = to_xml({"response": {"name": "Žluťoučký kůň"}})
    assert ET.fromstring(text).findtext("name") == "Žluťoučký kůň"
    assert "Žluťoučký".encode() in text


def test_json_is_compact_utf_8_in_field_order():
    body = JsonRenderer().render({"response": {"b": "ř", "a": None, "statuscode": 0}})
    assert body == '{"response":{"b":"ř","a":null,"statuscode":0}}'.encode()


def test_yaml_is_the_json_tree_in_field_order():
    data = {"response": {"zeta": "1", "date": "2012-04-05 11:22:31", "none": None, "list": ["a"], "code": 0}}
    body = YamlRenderer().render(data)
    assert yaml.safe_load(body) == data
    assert list(yaml.safe_load(body)["response"]) == ["zeta", "date", "none", "list", "code"]
    # Strings stay strings: the date and the number-looking text are quoted, not typed.
    assert orjson.loads(orjson.dumps(yaml.safe_load(body))) == data


def test_content_types():
    assert content_type("json") == "application/json"
    assert content_type("xml") == "application/xml; charset=utf-8"
    assert content_type("yaml") == "application/x-yaml"
