"""A plain-language draft notice to a claimant whose claim is sent to verification or found fraud,
in the claimant's preferred language where a translation exists.

Due process: no claim is denied without notice and a chance to answer. The draft
lists the reasons in plain words and says how to respond; staff review and send it
through the agency's usual mail or portal (the application never sends it).

**Languages.** The letter (``templates/notice_letter.html``) is written in English with
Jinja2's ``{% trans %}`` blocks; each translation is a gettext message catalog,
``locale/LANG/LC_MESSAGES/messages.po``, read with Babel (compiled in memory, once per
process). A claim whose ``language`` has a catalog gets its letter in that language, with
dates written the way that language writes them (Babel's CLDR data: "15 de octubre de
2026"); any other language gets the English letter and a note to the investigator saying
so. Adding a language is adding a catalog: ``pybabel extract`` the template's messages
(``jinja2.ext.babel_extract``), translate them, and have the agency's language-access staff
review the letter. The reasons are the model's sentences and stay in English: the note
says so when the letter is in another language.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import Markup

from claimscreen.data.settings import AgencySettings

__all__ = ["HERE", "LOCALES", "NOTICE_OUTCOMES", "draft_notice", "languages", "render_letter"]

RESPONSE_DAYS = 10
NOTICE_OUTCOMES = ("needs_verification", "fraud")
HERE = Path(__file__).parent
LOCALES = HERE / "locale"
SOURCE_LANGUAGE = "en"


def languages() -> tuple[str, ...]:
    """The languages a notice can be written in: English and each catalog shipped."""
    found = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *found)


@dataclass(frozen=True)
class Notice:
    claim_id: str
    addressee: str
    address: list[str]
    dated: dt.date
    respond_by: dt.date
    kind: str  # needs_verification or fraud
    reasons: list[str]
    filed_on: dt.date
    #: The language the letter is written in, and the one the claimant asked for ("" unknown).
    language: str = SOURCE_LANGUAGE
    requested: str = ""
    #: The letterhead: the agency's name, mailing address, phone and website ([agency] settings).
    letterhead: list[str] = field(default_factory=list)
    #: For the investigator, not the claimant: why the letter is not (all) in the claimant's language.
    notes: list[str] = field(default_factory=list)

    @property
    def dated_text(self) -> str:
        return format_date(self.dated, format="long", locale=self.language)

    @property
    def respond_by_text(self) -> str:
        return format_date(self.respond_by, format="long", locale=self.language)

    @property
    def filed_text(self) -> str:
        return format_date(self.filed_on, format="long", locale=self.language)


def draft_notice(
    claim: dict[str, Any], outcome: str, today: dt.date, agency: AgencySettings | None = None
) -> Notice:
    """The notice for one claim (``claim``: display fields, ``language`` and ``reason_text``),
    under the agency's letterhead (``agency``: the ``[agency]`` settings; none when empty)."""
    name = " ".join(
        p for p in (claim.get("first_name"), claim.get("middle_name"), claim.get("last_name")) if p
    )
    city = ", ".join(
        p for p in (claim.get("city"), f"{claim.get('state') or ''} {claim.get('zip5') or ''}".strip()) if p
    )
    address = [p for p in (claim.get("address_line1"), claim.get("address_line2"), city) if p]
    reasons = list(claim.get("reason_text") or []) or ["Some details of your claim could not be confirmed."]
    requested = str(claim.get("language") or "").strip().lower()
    language, notes = _language_for(requested)
    if language != SOURCE_LANGUAGE:
        notes.append(
            f"The letter is in {_name(language)}; the reasons found are the model's sentences, in "
            "English: have them translated before sending."
        )
    return Notice(
        claim_id=claim["claim_id"],
        addressee=name,
        address=address,
        dated=today,
        respond_by=today + dt.timedelta(days=RESPONSE_DAYS),
        kind=outcome,
        reasons=reasons,
        filed_on=claim["filed_at"].date(),
        language=language,
        requested=requested,
        notes=notes,
        letterhead=_letterhead(agency or AgencySettings()),
    )


def _letterhead(agency: AgencySettings) -> list[str]:
    """The letterhead's lines: names and numbers, no words to translate."""
    return [v for v in (agency.name, agency.mailing_address, agency.phone, agency.website) if v.strip()]


def _language_for(requested: str) -> tuple[str, list[str]]:
    """The letter's language for the claimant's preferred one, and a note when it differs."""
    if requested in languages():
        return requested, []
    if not requested:
        return SOURCE_LANGUAGE, ["The claim names no preferred language: the letter is in English."]
    return SOURCE_LANGUAGE, [
        f"The claimant's preferred language is {_name(requested)} ({requested}), for which there is no "
        "translation yet: the letter is in English. Send it with the agency's language-access "
        "tagline, or have it translated."
    ]


def _name(code: str) -> str:
    """A language's English name ("Spanish"), or its code when Babel does not know it."""
    try:
        return str(Locale.parse(code).get_display_name(SOURCE_LANGUAGE))
    except (ValueError, UnknownLocaleError):
        return code


@functools.cache
def _translations(language: str) -> Translations:
    """The language's catalog, compiled in memory from its .po file (once per process)."""
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@functools.cache
def _environment(language: str) -> jinja2.Environment:
    """The letter's template environment for one language (one per language: the installed
    translations are the environment's, so requests in different languages never share one)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    if language == SOURCE_LANGUAGE:
        env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    else:
        env.install_gettext_translations(_translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_letter(notice: Notice) -> Markup:
    """The letter as HTML, in the notice's language."""
    return Markup(_environment(notice.language).get_template("notice_letter.html").render(notice=notice))
