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
    rules = [rule for rule in _candidate_rules(host) if b"\n" + rule + b"\n" in listed]
    return PublicSuffixList(rules).is_public(host)


def _candidate_rules(host: str) -> Iterator[bytes]:
    # Every rule that can match `host` ends with one of its suffixes. The list spells IDN labels in
    # Unicode; the package adds the punycoded spelling of each rule it is given.
    labels = [_unicode(label) for label in host.split(".")]
    for start in range(len(labels)):
        suffix = ".".join(labels[start:]).encode()
        yield suffix
        yield b"*." + suffix
        yield b"!" + suffix


def _unicode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return codecs.decode(label[4:].encode("ascii"), "punycode")
    except UnicodeError:
        return label  # not valid punycode: no rule spells it, and the ASCII lookup stands
