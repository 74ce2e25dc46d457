import pytest
from django.contrib.auth.models import Group

from mlops_gov.roles import ROLES, sync_roles


@pytest.mark.django_db
def test_the_data_migration_created_every_role():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


@pytest.mark.django_db
def test_auditor_is_read_only_everywhere():
    perms = Group.objects.get(name="auditor").permissions.select_related("content_type")
    codenames = {p.codename for p in perms}
    assert "view_registeredmodel" in codenames and "view_auditevent" in codenames
    assert "verify_audit" in codenames
    assert not [c for c in codenames if c.startswith(("add_", "change_", "delete_"))]


@pytest.mark.django_db
def test_only_approvers_may_decide_promotions():
    holders = set(Group.objects.filter(permissions__codename="decide_promotionrequest").values_list("name", flat=True))
    assert holders == {"approver"}


@pytest.mark.django_db
def test_scientists_author_but_do_not_decide(personas):
    user = personas.scientist
    assert user.has_perm("registry.add_registeredmodel")
    assert user.has_perm("registry.add_promotionrequest")
    assert not user.has_perm("registry.decide_promotionrequest")
    assert not user.has_perm("registry.delete_auditevent")


@pytest.mark.django_db
def test_sync_roles_is_idempotent():
    first = sync_roles()
    assert sync_roles() == first
