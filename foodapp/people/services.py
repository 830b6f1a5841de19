"""Writes to people: users with their food profiles, in bulk (simulator) or one by one (imports)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from foodapp.catalog.services import cuisines_get_or_create, label_slug
from foodapp.core.coordinates import coordinates_error
from foodapp.people.models import DietRestriction, Profile
from foodapp.people.person_input import PersonInput, imported_username

ERROR_USERNAME_REQUIRED = "username must not be empty."
ERROR_USERNAME_TAKEN = "username {value!r} is already taken."
ERROR_DIET = "diet {value!r} is not one of: " + ", ".join(DietRestriction.values) + "."
ERROR_EXTERNAL_ID_REQUIRED = "person_upsert needs an external_id."


class PersonValidationError(ValueError):
    """A person that cannot be written; the message names the field."""


# The profile columns an upsert replaces (see _profile_apply).
_PROFILE_FIELDS = ("diet_restrictions", "area", "latitude", "longitude", "attributes")


def _profile_apply(profile: Profile, person: PersonInput) -> None:
    """Copy an upserted person's _PROFILE_FIELDS onto their existing profile (the import's
    attributes merged into the stored ones)."""
    profile.diet_restrictions = list(person.diet_restrictions)
    profile.area = person.area
    profile.latitude, profile.longitude = person.latitude, person.longitude
    profile.attributes = {**profile.attributes, **person.attributes}


def person_validate(person: PersonInput) -> None:
    """Raise PersonValidationError naming the first bad field of `person`."""
    if not person.username.strip():
        raise PersonValidationError(ERROR_USERNAME_REQUIRED)
    for diet in person.diet_restrictions:
        if diet not in DietRestriction.values:
            raise PersonValidationError(ERROR_DIET.format(value=diet))
    error = coordinates_error(latitude=person.latitude, longitude=person.longitude)
    if error:
        raise PersonValidationError(error)


def people_create_bulk(*, people: Sequence[PersonInput]) -> list[int]:
    """Create users (unusable passwords) and their profiles in bulk, in one transaction.

    Args:
        people: new people; usernames must be unused.

    Returns:
        The new users' ids, in the order of `people`.

    Raises:
        PersonValidationError: naming the bad field or a taken username; nothing is written.
    """
    for person in people:
        person_validate(person)
    if not people:
        return []
    user_model = get_user_model()
    usernames = [p.username for p in people]
    with transaction.atomic():
        duplicate = _first_duplicate(usernames) or _first_taken(usernames)
        if duplicate:
            raise PersonValidationError(ERROR_USERNAME_TAKEN.format(value=duplicate))
        unusable = make_password(None)
        users = user_model.objects.bulk_create(
            [
                user_model(username=p.username, first_name=p.name[:150], password=unusable)
                for p in people
            ],
            batch_size=500,
        )
        profiles = Profile.objects.bulk_create(
            [
                Profile(
                    user_id=user.pk,
                    diet_restrictions=list(person.diet_restrictions),
                    area=person.area,
                    latitude=person.latitude,
                    longitude=person.longitude,
                    attributes=person.attributes,
                    external_id=person.external_id,
                )
                for user, person in zip(users, people, strict=True)
            ],
            batch_size=500,
        )
        _favourites_add(profiles, people)
    return [user.pk for user in users]


def _first_taken(usernames: Sequence[str]) -> str:
    """The first of these usernames that an existing user has, or ""."""
    user_model = get_user_model()
    for start in range(0, len(usernames), 500):
        chunk = usernames[start : start + 500]
        taken = user_model.objects.filter(username__in=chunk).values_list("username", flat=True)
        for username in taken[:1]:
            return str(username)
    return ""


def _first_duplicate(usernames: Sequence[str]) -> str:
    """The first username that occurs twice."""
    seen: set[str] = set()
    for name in usernames:
        if name in seen:
            return name
        seen.add(name)
    return ""


def _favourites_add(profiles: Sequence[Profile], people: Sequence[PersonInput]) -> None:
    """Link the profiles to their favourite cuisines with one bulk insert."""
    cuisines = cuisines_get_or_create(names=[c for p in people for c in p.favourite_cuisines])
    through = Profile.favourite_cuisines.through
    links: list[Profile.favourite_cuisines.through] = []  # type: ignore[name-defined]
    for profile, person in zip(profiles, people, strict=True):
        ids = {cuisines[label_slug(c)].pk for c in person.favourite_cuisines if label_slug(c)}
        links.extend(through(profile_id=profile.pk, cuisine_id=cid) for cid in sorted(ids))
    through.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)


def person_upsert(*, person: PersonInput) -> tuple[int, bool]:
    """Create or update the person with this external_id (imports re-run safely).

    On update the username stays; name, diet, favourite cuisines and area are replaced and the
    attributes merged (new keys win).

    Returns:
        (user id, True when created).

    Raises:
        PersonValidationError: naming the bad field.
    """
    person_validate(person)
    if not person.external_id:
        raise PersonValidationError(ERROR_EXTERNAL_ID_REQUIRED)
    with transaction.atomic():
        profile = (
            Profile.objects.select_related("user").filter(external_id=person.external_id).first()
        )
        if profile is None:
            return people_create_bulk(people=[person])[0], True
        user = profile.user
        user.first_name = person.name[:150]
        user.save(update_fields=["first_name"])
        _profile_apply(profile, person)
        profile.save(update_fields=[*_PROFILE_FIELDS, "updated"])
        cuisines = cuisines_get_or_create(names=person.favourite_cuisines)
        profile.favourite_cuisines.set(cuisines.values())
    return user.pk, False


def people_ensure_bulk(*, external_ids: Sequence[str]) -> dict[str, int]:
    """Return external_id -> user id, creating bare people for the ids not seen before."""
    wanted = sorted(set(external_ids))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        found.update(
            Profile.objects.filter(external_id__in=wanted[start : start + 500]).values_list(
                "external_id", "user_id"
            )  # type: ignore[arg-type]
        )
    missing = [ext for ext in wanted if ext not in found]
    if missing:
        new_ids = people_create_bulk(
            people=[PersonInput(username=imported_username(e), external_id=e) for e in missing]
        )
        found.update(zip(missing, new_ids, strict=True))
    return found


def people_upsert_bulk(*, people: Sequence[PersonInput]) -> tuple[int, int]:
    """Create or update people keyed by external_id, in one transaction, with a few queries.

    Same rules as person_upsert: new people get an unusable password; known ones keep their
    username, take the new name, diet, area and favourite cuisines, and merge attributes.

    Args:
        people: people that all carry an external_id (a later duplicate wins).

    Returns:
        (created, updated).

    Raises:
        PersonValidationError: naming the bad field; nothing is written.
    """
    latest: dict[str, PersonInput] = {}
    for person in people:
        person_validate(person)
        if not person.external_id:
            raise PersonValidationError(ERROR_EXTERNAL_ID_REQUIRED)
        latest[person.external_id] = person
    if not latest:
        return 0, 0
    keys = sorted(latest)
    with transaction.atomic():
        existing: dict[str, Profile] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for profile in Profile.objects.select_related("user").filter(external_id__in=chunk):
                existing[str(profile.external_id)] = profile
        new = [latest[key] for key in keys if key not in existing]
        people_create_bulk(people=new)
        if not existing:
            return len(new), 0
        users = []
        for key, profile in existing.items():
            person = latest[key]
            profile.user.first_name = person.name[:150]
            users.append(profile.user)
            _profile_apply(profile, person)
        get_user_model().objects.bulk_update(users, ["first_name"], batch_size=500)
        profiles = list(existing.values())
        Profile.objects.bulk_update(profiles, [*_PROFILE_FIELDS, "updated"], batch_size=500)
        through = Profile.favourite_cuisines.through
        ids = [profile.pk for profile in profiles]
        for start in range(0, len(ids), 500):
            through.objects.filter(profile_id__in=ids[start : start + 500]).delete()
        _favourites_add(profiles, [latest[key] for key in existing])
    return len(new), len(existing)
