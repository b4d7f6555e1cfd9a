"""Personal data: scrub contact details from text and pseudonymise author names.

Used by the forum crawler and the Telegram importer/exporter before anything is
written. Three kinds of contact detail are replaced with placeholders, anywhere in
the text (code blocks and quotes included):

* e-mail addresses -> ``<EMAIL>``: plain, ``mailto:`` links, and obfuscated forms
  whose separators are bracketed (``name [at] host [dot] ru``, ``name (собака)
  host.ru``). Bare words (``name at host dot ru``) are left alone: too many false
  positives in prose.
* phone numbers -> ``<PHONE>``: ``+`` followed by 10-15 digits in any grouping
  (``+7 (912) 345-67-89``, ``+44 20 7946 0958``, ``+79123456789``), Russian trunk
  numbers ``8`` + 10 digits (``8-912-345-67-89``, ``8 (495) 123-45-67``,
  ``89123456789``), and grouped numbers with an area code in parentheses or in the
  Russian 3-3-2-2 pattern (``(912) 345-67-89``, ``912-345-67-89``). Seven-digit local
  numbers without an area code (``345-67-89``) are not touched: in code they are
  indistinguishable from arithmetic.
* Telegram handles -> ``<HANDLE>``: ``@name`` (5-32 characters, Telegram's rule) and
  ``t.me/name`` / ``telegram.me/name`` links (invite links included).

Author names become ``user-`` + the first 8 hex digits of HMAC-SHA256(key, name),
where the name is NFKC-normalised, stripped and case-folded (phpBB and Telegram treat
names case-insensitively), so the same person gets the same pseudonym in every run
that uses the same key, and nobody without the key can reverse or recompute it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

EMAIL = "<EMAIL>"
PHONE = "<PHONE>"
HANDLE = "<HANDLE>"

# ---- e-mail -------------------------------------------------------------------------

_LOCAL = r"[\w.+%-]*\w"
_LABEL = r"\w(?:[\w-]*\w)?"
_TLD = r"[^\W\d_]{2,24}"
_BR_AT = r"\s*[\[\(\{<]\s*(?:at|собака|эт)\s*[\]\)\}>]\s*"
_BR_DOT = r"\s*[\[\(\{<]\s*(?:dot|точка)\s*[\]\)\}>]\s*"

_EMAIL_PLAIN = re.compile(
    rf"(?:mailto:)?(?<![\w.+%-]){_LOCAL}@(?:{_LABEL}\.)+{_TLD}(?![\w-])", re.IGNORECASE
)
# At least one bracketed separator; the other separators may be plain.
_EMAIL_OBFUSCATED = re.compile(
    rf"(?<![\w.+%-]){_LOCAL}(?:{_BR_AT}(?:{_LABEL}(?:\.|{_BR_DOT}))+{_TLD}"
    rf"|@(?:{_LABEL}(?:\.|{_BR_DOT}))*{_LABEL}{_BR_DOT}{_TLD})(?![\w-])",
    re.IGNORECASE,
)

# ---- Telegram handles ---------------------------------------------------------------

_TME = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:joinchat/|\+)?[\w-]+", re.IGNORECASE
)
_HANDLE = re.compile(r"(?<![\w@.<])@[A-Za-z][A-Za-z0-9_]{4,31}(?![\w@])")

# ---- phones -------------------------------------------------------------------------

# Not glued to a word, a number, a decimal point or an operator on the left.
_NB = r"(?<![\w.,+\-/:=#$])"
_NA = r"(?![\w]|[.,]\d|-\d)"
_SEP = r"[ \u00a0\-]?"  # no dots: 8000000.0000 is a number
_PHONE_INTL = re.compile(rf"(?<![\w)\]+])\+\d(?:[ \u00a0\-.]?\(?\d+\)?)+{_NA}")
_PHONE_RU_TRUNK = re.compile(
    rf"{_NB}8{_SEP}(?:\(\d{{3,5}}\)|\d{{3}}){_SEP}\d{{1,3}}{_SEP}\d{{2}}{_SEP}\d{{2}}{_NA}"
)
_PHONE_GROUPED = re.compile(
    rf"{_NB}(?:\(\d{{3,5}}\)[ \u00a0]?\d{{1,3}}-\d{{2}}-?\d{{2}}"
    rf"|\d{{3}}-\d{{3}}-\d{{2}}-\d{{2}}"
    rf"|\(\d{{3}}\)[ \u00a0]?\d{{3}}-\d{{4}}){_NA}"
)


def _intl_phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE if 10 <= digits <= 15 else match.group(0)


def _trunk_phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE if digits == 11 else match.group(0)


def scrub_text(text: str) -> str:
    """Replace e-mail addresses, phone numbers and Telegram handles with placeholders."""
    if not text:
        return text
    text = _EMAIL_OBFUSCATED.sub(EMAIL, text)
    text = _EMAIL_PLAIN.sub(EMAIL, text)
    text = _TME.sub(HANDLE, text)
    text = _HANDLE.sub(HANDLE, text)
    text = _PHONE_INTL.sub(_intl_phone, text)
    text = _PHONE_RU_TRUNK.sub(_trunk_phone, text)
    text = _PHONE_GROUPED.sub(PHONE, text)
    return text


def pseudonym(name: str, key: str) -> str:
    """A stable pseudonym for an author name: ``user-`` + 8 hex digits of HMAC-SHA256."""
    if not key:
        raise ValueError("pseudonym key is empty: set it before writing any personal data")
    norm = unicodedata.normalize("NFKC", name or "").strip().casefold()
    digest = hmac.new(key.encode("utf-8"), norm.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"user-{digest[:8]}"
