"""The PATCH body's JSON schema, checked by hand (the sandbox must not lean on the validator
the tests use to judge it).

Schema (Shoptet's OpenAPI): ``{"data": {"images": [{"name", "priority"?, "description"?}]}}``,
1–100 items, no other keys anywhere, ``name`` a non-empty string, ``priority`` an integer
1–65535 (a JSON ``true`` is not an integer), ``description`` a string. Duplicate names in one
request are rejected too (decision: two values for one image cannot both win).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

MAX_ITEMS = 100
PRIORITY_MIN, PRIORITY_MAX = 1, 65535
_ITEM_KEYS = frozenset({"name", "priority", "description"})


def invalid(message: str, instance: str) -> dict[str, str]:
    """An ``invalid-request-data`` error item."""
    return {"errorCode": "invalid-request-data", "message": message, "instance": instance}


def unexpected_keys(
    obj: Mapping[str, Any], allowed: Collection[str], at: str
) -> list[dict[str, str]]:
    """An error for each key of ``obj`` (found at path ``at``) that is not ``allowed``.

    >>> [e["instance"] for e in unexpected_keys({"name": 1, "x": 2}, {"name"}, "data")]
    ['data.x']
    """
    prefix = f"{at}." if at else ""
    return [
        invalid(f'Property "{key}" is not allowed.', f"{prefix}{key}")
        for key in obj
        if key not in allowed
    ]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def image_list(body: Any) -> tuple[list[Any] | None, list[dict[str, str]]]:
    """``{"data": {"images": [...]}}`` (PATCH and POST alike): the list (None when there is
    none to look into) and the errors of the envelope around it."""
    if not isinstance(body, dict):
        return None, [invalid("Request body must be a JSON object.", "payload")]
    errors = unexpected_keys(body, {"data"}, "")
    data = body.get("data")
    if not isinstance(data, dict):
        what = "missing" if "data" not in body else "not an object"
        return None, [*errors, invalid(f'Property "data" is {what}.', "data")]
    errors += unexpected_keys(data, {"images"}, "data")
    images = data.get("images")
    if not isinstance(images, list):
        what = "missing" if "images" not in data else "not an array"
        return None, [*errors, invalid(f'Property "images" is {what}.', "data.images")]
    if not 1 <= len(images) <= MAX_ITEMS:
        errors.append(
            invalid(f"Expected 1 to {MAX_ITEMS} images, {len(images)} given.", "data.images")
        )
    return images, errors


def objects(
    images: list[Any], keys: Collection[str], errors: list[dict[str, str]]
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """``(index, path, item)`` of each item that is an object; errors (appended to ``errors``)
    for an item that is not, and for keys other than ``keys``."""
    for i, item in enumerate(images):
        where = f"data.images[{i}]"
        if not isinstance(item, dict):
            errors.append(invalid("Image must be an object.", where))
            continue
        errors += unexpected_keys(item, keys, where)
        yield i, where, item


def check_patch_body(body: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """``(items, errors)``: the items when the body is valid, else every violation found."""
    images, errors = image_list(body)
    if images is None:
        return [], errors
    seen: dict[str, int] = {}
    for i, where, item in objects(images, _ITEM_KEYS, errors):
        name = item.get("name")
        if "name" not in item:
            errors.append(invalid('Property "name" is required.', f"{where}.name"))
        elif not isinstance(name, str) or not name:
            errors.append(invalid('"name" must be a non-empty string.', f"{where}.name"))
        elif name in seen:
            errors.append(
                invalid(
                    f'Image "{name}" is listed twice (also at index {seen[name]}).',
                    f"{where}.name",
                )
            )
        else:
            seen[name] = i
        errors += value_problems(item, where)
    if errors:
        return [], errors
    return images, []


def value_problems(item: Mapping[str, Any], where: str) -> list[dict[str, str]]:
    """Errors of an image item's ``priority`` and ``description`` (PATCH and POST alike)."""
    errors = []
    if "priority" in item:
        priority = item["priority"]
        if not _is_int(priority) or not PRIORITY_MIN <= priority <= PRIORITY_MAX:
            errors.append(
                invalid(
                    f'"priority" must be an integer from {PRIORITY_MIN} to {PRIORITY_MAX}.',
                    f"{where}.priority",
                )
            )
    if "description" in item and not isinstance(item["description"], str):
        errors.append(invalid('"description" must be a string.', f"{where}.description"))
    return errors
