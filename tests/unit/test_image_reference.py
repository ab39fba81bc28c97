"""The image rule against the distribution `reference` package's own test vectors."""

from __future__ import annotations

import pytest

from instance_api.domain.image_reference import problem

SHA256 = "sha256:" + "f" * 64

# From distribution/reference's reference_test.go (valid cases).
VALID = [
    "test_com",
    "test.com:tag",
    "test.com:5000",
    "test.com/repo:tag",
    "test:5000/repo",
    "test:5000/repo:tag",
    f"test:5000/repo@{SHA256}",
    f"test:5000/repo:tag@{SHA256}",
    "lowercase:Uppercase",
    "a/" * 127 + "a:tag-puts-this-over-max",
    "sub-dom1.foo.com/bar/baz/quux",
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "b.gcr.io/test.example.com/my-app:test.example.com",
    "xn--n3h.com/myimage:xn--n3h.com",
    "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" + "f" * 128,
    "foo_bar.com:8080",
    "foo/foo_bar.com:8080",
    "192.168.1.1",
    "192.168.1.1:tag",
    "192.168.1.1:5000",
    "192.168.1.1/repo",
    "192.168.1.1:5000/repo",
    "192.168.1.1:5000/repo:5050",
    "[2001:db8::1]/repo",
    "[2001:db8:1:2:3:4:5:6]/repo:tag",
    "[2001:db8::1]:5000/repo",
    "[2001:db8::1]:5000/repo:tag",
    f"[2001:db8::1]:5000/repo@{SHA256}",
    f"[2001:db8::1]:5000/repo:tag@{SHA256}",
    "[2001:db8::]:5000/repo",
    "[::1]:5000/repo",
    "a__b/c--d/e.f_g",
]

# From the same file (error cases), plus the separators the grammar excludes.
INVALID = {
    ":justtag": "is not a valid image reference",
    f"@{SHA256}": "is not a valid image reference",
    "repo@sha256:" + "f" * 34: "has an invalid sha256 digest",
    "validname@invaliddigest:" + "f" * 64: "has an unsupported digest algorithm",
    "Uppercase:tag": "must be lowercase",
    "test:5000/Uppercase/lowercase:tag": "must be lowercase",
    "a/" * 128 + "a:tag": "longer than 255 characters",
    "aa/asdf$$^/aa": "is not a valid image reference",
    "[2001:db8::1]": "has an invalid tag",
    "[2001:db8::1]:5000": "is not a valid image reference",
    "[2001:db8::1]:tag": "is not a valid image reference",
    "[fe80::1%eth0]:5000/repo": "is not a valid image reference",
    "[fe80::1%@invalidzone]:5000/repo": "has an invalid digest",
    "a..b": "is not a valid image reference",
    "a___b": "is not a valid image reference",
    "-a": "is not a valid image reference",
    "a/": "is not a valid image reference",
    "repo:" + "t" * 129: "has an invalid tag",
    "repo:.tag": "has an invalid tag",
    "repo@sha256:" + "F" * 64: "expected 64 lowercase hex digits",
    "x" * 513: "at most 512 characters",
}


@pytest.mark.parametrize("reference", VALID)
def test_given_a_reference_distribution_accepts_when_checking_then_it_is_valid(reference: str) -> None:
    assert problem(reference) is None


@pytest.mark.parametrize(("reference", "why"), INVALID.items())
def test_given_a_reference_distribution_rejects_when_checking_then_the_problem_says_why(
    reference: str, why: str
) -> None:
    found = problem(reference)
    assert found is not None
    assert why in found


@pytest.mark.parametrize(
    "hostile",
    ["a" + "-" * 510 + "!", "a." * 255 + "!", "a/" * 255 + "A", "[" + ":" * 510 + "]/a", "a" * 511 + "@"],
)
def test_given_a_hostile_near_miss_when_checking_then_it_is_rejected(hostile: str) -> None:
    assert problem(hostile) is not None
