"""Did-you-mean for configuration names and plugin names.

Two distances are combined, and the smaller wins:

* a character distance (optimal string alignment: insert, delete, substitute,
  swap two adjacent letters, each costing 1), which catches dropped, doubled,
  swapped and mistyped letters: ``DEFAULT_DATSTORE`` -> ``DEFAULT_DATASTORE``;
* a word distance over the ``_``/``-``/``.``-separated words, where a missing
  or extra word costs 1, two swapped words cost 1, and a mistyped word costs
  its character distance. It catches names copied from wrong docs:
  ``MAX_WORKERS`` -> ``RUN_MAX_WORKERS``, ``SECRETS_BACKEND_TYPE`` ->
  ``DEFAULT_SECRETS_BACKEND_TYPE``, ``DATASTORE_DEFAULT`` -> ``DEFAULT_DATASTORE``.

A suggestion must mean the same thing, so only these count: edits that stay
inside the words (one letter in a short word, two in a long one, an
abbreviation), the same words in another order, and one missing *leading*
qualifier. An extra word, a replaced word or a word inserted in the middle
changes the meaning and is never suggested: ``USER_ROLE`` is not ``USER``,
``HEAD`` is not ``HELP``, ``BATCH_CLIENT_PARAMS`` is not
``DATATOOLS_CLIENT_PARAMS``, ``KUBERNETES_IMAGE`` is not ``KUBERNETES_STEP_IMAGE``.

Ties go to the candidate with the smaller character distance (the intended
name of a letter typo is one letter away; a name with an extra word is
several), then to ``preferred`` names (e.g. real config keys over CLI
auto-envvars), then to the closer length, then alphabetically, so results
are deterministic.

The comparison ignores case and a shared ``METAFLOW_`` prefix. A
``Suggester`` indexes the candidates once; use it when asking many times.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Optional

from .vocabulary import PREFIX

_WORD_SPLIT = re.compile(r"[_\-.]+")

# An extra word in the typo that the candidate lacks costs more than a
# missing one: dropping a qualifier the user wrote changes the meaning more.
_EXTRA_WORD_COST = 1.5


def osa_distance(a: str, b: str, limit: int = 1 << 30) -> int:
    """Optimal-string-alignment distance (Damerau-Levenshtein without
    re-editing a swapped pair), or ``limit + 1`` as soon as it must exceed
    ``limit``."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    if not la or not lb:
        return max(la, lb)
    prev2 = None
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        ca = a[i - 1]
        cur = [i] + [0] * lb
        row_min = i
        for j in range(1, lb + 1):
            cb = b[j - 1]
            cost = 0 if ca == cb else 1
            v = prev[j - 1] + cost
            d = prev[j] + 1
            if d < v:
                v = d
            d = cur[j - 1] + 1
            if d < v:
                v = d
            if (
                prev2 is not None
                and j > 1
                and ca == b[j - 2]
                and a[i - 2] == cb
                and prev2[j - 2] + 1 < v
            ):
                v = prev2[j - 2] + 1
            cur[j] = v
            if v < row_min:
                row_min = v
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


def _char_limit(n: int) -> int:
    """How many letter edits still make a plausible typo of an n-letter name."""
    if n <= 3:
        return 1
    if n <= 8:
        return 2
    return 3


def _word_sub_cost(x: str, y: str) -> float:
    if x == y:
        return 0.0
    lim = 1 if min(len(x), len(y)) <= 4 else 2
    d = osa_distance(x, y, lim)
    # Too different: treat as one extra + one missing word.
    return float(d) if d <= lim else 1.0 + _EXTRA_WORD_COST


def word_distance(a: list, b: list) -> float:
    """Edit distance over words: typo words ``a`` against candidate words ``b``."""
    la, lb = len(a), len(b)
    prev2 = None
    prev = [float(j) for j in range(lb + 1)]
    for i in range(1, la + 1):
        cur = [i * _EXTRA_WORD_COST] + [0.0] * lb
        for j in range(1, lb + 1):
            v = min(
                prev[j - 1] + _word_sub_cost(a[i - 1], b[j - 1]),
                prev[j] + _EXTRA_WORD_COST,  # extra word in the typo
                cur[j - 1] + 1.0,  # word missing from the typo
            )
            if (
                prev2 is not None
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
            ):
                v = min(v, prev2[j - 2] + 1.0)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[lb]


def _norm(name: str) -> str:
    up = name.strip().upper()
    return up[len(PREFIX):] if up.startswith(PREFIX) else up


def _words(norm: str) -> list:
    return [w for w in _WORD_SPLIT.split(norm) if w]


class Suggester:
    """Closest-name lookup over a fixed candidate set."""

    def __init__(self, candidates: Iterable[str], preferred: Iterable[str] = ()):
        self._cands = sorted(set(candidates))
        pref = {_norm(p) for p in preferred}
        # (original, normalised, words, preferred)
        self._entries = []
        self._charsets = []
        self._by_len = {}
        self._by_word = {}
        for idx, c in enumerate(self._cands):
            n = _norm(c)
            ws = _words(n)
            self._entries.append((c, n, ws, n in pref))
            self._charsets.append(frozenset(n))
            self._by_len.setdefault(len(n), []).append(idx)
            for w in set(ws):
                self._by_word.setdefault(w, []).append(idx)
        self._exact = {}
        for c, n, _, _ in self._entries:
            self._exact.setdefault(n, c)
        self._cache = {}

    def __contains__(self, name: str) -> bool:
        return _norm(name) in self._exact

    def ranked(self, name: str, n: int = 3) -> list:
        """Up to ``n`` plausible intended names, best first."""
        return [c for c, _ in self._ranked(name, n)]

    def _ranked(self, name: str, n: int) -> list:
        key = (name, n)
        if key in self._cache:
            return self._cache[key]
        out = self._rank(name, n)
        if len(self._cache) < 4096:
            self._cache[key] = out
        return out

    def best(self, name: str) -> Optional[str]:
        r = self.ranked(name, 1)
        return r[0] if r else None

    def match(self, name: str) -> Optional[tuple]:
        """(best candidate, how it relates) or None; how: "typo" (the same words with
        typo-level edits, or the same words in another order) or "qualifier" (the
        candidate has one more leading word, e.g. MAX_WORKERS -> RUN_MAX_WORKERS)."""
        r = self._ranked(name, 1)
        return r[0] if r else None

    def _rank(self, name: str, n: int) -> list:
        """[(candidate, how)] best first."""
        q = _norm(name)
        if not q:
            return []
        if q in self._exact:
            # Same name in another case (or with/without the prefix).
            return [(self._exact[q], TYPO)]
        qw = _words(q)
        limit = _char_limit(len(q))
        scored = {}
        qset = frozenset(q)
        # Character distance: only lengths within `limit` can qualify, and only
        # names whose letter sets differ by at most 2 per edit (an edit adds or
        # removes at most one letter from each side; a swap changes nothing):
        # a C-speed test that skips most of the DP below.
        for length in range(max(0, len(q) - limit), len(q) + limit + 1):
            for idx in self._by_len.get(length, ()):
                if len(qset ^ self._charsets[idx]) > 2 * limit:
                    continue
                c, cn, cw, _ = self._entries[idx]
                d = osa_distance(q, cn, limit)
                if d <= limit and _within_words(q, qw, cn, cw, d):
                    scored[idx] = (float(d), d, TYPO)
        # Word level: the same words in another order, or one leading qualifier
        # missing. Never an extra word, a replaced word or a word inserted in the
        # middle: those change what the name means (USER_ROLE is not USER,
        # FLYTE_CLONE_RUN_ID is not STEP_CLONE_RUN_ID).
        if qw:
            seen = set()
            for w in set(qw):
                for idx in self._by_word.get(w, ()):
                    if idx in seen or idx in scored:
                        continue
                    seen.add(idx)
                    c, cn, cw, _ = self._entries[idx]
                    how = _word_relation(qw, cw)
                    if how is None:
                        continue
                    scored[idx] = (word_distance(qw, cw), osa_distance(q, cn, 64), how)
        ranked = sorted(
            scored.items(),
            key=lambda kv: (
                kv[1][0],
                kv[1][1],
                not self._entries[kv[0]][3],
                abs(len(self._entries[kv[0]][1]) - len(q)),
                self._entries[kv[0]][0],
            ),
        )
        return [(self._entries[idx][0], v[2]) for idx, v in ranked[:n]]


TYPO = "typo"
QUALIFIER = "qualifier"


def _same_word(a: str, b: str) -> bool:
    """Typo-level edits of one word: one letter in a short word, two in a long one,
    or an abbreviation (AZ for AZURE)."""
    if a == b:
        return True
    if min(len(a), len(b)) >= 2 and (a.startswith(b) or b.startswith(a)):
        return True
    lim = 1 if min(len(a), len(b)) <= 4 else 2
    return osa_distance(a, b, lim) <= lim


def _within_words(q: str, qw: list, cn: str, cw: list, d: int) -> bool:
    """A character match of distance d is a typo when the edits stay inside the words:
    one edit always is; more must leave every word recognisable (HEAD -> HELP, two
    of four letters, is another word)."""
    if d <= 1:
        return True
    if len(qw) == len(cw):
        return all(_same_word(a, b) for a, b in zip(qw, cw))
    # Only word boundaries moved (NAME_SPACE_ID -> NAMESPACE_ID, twice).
    return q.replace("_", "") == cn.replace("_", "")


def _word_relation(qw: list, cw: list) -> Optional[str]:
    if len(qw) == len(cw) and sorted(qw) == sorted(cw):
        return TYPO
    # One leading qualifier missing from a name of two or more words.
    if len(qw) >= 2 and len(cw) == len(qw) + 1 and all(
            _same_word(a, b) for a, b in zip(qw, cw[1:])):
        return QUALIFIER
    return None


@lru_cache(maxsize=32)
def _suggester_for(cands: frozenset, preferred: frozenset) -> Suggester:
    return Suggester(cands, preferred)


def suggest(name: str, candidates: Iterable[str], preferred: Iterable[str] = ()) -> Optional[str]:
    """The most likely intended name among ``candidates``, or None."""
    return _suggester_for(frozenset(candidates), frozenset(preferred)).best(name)


def suggest_many(
    name: str, candidates: Iterable[str], n: int = 3, preferred: Iterable[str] = ()
) -> list:
    return _suggester_for(frozenset(candidates), frozenset(preferred)).ranked(name, n)
