"""Every SetError type gets plain words of its own without a description: 0.16.18
sends many without one (docs/stalwart-contract.md §2.4, fact 11). The server's
words are shown beside ours when they exist."""
from __future__ import annotations

import pytest

from app import i18n
from app.messages.en import MESSAGES
from app.jmap import parse_set, parse_set_error

# The shapes 0.16.18 sent (fact 11) and the other types of §2.4, bare.
SEEN = {
    "objectIsLinked": {"type": "objectIsLinked", "objectId": {"object": "PublicKey", "id": "jq13hhpkaeaa"},
                       "linkedObjects": [{"object": "Account", "id": "b"}]},
    "invalidForeignKey": {"type": "invalidForeignKey", "objectId": {"object": "PublicKey", "id": "zzzz"}},
    "validationFailed": {"type": "validationFailed",
                         "validationErrors": [{"type": "Required", "property": "description"}]},
    "invalidProperties": {"type": "invalidProperties", "properties": ["encryptionAtRest/encryptOnAppend"]},
    "invalidPatch": {"type": "invalidPatch", "description": "Invalid key for object property",
                     "properties": ["allowedIps"]},
    "overQuota": {"type": "overQuota"},
    "forbidden": {"type": "forbidden"},
    "singleton": {"type": "singleton"},
    "notFound": {"type": "notFound"},
}


@pytest.mark.parametrize("etype", sorted(SEEN))
@pytest.mark.parametrize("lang", ["en", "de"])
def test_each_type_has_its_own_words_without_a_description(etype, lang):
    body = {k: v for k, v in SEEN[etype].items() if k != "description"}
    err = parse_set_error(body, "x")
    assert err.error_type == etype and err.key != "err.set.other" and err.key in MESSAGES
    text = i18n.translate(err, lang)
    assert text and "{" not in text and etype not in text  # words, not the type's name
    others = {parse_set_error({"type": t}, "x").key for t in SEEN if t != etype}
    assert err.key not in others


def test_bare_invalid_properties_still_names_something():
    err = parse_set_error({"type": "invalidProperties"})
    assert "a field" in err.message
    err = parse_set_error(SEEN["invalidProperties"])
    assert "encryptionAtRest/encryptOnAppend" in err.message


def test_validation_errors_are_described_without_a_description():
    err = parse_set_error(SEEN["validationFailed"])
    assert "description is required" in err.message and err.server_text is None


@pytest.mark.parametrize("body", [{"type": "somethingNew"}, {"type": 5}, {}, "junk", None])
def test_unknown_or_broken_types_get_the_general_words(body):
    err = parse_set_error(body)
    assert err.key == "err.set.other" and "{" not in err.message


def test_not_authorized_to_grant_names_the_permissions():
    desc = "You are not authorized to grant permissions: sysAccountGet, sysDomainGet, sysRoleGet"
    err = parse_set_error({"type": "forbidden", "description": desc})
    assert err.key == "err.set.forbidden_grant"
    assert "sysAccountGet, sysDomainGet, sysRoleGet" in err.message and err.server_text == desc
    assert parse_set_error({"type": "forbidden", "description": "Operation not allowed."}).key == \
        "err.set.forbidden"


def test_server_words_are_kept_beside_ours():
    res = parse_set({"notCreated": {"k": {"type": "overQuota",
                                          "description": "You have exceeded your quota of 5 app passwords."}}})
    err = res.not_created["k"]
    assert err.key == "err.quota" and err.server_text.startswith("You have exceeded")
