"""Personal-data scrubbing and pseudonyms (bbcopilot.pii)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bbcopilot.pii import EMAIL, HANDLE, PHONE, pseudonym, scrub_text


@pytest.mark.parametrize("text, expected", [
    ("пишите на tinkerer@example.org, отвечу", f"пишите на {EMAIL}, отвечу"),
    ("<a href=mailto:a.b-c+tag@mail.example.com>", f"<a href={EMAIL}>"),
    ("ivan.petrov [at] mail [dot] ru", EMAIL),
    ("ivan (at) yandex (dot) ru", EMAIL),
    ("ivan [собака] mail.ru", EMAIL),
    ("ivan@mail [dot] ru", EMAIL),
    ("почта: иван@почта.рф.", f"почта: {EMAIL}."),
    ('StdLog.String("admin@oberoncore.ru")', f'StdLog.String("{EMAIL}")'),
    ("[quote]write to x_y@example.com[/quote]", f"[quote]write to {EMAIL}[/quote]"),
])
def test_emails_are_scrubbed(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize("phone", [
    "+7 (912) 345-67-89", "+7(912)345-67-89", "+7 912 345 67 89", "+79123456789", "+7-912-345-67-89",
    "8-912-345-67-89", "8 (912) 345-67-89", "8 (495) 123-45-67", "89123456789", "8 800 555 35 35",
    "+44 20 7946 0958", "+1-202-555-0143", "+1 (202) 555-0143", "+49 30 901820", "+380 44 123 4567",
    "(912) 345-67-89", "912-345-67-89", "+7\u00a0912\u00a0345\u00a067\u00a089",
])
def test_phones_are_scrubbed(phone):
    assert scrub_text(f"звоните {phone}, вечером") == f"звоните {PHONE}, вечером"


@pytest.mark.parametrize("text, expected", [
    ("Thanks @aleksey_smirnov!", f"Thanks {HANDLE}!"),
    ("канал t.me/blackbox_cp и https://t.me/joinchat/AbCdEf", f"канал {HANDLE} и {HANDLE}"),
    ("telegram.me/oberon_news", HANDLE),
])
def test_handles_are_scrubbed(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize("text", [
    "Files.dir := 12;",
    "Дата: 24.04.2006, версия 1.7.2",
    "x := 0FFFFFFH; y := 0FFH",
    "Dialog.ShowMsg(\"Hello\")",
    "2006-04-24 20:45",
    "IF (a < b) & (b < c) THEN RETURN TRUE END;",
    "StdLog.IntForm(255, 16, 4, \"0\", TRUE)",
    "x := 345-67-89; z := y+1234567890;",
    "MAX(LONGINT) = 9223372036854775807",
    "i := 8 + 9; a[8] := 123456789012;",
    "A := 8000000.0000; B := 8.912345678E10;",
    "IP 192.168.100.200, порт 8080",
    "Strings.RealToStringForm(3.14159, 4, 0, 0, \" \", s);",
    "@Log @ab short handles and a @ b",
    "user@localhost is not an address",
    "BlackBox 1.7.2 (build 2016-06-07)",
    "x := 1.0E-10; t := 12:30:45",
])
def test_code_numbers_dates_versions_are_not_scrubbed(text):
    assert scrub_text(text) == text


def test_code_block_keeps_layout_around_scrubbed_address():
    code = "```\nMODULE M;\n\tCONST mail = \"dev@example.org\";\n\t\tn = 12;\nEND M.\n```"
    assert scrub_text(code) == code.replace("dev@example.org", EMAIL)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}(\.[A-Za-z][A-Za-z0-9]{0,8})? := -?[0-9]{1,9}(\.[0-9]{1,4})?;", fullmatch=True))
def test_assignments_with_numbers_are_never_touched(stmt):
    assert scrub_text(stmt) == stmt


def test_pseudonym_is_stable_keyed_and_opaque():
    a = pseudonym("Пётр Каменев", "key-1")
    assert re.fullmatch(r"user-[0-9a-f]{8}", a)
    assert pseudonym("Пётр Каменев", "key-1") == a
    assert pseudonym("  пётр каменев ", "key-1") == a  # names compare case-insensitively
    assert pseudonym("Пётр Каменев", "key-2") != a
    assert pseudonym("Моделист", "key-1") != a
    assert "Пётр" not in a
    with pytest.raises(ValueError):
        pseudonym("x", "")
