"""Region rules for the text path: where the story ends, and what inside it is not story.

Pure functions over a page's lines and their features (:mod:`service.clean.text_lines`):
the trailing "also read / related" block or comment section, the densest span's widening
by a short paragraph at each edge, prose islands that a run of chrome cuts off from the
story, runs of link-like lines, second copies of repeated lines, and signed customer
reviews.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.clean.rules import MAX_BLOCK_START_CHARS, SourceRules
from service.clean.text_lines import (
    best_sums,
    is_chrome_like,
    is_short_paragraph,
    word_count,
)

LINK_RUN = 3  # this many short unpunctuated lines in a row are a link list
GAP_LINES = 4  # this many non-prose lines in a row may separate the story from a widget
GAP_CHROME = 2  # ... when at least this many of them are lines the rules drop
DETACHED_SHARE = 0.4  # a last segment with less prose than this share of the largest goes
LEADING_SHARE = 0.25  # ... and a first segment with less than this share
CONTINUED_SHARE = 0.8  # prose after a block start this dense, relative to before, goes on
REPEAT_MIN_WORDS = 8  # a repeated line this long is a widget shown twice
BIO_MIN_WORDS = 8  # an author's bio under their name is at least this long
TESTIMONIALS_MIN = 3  # this many reviews signed "Firstname L." are a testimonial block
REVIEW_MIN_WORDS = 6  # a review above its signature is at least this long
COMMENTS_MIN_CHARS = 800  # after this much prose, a comments heading ends the story
MAX_COMMENTS_HEADING_CHARS = 160  # longer lines are never comments headings

_NAME = re.compile(
    r"(?:By )?(?:[A-Z][a-z\u2019'.-]+|[A-Z]\.)"
    r"(?: (?:[A-Z][a-z\u2019'.-]+|[A-Z]\.|de|van|von|da|del|di|la|le|Jr\.?)){0,3}"
)
_BIO = re.compile(
    r".{0,100}\b(?:writer|editor|reporter|journalist|author|contributor|columnist|correspondent"
    r"|founder|co-founder|ceo|director|manager|owner|specialist|expert|consultant|freelancer?"
    r"|photographer|professor|teaches|holds an? |degree|years of experience|based in|lives in"
    r"|covers|has written|writes about|passionate about)\b",
    re.IGNORECASE,
)
# a review's signature: "Dawn H.", "Miranda E. R."
_REVIEWER = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)?(?: [A-Z]\.){1,2}")
# a cheap pre-test for _COMMENTS_HEADING, on the lower-cased line
_COMMENTS_HINT = re.compile("comment|respons|repl|thought|interaction|says|writes")
_I_AM = ("I'm ", "I\u2019m ", "I am ", "Hi, I'm ", "Hi, I\u2019m ", "Hi! I'm ", "Hi! I\u2019m ")
_COMMENTS_HEADING = re.compile(
    r"(?:(?:\d+|one|no) (?:comments?|responses?|replies|thoughts)(?: (?:on|to) .+)?"
    r"|comments(?: \(\d+\))?|responses \(\d+\)|(?:reader|user|visitor) (?:comments|interactions)"
    r"|leave a (?:comment|reply) cancel reply"
    r"|(?!(?:he|she|they|it|we|i|you|who|this|that|everyone|someone)\b)[^\s.!?,:;]+(?: [^\s.!?,:;]+){0,4} says:?"
    r"|by \S+(?: \S+){0,3} \( ?\d+ ?\) writes:"
    r")[:.]?",
    re.IGNORECASE,
)


def opens_comments(line: str) -> bool:
    """Return whether ``line`` heads a comment section.

    "12 Comments", "Comments (4)", "3 thoughts on \u201cTitle\u201d", "Reader
    Interactions", "Leave a Reply Cancel reply" do, and so does a comment's byline
    ("Jane Roe says:", "by jroe ( 1234 ) writes:"); "Comments?", "Response:" (a
    question to readers, a Q&A label) or "She says:" (a quote in the story) do not.
    """
    if len(line) > MAX_COMMENTS_HEADING_CHARS:
        return False
    return (
        _COMMENTS_HINT.search(line.lower()) is not None
        and _COMMENTS_HEADING.fullmatch(line) is not None
    )


def opens_author_box(lines: Sequence[str], i: int) -> bool:
    """Return whether ``lines[i]`` is a name that heads an author box.

    The name (one to four capitalised words, "By " allowed) is followed, at most one
    short line (a job title) later, by a bio that opens with the name or the first
    name and says what the person does ("Jane Roe is a senior reporter who ..."), or
    in which the author introduces themselves ("I'm Jane, and I ...").
    """
    line = lines[i]
    if len(line) > 40 or _NAME.fullmatch(line) is None:
        return False
    name = line[3:] if line.startswith("By ") else line
    first = name.split(" ", 1)[0]
    for j in (i + 1, i + 2):
        if j >= len(lines):
            return False
        bio = lines[j]
        words = word_count(bio)
        if words >= BIO_MIN_WORDS and bio.startswith(tuple(f"{hi}{first}" for hi in _I_AM)):
            return True  # "Jane Roe" over "I'm Jane, a ...": the author introduces herself
        if words >= BIO_MIN_WORDS and bio.startswith(
            (name, first + " ", first + "\u2019", first + "'")
        ):
            return _BIO.match(bio) is not None
        if words >= 5:
            return False
    return False


def cut_trailing_block(
    lines: Sequence[str], prose: list[bool], scores: Sequence[float], rules: SourceRules
) -> tuple[int, set[int]]:
    """Return where the trailing block starts, and the sidebar lines before the body.

    A comments heading (:func:`opens_comments`) once COMMENTS_MIN_CHARS of prose are
    behind ends the story whatever follows: comments can outweigh the story itself.
    A block-start line (or a name heading an author box, :func:`opens_author_box`)
    once half the prose is behind opens the trailing block (the rest is cut), unless a
    run of prose after it is as dense as CONTINUED_SHARE of the best run before it:
    then it was a link box inside the story. Otherwise (and before the body) it opens
    a sidebar that runs to the next prose line.
    """
    total = sum(len(line) for line, p in zip(lines, prose, strict=True) if p)
    sums: tuple[list[float], list[float]] | None = None  # computed when first needed
    sidebar: set[int] = set()
    before = 0
    skipping = False
    for i, line in enumerate(lines):
        if before >= COMMENTS_MIN_CHARS and opens_comments(line):
            return i, sidebar  # comments end the story, however much they run on
        if (len(line) <= MAX_BLOCK_START_CHARS and rules.starts_block(line)) or (
            before * 2 >= total and before > 0 and opens_author_box(lines, i)
        ):
            if before * 2 >= total and before > 0:
                best_before, best_after = sums = sums or best_sums(scores)
                if best_after[i + 1] < CONTINUED_SHARE * best_before[i]:
                    return i, sidebar  # body under way: the rest is the trailing block
            skipping = True  # a sidebar or an in-story box: drop up to the next prose
        elif prose[i]:
            skipping = False
            before += len(line)
        if skipping:
            sidebar.add(i)
    return len(lines), sidebar


def widen(
    kept: Sequence[int],
    start: int,
    stop: int,
    lines: Sequence[str],
    words: Sequence[int],
    learned: Sequence[bool],
) -> tuple[int, int]:
    """Grow the densest span by one adjacent short, punctuated paragraph on each side.

    The maximum-sum span scores such lines zero, so it leaves out a standfirst or a
    short closing paragraph ("The FA said 85,000 fans attended.") at its edges.
    """
    for step in (-1, 1):
        edge = start - 1 if step < 0 else stop
        if 0 <= edge < len(kept):
            i = kept[edge]
            if is_short_paragraph(lines[i], words[i]) and not learned[i]:
                start, stop = (edge, stop) if step < 0 else (start, edge + 1)
    return start, stop


def trim_detached(
    span: Sequence[int], prose: Sequence[bool], lines: Sequence[str], dropped: Sequence[bool]
) -> tuple[int, int]:
    """Cut prose islands that a run of chrome separates from the main body.

    A run of GAP_LINES or more non-prose lines, at least one of them a line the rules
    drop (share, subscribe, copyright), splits the span into segments; a last segment
    with less than DETACHED_SHARE of the largest remaining segment's prose is an author
    box, a promo or a comment section, not the story, and so is a first segment with
    less than LEADING_SHARE of it (a smaller share: a list article's intro is short).
    Sections of a list article, each as long as the next, all stay. Return the new
    ``(start, stop)`` within ``span``.
    """
    segments: list[list[int]] = []  # [first, stop, prose chars]
    weight, gap, chrome, seg_start = 0, 0, 0, 0
    for pos, i in enumerate(span):
        if prose[i]:
            if weight and gap >= GAP_LINES and chrome >= GAP_CHROME:
                segments.append([seg_start, pos - gap, weight])
                weight = 0
            if not weight:
                seg_start = pos
            gap, chrome = 0, 0
            weight += len(lines[i])
        else:
            gap += 1
            chrome += dropped[pos]
    if weight:
        segments.append([seg_start, len(span), weight])
    if len(segments) < 2:
        return 0, len(span)
    first, last = 0, len(segments) - 1
    while first < last:
        top = max(w for _, _, w in segments[first : last + 1])
        if segments[last][2] < DETACHED_SHARE * top:
            last -= 1
        elif segments[first][2] < LEADING_SHARE * top:
            first += 1
        else:
            break
    return (segments[first][0] if first else 0), (
        segments[last][1] if last < len(segments) - 1 else len(span)
    )


_FIELD = re.compile(r"[A-Z][\w ()/&'.-]{0,30}: \S")  # "Average GPA: 3.7", "Weight (kg): 12"


_LIST_HEAD = re.compile(  # a heading over the story's own short list, colon or not
    r"(?:pros|cons|pros (?:and|&) cons|advantages|disadvantages|benefits|drawbacks|highlights"
    r"|what we (?:like|liked|don.t like|didn.t like)|the good|the bad|ingredients|equipment"
    r"|(?:what )?you.ll need|requirements|(?:key )?features|specs|specifications)\W*",
    re.IGNORECASE,
)


def _is_field_list(items: Sequence[str]) -> bool:
    """Whether at least half of ``items`` are "Field: value" pairs (a spec or fact box)."""
    return sum(1 for item in items if _FIELD.match(item)) * 2 >= len(items)


def _is_phrase_list(items: Sequence[str]) -> bool:
    """Whether 3 in 5 of ``items`` are sentence-case phrases ("Venue setup", "Regular
    self-audits"): list items, where links and menus are Title Case or single words."""
    phrases = 0
    for item in items:
        words = item.split()
        if (
            len(words) >= 2
            and words[0][:1].isupper()
            and not any(w[:1].isupper() for w in words[1:])
        ):
            phrases += 1
    return phrases * 5 >= len(items) * 3


def drop_link_runs(lines: list[str], words: list[int]) -> list[int]:
    """Return the indexes of ``lines`` outside runs of LINK_RUN or more link-like lines.

    A run right after a line that ends in a colon ("The plan includes:") is the
    story's own list and stays, and so does a run headed by "Pros", "Ingredients" or
    the like, a run of "Field: value" pairs ("Location: Boston", "Class Size: 433"): a
    fact box, not links, and a run of sentence-case phrases under a line that does not
    end a sentence (a heading or a question: "What does a caterer offer?").
    """
    chrome = [is_chrome_like(line, n) for line, n in zip(lines, words, strict=True)]
    keep: list[int] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and chrome[j]:
            j += 1
        if (
            j - i >= LINK_RUN
            and not (i > 0 and lines[i - 1].endswith(":"))
            and _LIST_HEAD.fullmatch(lines[i]) is None
            and not _is_field_list(lines[i:j])
            and not (i > 0 and not lines[i - 1].endswith(".") and _is_phrase_list(lines[i:j]))
        ):
            i = j
            continue
        keep.extend(range(i, max(j, i + 1)))
        i = max(j, i + 1)
    return keep


def first_copies(lines: Sequence[str]) -> list[int]:
    """Return the indexes of ``lines`` that are not a later copy of a line of REPEAT_MIN_WORDS+.

    A story does not repeat a sentence verbatim; a later copy is a widget shown twice
    (author box, sticky promo, a teaser in two carousels).
    """
    seen: set[str] = set()
    kept: list[int] = []
    for index, line in enumerate(lines):
        if line in seen:
            continue
        if word_count(line) >= REPEAT_MIN_WORDS:
            seen.add(line)
        kept.append(index)
    return kept


def drop_testimonials(lines: Sequence[str], words: Sequence[int]) -> list[int]:
    """Return the indexes of ``lines`` outside customer reviews signed "Firstname L.".

    A line like "Dawn H." (a first name, maybe a second, and initials) under a sentence
    of REVIEW_MIN_WORDS or more signs a review; TESTIMONIALS_MIN of them make a
    testimonial block, and each review and its signature go. Fewer stay: a story may
    quote a "Jane D." once or twice.
    """
    signed = [
        i
        for i in range(1, len(lines))
        if words[i] <= 4 and words[i - 1] >= REVIEW_MIN_WORDS and _REVIEWER.fullmatch(lines[i])
    ]
    if len(signed) < TESTIMONIALS_MIN:
        return list(range(len(lines)))
    gone = {*signed, *(i - 1 for i in signed)}
    return [i for i in range(len(lines)) if i not in gone]
