"""Whether a host is a public suffix, by the Public Suffix List that the `publicsuffixlist` package bundles.

A subdomain pattern whose parent is a public suffix (`https://*.co.uk`, or a hosting provider's shared
domain from the list's private section, such as `*.github.io` or `*.vercel.app`) would allow every
tenant there, and anyone can publish a page under it. The list is read from the installed package, never
fetched at run time: a newer list arrives with a newer pin of the package.

Only the settings' check of a configured subdomain pattern calls this, at cold start, so exact origins
never import it. The package's `PublicSuffixList()` parses the whole list, which costs far more than the
cold start can spare; this looks up, as whole lines of the package's list file, only the rules that can
apply to one host (its suffixes, as exact, wildcard and exception rules), then lets the package's own
matcher decide with those rules, so wildcards (`*.ck`) and exceptions (`!www.ck`) follow its semantics.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator


def is_public_suffix(host: str) -> bool:
    """Whether `host` (lowercase, IDN labels punycoded, as in a serialized origin) is a public suffix on the
    Public Suffix List, ICANN or private section: names under it can belong to unrelated owners."""
    from publicsuffixlist import PSLFILE, PublicSuffixList  # noqa: PLC0415 - only for a configured pattern

    with open(PSLFILE, "rb") as file:
        listed = b"\n" + file.read() + b"\n"
    rules = [rule for spelling, rule in _candidate_rules(host) if b"\n" + spelling + b"\n" in listed]
    # The rules are given as punycode, as the host is: the package need not encode IDNs (nor import the
    # idna codec) to compare them.
    return PublicSuffixList(rules, accept_encoded_idn=False).is_public(host)


def _candidate_rules(host: str) -> Iterator[tuple[bytes, bytes]]:
    # Every rule that can match `host` ends with one of its suffixes: each is yielded as the list spells it
    # (IDN labels in Unicode) and as the host spells it (punycode).
    ascii_labels = host.split(".")
    listed_labels = [_unicode(label) for label in ascii_labels]
    for start in range(len(ascii_labels)):
        listed = ".".join(listed_labels[start:]).encode()
        ascii_suffix = ".".join(ascii_labels[start:]).encode()
        for prefix in (b"", b"*.", b"!"):
            yield prefix + listed, prefix + ascii_suffix


def _unicode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return codecs.decode(label[4:].encode("ascii"), "punycode")
    except UnicodeError:
        return label  # not valid punycode: no rule spells it, and the ASCII lookup stands
