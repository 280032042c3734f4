"""A person's e-mail address is checked by email-validator, as every form checks addresses: the directory's
service (used by forms, the command line and the demo) accepts what the forms accept, and nothing else."""

import pytest
from wtforms.validators import Email, ValidationError

from eventmgr.errors import EventMgrError
from eventmgr.people.services import create_person

#: Addresses the hand-written pattern let through although no form would take them.
REFUSED = ["aida@bomca..org", "aida@bomca_programme.org", "aida@mail.local", "aida@example.invalid", "aida@.bomca.org"]


def form_accepts(address: str) -> bool:
    field = type("Field", (), {"data": address, "gettext": staticmethod(lambda text: text)})()
    try:
        Email()(None, field)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("address", ["not an address", "aida@bomca", "aida@@bomca.org", "aida @bomca.org", *REFUSED])
def test_an_address_no_form_accepts_is_refused(db, make_user, address):
    assert not form_accepts(address)
    with pytest.raises(EventMgrError) as refused:
        create_person({"full_name": "Aida Nurlanovna", "email": address}, make_user())
    assert refused.value.field == "email"


@pytest.mark.parametrize(
    "address, kept",
    [
        ("aida@bomca.example", "aida@bomca.example"),
        ("  Aida.Nurlanovna@BOMCA.org ", "aida.nurlanovna@bomca.org"),
        ("айда@пример.рф", "айда@пример.рф"),
    ],
)
def test_an_address_the_forms_accept_is_kept_lower_cased(db, make_user, address, kept):
    assert form_accepts(address.strip())
    person = create_person({"full_name": "Aida Nurlanovna", "email": address}, make_user())
    assert person.email == kept
