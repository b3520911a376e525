"""An independent synthetic world of unemployment-insurance claims, for a second opinion on claimscreen.

What it models: one state's (Ohio's) nightly claim extracts over a few weeks, the reference lists the
agency holds (death and prison records, employer wage records, known bad identifiers, IP ranges, the
interstate cross-match) and investigators' and auditors' dispositions for the first nights.

Honest claimants are the large majority and are drawn to look like real ones, warts and all: mass
layoffs at a few employers (sometimes filed at an on-site rapid-response session on shared computers),
households and roommates sharing an address, home IP, a device or a joint account, shelters and
dormitories with many unrelated residents at one building, library and job-centre computers, mobile
carriers' CGNAT addresses, people who moved from another state (an old claim there), re-filers with
spelling differences or a corrected SSN, non-English speakers, the elderly, relatives filing from their
own device, phone and in-person claims, VPN users and people abroad, staff-typed placeholder e-mails,
people released from prison, a few people wrongly on the death list and victims of identity theft who
file their own claim after a fraudster used their identity.

Fraud (about 2% of claims) follows eleven patterns seen in pandemic-era and later UI fraud (GAO and DOL
OIG reports, NASWA Integrity Data Hub typologies): mail drops, bank (mule) drops, device farms,
re-filed stolen identities, stealth chains, synthetic identities, known bad actors, e-mail aliases,
multi-state filing, deceased and incarcerated identities, each in two to four variant styles with ring
sizes and time spreads drawn from wide ranges.  Three patterns (mail_drop, stealth_chain,
synthetic_identity) start only after the labeled nights.

This script was written from the input contract (CONTRACT.md, sections 1-3) and general knowledge of
UI claims only, WITHOUT reference to the product's own generator (data/generate/), its features or its
models.  Outputs: DIR/batches/claims_YYYY-MM-DD.csv, DIR/reference/*.csv, DIR/labels.csv, DIR/truth.csv
and DIR/world.json.  In truth.csv, `person` is the identity being claimed (for stolen identities the
victim, for synthetic ones the made-up identity), so that all claims on one identity share it.

    python bench/other_world.py --out DIR [--nights 35] [--claims-per-day 4000] [--seed 1]
        [--labeled-nights 18] [--start 2026-03-02]
"""

import argparse
import csv
import ipaddress
import itertools
import json
import math
import random
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HOME = "OH"
FRAUD_SHARE = 0.02
INVALID_RATE = 1 / 300

COLUMNS = [
    "claim_id",
    "filed_at",
    "program",
    "ssn",
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip",
    "mailing_address_line1",
    "mailing_address_line2",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
    "payment_method",
    "bank_routing",
    "bank_account",
    "employer_ein",
    "employer_name",
    "separation_date",
    "separation_reason",
    "channel",
    "ip_address",
    "device_id",
    "user_agent",
    "session_seconds",
    "language",
]

# ----------------------------------------------------------------------------------------------------
# Name tables (broad US distributions plus the communities behind the non-English claimants)
# ----------------------------------------------------------------------------------------------------


def _w(text: str) -> list[str]:
    return text.split()


NAMES: dict[str, dict[str, list[str]]] = {
    "us": {
        "m": _w(
            "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel "
            "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy "
            "Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin "
            "Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry "
            "Tyler Aaron Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy "
            "Christian Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse "
            "Jordan Bryan Billy Bruce Gabriel Logan Albert Willie Alan Wayne Elijah Randy Roy Vincent "
            "Ralph Eugene Russell Bobby Mason Philip Louis DeShawn Tyrone Darnell Jamal Marcus Terrell "
            "Cody Dustin Travis Shane Derrick Andre Malik Devon Trevor Corey"
        ),
        "f": _w(
            "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty "
            "Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah "
            "Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma "
            "Nicole Helen Samantha Katherine Christine Debra Rachel Carolyn Janet Catherine Maria "
            "Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren Christina Joan Evelyn "
            "Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison Frances "
            "Kathryn Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle "
            "Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Tasha "
            "Latoya Keisha Shanice Aaliyah Destiny Crystal Tiffany Courtney Brandy"
        ),
        "l": _w(
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin "
            "Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill "
            "Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans "
            "Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Bailey Reed Kelly "
            "Howard Cox Ward Richardson Watson Brooks Wood James Bennett Gray Hughes Price Sanders Myers "
            "Long Ross Foster Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes "
            "Fisher Simmons Graham Jordan Reynolds Hamilton Wallace West Cole Hayes Bryant Gibson Ellis "
            "Stevens Murray Ford Marshall Owens McDonald Harrison Kennedy Wells Alexander Fox Schmidt "
            "Mueller Schneider Wagner Becker Hoffman Kowalski Nowak Yoder Stoltzfus Hershberger O'Brien "
            "O'Neil McCarthy Kaczmarek DiSalvo Russo Romano Esposito Popovich Jablonski Washington "
            "Jefferson Freeman Banks Dixon Tucker Hunt Black Stone Snyder Weaver Zimmerman Shaffer"
        ),
    },
    "hispanic": {
        "m": _w(
            "Jose Juan Luis Carlos Jorge Miguel Pedro Jesus Francisco Antonio Alejandro Manuel Ricardo "
            "Fernando Javier Eduardo Rafael Roberto Sergio Hector Mario Raul Andres Diego Oscar Victor "
            "Julio Arturo Cesar Angel"
        ),
        "f": _w(
            "Maria Guadalupe Rosa Ana Carmen Juana Margarita Veronica Leticia Alejandra Gabriela "
            "Patricia Elena Sofia Isabel Adriana Claudia Yesenia Daniela Lucia Marisol Beatriz "
            "Esperanza Luz Yolanda Araceli"
        ),
        "l": _w(
            "Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres Flores "
            "Rivera Gomez Diaz Reyes Morales Cruz Ortiz Gutierrez Chavez Ramos Ruiz Mendoza Alvarez "
            "Castillo Jimenez Vasquez Moreno Romero Herrera Medina Aguilar Vargas Castro Guzman Rojas "
            "Soto Delgado Colon Santiago"
        ),
    },
    "vietnamese": {
        "m": _w("Anh Bao Binh Cuong Dung Duc Hai Hieu Hung Khanh Long Minh Nam Phuc Quang Quoc Tuan Vinh"),
        "f": _w("Anh Hoa Huong Lan Linh Mai Ngoc Phuong Tam Thanh Thao Thu Trang Hanh Nhung Van"),
        "l": _w("Nguyen Tran Le Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Truong Dinh"),
    },
    "chinese": {
        "m": _w("Wei Ming Jun Lei Qiang Jian Xiaoming Zhiwei Yifan Haoran Jie Tao Yong Bo Hao"),
        "f": _w("Jing Li Hui Xiu Yan Fang Hong Mei Ling Xiaoli Lan Ping Yue Min Xin"),
        "l": _w("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo"),
    },
    "korean": {
        "m": _w("Min-jun Ji-hoon Hyun-woo Young-ho Sung-min Jae-won Dong-hyun Sang-woo Jin Seung-ho"),
        "f": _w("Seo-yeon Ji-woo Soo-jin Eun-ji Hye-jin Mi-kyung Ji-young Yuna Min-ji Eun-young"),
        "l": _w("Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song"),
    },
    "haitian": {
        "m": _w("Jean Pierre Jacques Wilner Frantz Jean-Baptiste Rodrigue Mackenson Fritznel Nickenson"),
        "f": _w("Marie Roseline Fabienne Guerline Nadege Widline Dieunie Stephanie Ketly Lovely"),
        "l": [
            *_w("Pierre Jean Joseph Louis Charles Baptiste Francois Jean-Louis Etienne Desir Exantus"),
            *_w("Augustin Celestin Dorvil Noel Michel Toussaint Saint-Louis"),
            "St. Fleur",
            "St Hilaire",
        ],
    },
    "russian": {
        "m": _w("Dmitry Sergei Alexei Ivan Nikolai Vladimir Andrei Mikhail Oleg Yuri Pavel Viktor Taras"),
        "f": _w("Olga Natalia Elena Svetlana Irina Tatiana Anna Yulia Ekaterina Marina Oksana Lyudmila"),
        "l": _w(
            "Ivanov Petrov Sidorov Smirnov Kuznetsov Popov Sokolov Volkov Kozlov Morozov Novikov "
            "Pavlov Shevchenko Kovalenko Bondarenko Tkachenko Melnyk"
        ),
    },
    "somali": {
        "m": _w("Mohamed Abdi Ahmed Hassan Abdirahman Abdullahi Ali Omar Yusuf Ibrahim Abdiaziz"),
        "f": _w("Fadumo Hodan Amina Halima Asha Sahra Hawa Ifrah Nimco Ubah Faisa"),
        "l": _w("Mohamed Ali Hassan Abdi Ahmed Warsame Farah Osman Jama Hussein Yusuf Nur Aden Abdullahi"),
    },
    "arabic": {
        "m": _w("Mohammad Ahmad Omar Khaled Youssef Hussein Ali Samir Tariq Bilal Karim"),
        "f": _w("Fatima Aisha Layla Noor Rania Nadia Mariam Huda Salma Zainab"),
        "l": _w("Haddad Khoury Saleh Nasser Hamdan Abboud Mansour Darwish Aziz Karim Al-Hassan Ibrahim"),
    },
    "nepali": {
        "m": _w("Bishnu Dil Hari Krishna Man Padam Ram Tika Chandra Bhim Hem Bal"),
        "f": _w("Ganga Laxmi Sita Devi Durga Kamala Maya Sabitri Bhagirathi Dhan"),
        "l": _w("Adhikari Gurung Rai Tamang Subedi Dhakal Sharma Pradhan Bhattarai Ghimire Magar Limbu"),
    },
    "westafrican": {
        "m": _w("Mamadou Ousmane Moussa Ibrahima Seydou Boubacar Amadou Cheikh"),
        "f": _w("Aminata Fatoumata Awa Mariam Kadiatou Oumou Hawa Aissatou"),
        "l": _w("Diallo Traore Coulibaly Kone Toure Camara Keita Sow Ba Cisse Barry"),
    },
}
LANG_GROUP = {
    "es": "hispanic",
    "vi": "vietnamese",
    "zh": "chinese",
    "ko": "korean",
    "ht": "haitian",
    "ru": "russian",
    "so": "somali",
    "ar": "arabic",
    "ne": "nepali",
    "fr": "westafrican",
}
NON_EN_LANG = (["es", "so", "ar", "ne", "vi", "zh", "ht", "ru", "ko", "fr"], [44, 10, 9, 7, 7, 6, 5, 6, 3, 3])
NICK = {
    "William": ["Bill", "Will", "Billy"],
    "Robert": ["Bob", "Rob", "Bobby"],
    "Richard": ["Rick", "Rich"],
    "James": ["Jim", "Jimmy", "Jamie"],
    "Michael": ["Mike", "Mikey"],
    "Joseph": ["Joe", "Joey"],
    "Thomas": ["Tom", "Tommy"],
    "Christopher": ["Chris"],
    "Daniel": ["Dan", "Danny"],
    "Matthew": ["Matt"],
    "Anthony": ["Tony"],
    "Steven": ["Steve"],
    "Andrew": ["Andy", "Drew"],
    "Joshua": ["Josh"],
    "Kenneth": ["Ken", "Kenny"],
    "Timothy": ["Tim"],
    "Ronald": ["Ron", "Ronnie"],
    "Edward": ["Ed", "Eddie"],
    "Jeffrey": ["Jeff"],
    "Nicholas": ["Nick"],
    "Jonathan": ["Jon"],
    "Samuel": ["Sam"],
    "Gregory": ["Greg"],
    "Alexander": ["Alex"],
    "Benjamin": ["Ben"],
    "Elizabeth": ["Liz", "Beth", "Betty"],
    "Patricia": ["Pat", "Patty", "Trish"],
    "Jennifer": ["Jen", "Jenny"],
    "Margaret": ["Maggie", "Peggy"],
    "Susan": ["Sue"],
    "Kimberly": ["Kim"],
    "Deborah": ["Debbie", "Deb"],
    "Rebecca": ["Becky"],
    "Katherine": ["Kate", "Katie", "Kathy"],
    "Christine": ["Chris", "Tina"],
    "Jacqueline": ["Jackie"],
    "Samantha": ["Sam"],
    "Victoria": ["Vicky", "Tori"],
    "Francisco": ["Paco", "Frank"],
    "Guadalupe": ["Lupe"],
    "Jesus": ["Chuy"],
    "Dmitry": ["Dima"],
    "Alexei": ["Alex"],
    "Ekaterina": ["Katya"],
    "Mohamed": ["Mohammed", "Muhammad"],
    "Abdirahman": ["Abdi"],
    "Nguyen": ["Win"],
    "Jean-Baptiste": ["Jean Baptiste"],
    "Min-jun": ["Minjun", "Min Jun"],
}

# ----------------------------------------------------------------------------------------------------
# Places, streets, employers, banks, networks
# ----------------------------------------------------------------------------------------------------

# city, zip prefix, zip suffix range, weight, area codes
CITIES: list[tuple[str, str, tuple[int, int], float, list[str]]] = [
    ("Columbus", "432", (1, 40), 20, ["614", "380"]),
    ("Cleveland", "441", (2, 35), 12, ["216"]),
    ("Cincinnati", "452", (2, 50), 11, ["513"]),
    ("Toledo", "436", (4, 24), 7, ["419", "567"]),
    ("Akron", "443", (1, 33), 6, ["330", "234"]),
    ("Dayton", "454", (2, 49), 6, ["937"]),
    ("Youngstown", "445", (2, 15), 3, ["330"]),
    ("Canton", "447", (2, 21), 3, ["330", "234"]),
    ("Parma", "441", (29, 34), 2, ["440"]),
    ("Lorain", "440", (52, 55), 2, ["440"]),
    ("Elyria", "440", (35, 39), 1.5, ["440"]),
    ("Springfield", "455", (2, 6), 1.5, ["937", "326"]),
    ("Hamilton", "450", (11, 15), 1.5, ["513"]),
    ("Middletown", "450", (42, 44), 1, ["513"]),
    ("Mansfield", "449", (2, 7), 1.2, ["419", "567"]),
    ("Lima", "458", (1, 7), 1, ["419"]),
    ("Newark", "430", (55, 58), 1, ["740", "220"]),
    ("Zanesville", "437", (1, 2), 0.8, ["740"]),
    ("Sandusky", "448", (70, 71), 0.8, ["419"]),
    ("Marion", "433", (2, 2), 0.7, ["740"]),
    ("Athens", "457", (1, 1), 0.5, ["740"]),
    ("Chillicothe", "456", (1, 1), 0.6, ["740"]),
    ("Portsmouth", "456", (62, 63), 0.5, ["740"]),
    ("Findlay", "458", (39, 40), 0.6, ["419"]),
    ("Kettering", "454", (29, 40), 1, ["937"]),
    ("Euclid", "441", (17, 32), 1, ["216"]),
    ("Mentor", "440", (60, 61), 1, ["440"]),
    ("Lancaster", "431", (30, 30), 0.8, ["740"]),
    ("Steubenville", "439", (52, 53), 0.5, ["740"]),
    ("Westerville", "430", (81, 82), 1, ["614"]),
    ("Cuyahoga Falls", "442", (21, 23), 0.8, ["330"]),
    ("Warren", "444", (81, 85), 0.8, ["330", "234"]),
]
CITY_W = [c[3] for c in CITIES]
OTHER_AREA = _w(
    "202 213 305 312 404 469 470 678 347 929 646 702 832 253 925 786 954 818 323 972 346 267 215 412 "
    "724 313 248 734 317 502 859 304 606 765 754 240 301 410 571 703 619 480 602 206 425 702 917 718"
)
NEIGHBOR_STATES = ["PA", "MI", "IN", "KY", "WV"]
FAR_STATES = ["CA", "NV", "AZ", "WA", "MD", "GA", "FL", "TX", "NY", "NJ", "IL", "NC", "CO", "MA", "LA"]
STATE_AREA = {
    "PA": ["412", "724", "215", "267"],
    "MI": ["313", "248", "734"],
    "IN": ["317", "765"],
    "KY": ["502", "859", "606"],
    "WV": ["304"],
    "CA": ["213", "818", "619"],
    "NV": ["702"],
    "AZ": ["480", "602"],
    "WA": ["206", "425"],
    "MD": ["240", "301", "410"],
    "GA": ["404", "470", "678"],
    "FL": ["305", "786", "954"],
    "TX": ["469", "832", "972"],
    "NY": ["347", "646", "718"],
    "NJ": ["201", "973"],
    "IL": ["312", "773"],
    "NC": ["704", "919"],
    "CO": ["303", "720"],
    "MA": ["617", "508"],
    "LA": ["504", "225"],
}

STREETS = _w(
    "Main Oak Maple Elm Cedar Pine Walnut High Broad Market Church Park Lake Hill Washington Lincoln "
    "Jefferson Madison Franklin Jackson Euclid Superior Lorain Detroit Cleveland Sullivant Livingston "
    "Parsons Karl Morse Hamilton Cassady Refugee Reading Vine Ludlow Glenway Monroe Dixie Salem Wayne "
    "Dorr Bancroft Secor Cherry Summit Erie Portage Exchange Copley Arlington Tallmadge Mahoning Belmont "
    "Tuscarawas Whipple Sandusky Perry Fulton Spring Mound Sycamore Chestnut Poplar Hickory Willow Ridge "
    "Meadow Forest Sunset Riverside Highland Orchard Grove Center Union Mill Water Bridge School Front "
    "Second Third Fourth Fifth Sixth Seventh 10th 12th 14th 22nd 55th 105th 130th Kinsman Buckeye "
    "Hudson Chillicothe Georgesville Hilliard-Rome Brice Noe-Bixby Kenny Henderson Bethel Godown"
)
# canonical suffix -> (weight, spellings; first is the usual one)
SUFFIXES: dict[str, tuple[float, list[str]]] = {
    "St": (30, ["St", "Street", "St.", "ST", "Str"]),
    "Ave": (22, ["Ave", "Avenue", "Ave.", "AVE", "Av"]),
    "Rd": (16, ["Rd", "Road", "Rd.", "RD"]),
    "Dr": (12, ["Dr", "Drive", "Dr.", "DR"]),
    "Blvd": (3, ["Blvd", "Boulevard", "Blvd."]),
    "Ln": (5, ["Ln", "Lane", "Ln."]),
    "Ct": (5, ["Ct", "Court", "Ct."]),
    "Pl": (2, ["Pl", "Place"]),
    "Way": (2, ["Way", "WAY"]),
    "Cir": (2, ["Cir", "Circle", "Cir."]),
    "Pkwy": (1, ["Pkwy", "Parkway", "Pky"]),
}
SUFFIX_KEYS = list(SUFFIXES)
SUFFIX_W = [SUFFIXES[k][0] for k in SUFFIX_KEYS]
PREDIR = {
    "N": ["N", "North", "N."],
    "S": ["S", "South", "S."],
    "E": ["E", "East", "E."],
    "W": ["W", "West", "W."],
}
UNIT_FORMS = {
    "apt": [
        ("Apt {u}", 40),
        ("#{u}", 14),
        ("Unit {u}", 8),
        ("APT. {u}", 6),
        ("Apartment {u}", 5),
        ("Apt.{u}", 4),
        ("# {u}", 5),
        ("apt {u}", 5),
        ("Apt #{u}", 5),
        ("APT {u}", 6),
        ("Apt. {u}", 5),
    ],
    "unit": [("Unit {u}", 60), ("#{u}", 20), ("UNIT {u}", 10), ("Apt {u}", 10)],
    "ste": [("Ste {u}", 50), ("Suite {u}", 40), ("#{u}", 10)],
    "lot": [("Lot {u}", 80), ("LOT {u}", 10), ("#{u}", 10)],
    "rm": [("Rm {u}", 40), ("Room {u}", 45), ("#{u}", 15)],
}

EMAIL_DOMAINS = (
    _w(
        "gmail.com yahoo.com hotmail.com outlook.com icloud.com aol.com att.net sbcglobal.net comcast.net "
        "live.com msn.com ymail.com protonmail.com charter.net roadrunner.com"
    ),
    [45, 14, 7, 6, 8, 3.5, 2, 1.5, 2, 2, 1, 1, 0.5, 1, 0.6],
)
ELDER_DOMAINS = (
    _w("aol.com yahoo.com att.net sbcglobal.net gmail.com hotmail.com comcast.net"),
    [20, 24, 8, 7, 28, 8, 5],
)
DISPOSABLE = _w("yopmail.com guerrillamail.com sharklasers.com mailinator.com tempmail.dev 10minutemail.net")
PLACEHOLDER_EMAILS = _w(
    "none@none.com noemail@gmail.com na@na.com no@email.com none@gmail.com noemail@noemail.com"
)
HANDLE_WORDS = _w(
    "bigmike queen king lady boss sweet sunny blessed tiger buckeye lil mama papa dreamer golden angel "
    "ohio 614 216 513 smooth real coolguy shorty princess"
)

# Routing numbers: first eight digits; the check digit is computed (ABA mod-10 checksum).
ORDINARY_BANKS = [
    ("04400002", 14, 12),
    ("04200031", 11, 10),
    ("04400003", 12, 9),
    ("04100103", 8, 10),
    ("04100012", 8, 10),
    ("04200001", 7, 12),
    ("04120248", 2, 10),
    ("04411563", 2, 9),
    ("24107210", 3, 8),
    ("24207151", 2, 8),
    ("24327192", 2, 9),
    ("24407180", 2, 10),
    ("04110025", 3, 10),
    ("04300031", 2, 10),
    ("04400560", 1.5, 9),
    ("04120700", 1.5, 8),
    ("12100024", 3, 10),
    ("11100061", 2, 10),
    ("07100001", 2, 10),
    ("02600959", 3, 12),
]
NEO_BANKS = [
    ("03110127", 25, 13),
    ("10310019", 18, 13),
    ("12430312", 12, 12),
    ("04121566", 12, 12),
    ("07397218", 10, 12),
    ("12510901", 6, 12),
    ("08410676", 5, 12),
    ("07392303", 4, 11),
    ("05107439", 4, 12),
    ("09190034", 4, 12),
]

RESIDENTIAL_16 = _w(
    "24.166 65.24 65.25 65.29 66.61 67.10 68.32 69.133 70.62 71.65 72.49 74.128 74.140 75.118 76.188 "
    "97.104 98.26 98.28 99.37 99.49 99.105 104.55 107.13 108.81 108.226 162.200 173.88 184.56 184.58 "
    "207.181 208.102 209.188 216.68 174.101 71.71 66.42 75.186 96.27"
)
RESIDENTIAL_V6 = ["2600:1700:", "2603:6010:", "2601:", "2603:6011:", "2600:6c64:"]
CGNAT_V4 = ["172.56", "172.58", "172.59", "174.204", "174.212", "174.250", "107.77", "107.115", "166.205"]
CGNAT_V6 = ["2607:fb90:", "2600:1000:", "2600:387:", "2600:380:"]
IP_RANGES = {
    "hosting": _w(
        "3.80.0.0/12 34.64.0.0/10 52.0.0.0/11 104.131.0.0/16 159.89.0.0/16 165.227.0.0/16 167.99.0.0/16 "
        "45.33.0.0/17 51.68.0.0/16 88.198.0.0/16 149.28.0.0/16 20.36.0.0/14 138.197.0.0/16 "
        "2600:1f00::/24 2604:a880::/32"
    ),
    "vpn": _w(
        "89.187.160.0/19 146.70.0.0/16 37.19.192.0/19 193.37.252.0/22 185.159.156.0/22 "
        "198.54.128.0/19 154.47.16.0/20"
    ),
    "foreign_fraud": _w(
        "41.58.0.0/16 105.112.0.0/12 197.210.0.0/16 154.160.0.0/15 95.24.0.0/13 112.64.0.0/11 "
        "39.32.0.0/11 86.120.0.0/13"
    ),
    "foreign_travel": _w(
        "142.112.0.0/13 187.128.0.0/11 49.144.0.0/13 117.192.0.0/10 113.160.0.0/11 81.2.0.0/16"
    ),
}
TOR_EXITS = [f"185.220.101.{k}/32" for k in (3, 7, 12, 24, 33, 45, 57, 132, 151, 201)] + [
    "185.220.100.240/29",
    "199.249.230.64/28",
    "204.85.191.0/24",
]

WEB_UA = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 "
    "Safari/537.36 Edg/{v}.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.{m} Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{v}.0.0.0 Safari/537.36",
]
WEB_UA_W = [52, 18, 12, 8, 10]
MOBILE_UA = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{m} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.{m} Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{v}.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-S911U) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 "
    "Chrome/{v}.0.0.0 Mobile Safari/537.36",
    "OhioMeansJobsUI/3.{m}.2 (iPhone; iOS 17.{m}; Scale/3.00)",
    "OhioMeansJobsUI/3.{m}.2 (Android 14; SM-A536U)",
]
MOBILE_UA_W = [45, 25, 12, 10, 8]
BOT_UA = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/{v}.0.0.0 Safari/537.36",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 "
    "Safari/537.36 (compatible; Selenium)",
]

EMP_WORDS_A = _w(
    "Buckeye Great Lakes Summit Ohio Valley Midwest Heartland Riverside Cardinal Maumee Scioto Miami "
    "Cuyahoga Western Reserve Tri-County Allied Premier United American National Central Northcoast "
    "Lakeshore Keystone Pioneer Liberty Eagle Harbor Capital Frontier Union Crossroads Hocking Portage"
)
EMP_INDUSTRY = [
    ("Manufacturing", 12, False),
    ("Logistics", 8, False),
    ("Staffing", 10, False),
    ("Foods", 6, False),
    ("Health Services", 9, False),
    ("Home Care", 5, False),
    ("Retail", 8, False),
    ("Restaurant Group", 7, False),
    ("Hospitality", 4, False),
    ("Auto Parts", 4, False),
    ("Plastics", 3, False),
    ("Steel", 2, False),
    ("Call Center", 3, False),
    ("Distribution", 5, False),
    ("Construction", 6, True),
    ("Landscaping", 3, True),
    ("Paving", 2, True),
    ("Roofing", 2, True),
    ("Amusement", 1, True),
    ("Golf Club", 1, True),
    ("Schools Transportation", 1, True),
]
EMP_FORMS = ["LLC", "Inc", "Inc.", "Corp", "Co", "Company", "LLC", "Corporation", "Group LLC", "Ltd"]
EIN_PREFIXES = [
    31,
    34,
    20,
    26,
    27,
    45,
    46,
    47,
    81,
    82,
    83,
    84,
    85,
    86,
    87,
    88,
    30,
    32,
    35,
    36,
    37,
    38,
    61,
    80,
]

AGE_BANDS = [(18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 80)]
AGE_W = [12, 26, 23, 19, 15, 5]

HONEST_SEGMENTS = {
    # segment: event weight
    "ordinary": 0.52,
    "household": 0.034,
    "roommates": 0.014,
    "shelter": 0.016,
    "library_ip": 0.02,
    "job_center": 0.01,
    "mobile_carrier": 0.07,
    "mover": 0.03,
    "refiler": 0.022,
    "elderly": 0.04,
    "non_english": 0.07,
    "seasonal_layoff": 0.03,
    "helper_device": 0.007,
    "vpn_user": 0.01,
    "abroad": 0.003,
    "placeholder": 0.008,
    "released": 0.003,
    "federal": 0.02,
    "self_employed": 0.003,
}

# pattern: variants, ring size range, spread in days, budget weight
PATTERNS: dict[str, tuple[list[str], tuple[int, int], tuple[int, int], float]] = {
    "mail_drop": (["residence_drop", "mailing_drop", "unit_scramble"], (5, 24), (7, 21), 1.0),
    "bank_drop": (["neobank_mules", "bank_mules", "padded_accounts"], (4, 30), (0, 21), 1.3),
    "device_farm": (["hosting", "vpn", "residential_proxy"], (6, 30), (0, 10), 1.3),
    "refiled_identity": (["name_variants", "dob_swap", "mixed_edits"], (3, 8), (2, 21), 0.6),
    "stealth_chain": (["mixed_links", "financial_links", "digital_links"], (4, 12), (10, 28), 0.7),
    "synthetic_identity": (
        ["impossible_ssn", "unissued_plausible", "fictitious_employer"],
        (3, 15),
        (0, 14),
        1.0,
    ),
    "known_bad_actor": (
        ["listed_account", "listed_contact", "listed_network", "listed_address"],
        (2, 10),
        (0, 14),
        0.7,
    ),
    "email_alias": (["dots", "plus_tags", "dots_and_tags"], (4, 25), (0, 14), 0.9),
    "multi_state": (["neighbor_states", "far_states", "wave"], (3, 20), (0, 10), 0.9),
    "deceased": (["shared_account", "recent_death", "long_dead"], (2, 15), (0, 14), 0.8),
    "incarcerated": (["prison_ring", "jail_recent", "release_pending"], (2, 12), (0, 14), 0.7),
}
LATE_PATTERNS = ["mail_drop", "stealth_chain", "synthetic_identity"]


# ----------------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------------


def aba(first8: str) -> str:
    """Complete an 8-digit routing prefix with its ABA check digit."""
    d = [int(c) for c in first8]
    s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return first8 + str((10 - s % 10) % 10)


def second_sunday_march(year: int) -> date:
    d = date(year, 3, 1)
    first_sun = d + timedelta(days=(6 - d.weekday()) % 7)
    return first_sun + timedelta(days=7)


def first_sunday_november(year: int) -> date:
    d = date(year, 11, 1)
    return d + timedelta(days=(6 - d.weekday()) % 7)


def eastern_offset(local: datetime) -> int:
    """UTC offset in hours of a local America/New_York wall time (US rules since 2007)."""
    start = datetime.combine(second_sunday_march(local.year), datetime.min.time()) + timedelta(hours=2)
    end = datetime.combine(first_sunday_november(local.year), datetime.min.time()) + timedelta(hours=1)
    return -4 if start <= local < end else -5


def quarter_of(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def quarters_back(d: date, n: int) -> list[str]:
    y, q = quarter_of(d)
    out = []
    for _ in range(n):
        q -= 1
        if q == 0:
            y, q = y - 1, 4
        out.append(f"{y}Q{q}")
    return out


def age_on(dob: date, d: date) -> int:
    return d.year - dob.year - ((d.month, d.day) < (dob.month, dob.day))


def age_band(age: int) -> str:
    return "<40" if age < 40 else ("40-64" if age < 65 else "65+")


@dataclass(frozen=True)
class Address:
    number: str
    predir: str
    street: str
    suffix: str
    unit: str
    unit_kind: str
    city: str
    zip5: str
    zip4: str
    state: str = HOME
    po_box: str = ""

    def key(self) -> str:
        if self.po_box:
            return f"POB {self.po_box}|{self.zip5}"
        return f"{self.number} {self.predir} {self.street} {self.suffix}|{self.unit}|{self.zip5}".upper()

    def plain(self) -> str:
        """`line1, city, ST zip` as a reference list would hold it."""
        if self.po_box:
            return f"PO Box {self.po_box}, {self.city}, {self.state} {self.zip5}"
        street = " ".join(x for x in (self.number, self.predir, self.street, self.suffix) if x)
        if self.unit:
            street += f" Apt {self.unit}" if self.unit_kind in ("apt", "unit") else f" #{self.unit}"
        return f"{street}, {self.city}, {self.state} {self.zip5}"


@dataclass
class Person:
    pid: str
    ssn: str
    first: str
    middle: str
    last: str
    sex: str
    dob: date
    group: str
    language: str
    email: str
    phone: str
    addr: Address
    employer: int
    routing: str
    account: str
    home_ip: str
    web_device: str
    mobile_device: str
    web_ua: str
    mobile_ua: str


# ----------------------------------------------------------------------------------------------------
# The world
# ----------------------------------------------------------------------------------------------------


class World:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.r = random.Random(args.seed)
        self.np = np.random.default_rng(args.seed)
        self.start: date = date.fromisoformat(args.start)
        self.nights: int = args.nights
        self.labeled: int = min(args.labeled_nights, args.nights)
        # nights beyond the window exist so that rings and re-filers may run past its end (then dropped)
        self.days = [self.start + timedelta(days=i) for i in range(self.nights + 120)]
        self.used_ssn: set[str] = set()
        self.used_email: set[str] = set()
        self.pid_n = 0
        self.specs: list[dict[str, Any]] = []
        self.count = [0] * self.nights
        self.deceased: list[tuple[str, str]] = []
        self.incarcerated: list[tuple[str, str, str, str, str]] = []
        self.wages: list[tuple[str, str, str, str]] = []
        self.suspicious: list[tuple[str, str, str, str]] = []
        self.interstate: list[tuple[str, str, str]] = []
        self.ring_n: dict[str, int] = {}
        self.first_night: dict[str, int] = {}
        self.fict_ein: dict[int, str] = {}
        self.fict_name: dict[int, str] = {}
        self._nets = {k: [ipaddress.ip_network(c) for c in v] for k, v in IP_RANGES.items()}
        self._nets["tor"] = [ipaddress.ip_network(c) for c in TOR_EXITS]
        self._hour_w = {
            "honest": [
                1.2,
                0.8,
                0.5,
                0.4,
                0.5,
                0.9,
                1.5,
                3,
                5,
                6.5,
                7,
                7,
                6.5,
                6.5,
                6.5,
                6,
                5.5,
                5,
                5,
                5.2,
                5,
                4.2,
                3,
                1.5,
            ],
            "fraud": [
                1.8,
                1.4,
                1.2,
                1.0,
                1.0,
                1.2,
                1.8,
                2.5,
                3.5,
                4.5,
                5,
                5,
                5,
                5,
                5,
                5,
                4.8,
                4.6,
                4.6,
                4.8,
                4.8,
                4.5,
                3.6,
                2.6,
            ],
            "business": [0] * 8 + [4, 7, 8, 8, 6, 7, 7, 6, 4] + [0] * 7,
            "evening": [
                0.5,
                0.3,
                0.2,
                0.1,
                0.1,
                0.2,
                0.5,
                1,
                2,
                3,
                3.5,
                4,
                4,
                4,
                4,
                4,
                4.5,
                5.5,
                7,
                8,
                8,
                7,
                4.5,
                2,
            ],
        }
        self._build_employers()
        self._build_pools()

    # ---------------------------------------------------------------- primitive draws
    def pick(self, seq: list[Any]) -> Any:
        return seq[self.r.randrange(len(seq))]

    def wpick(self, seq: list[Any], weights: list[float]) -> Any:
        return self.r.choices(seq, weights=weights)[0]

    def new_pid(self, prefix: str = "P") -> str:
        self.pid_n += 1
        return f"{prefix}{self.pid_n:07d}"

    def new_ssn(self, kind: str = "valid") -> str:
        r = self.r
        for _ in range(1000):
            if kind == "valid":
                area = r.randint(1, 899)
                if area == 666:
                    continue
                s = f"{area:03d}{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"
            elif kind == "impossible":
                form = r.choice(["000", "666", "9xx", "group00", "serial0000"])
                if form == "000":
                    s = f"000{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"
                elif form == "666":
                    s = f"666{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"
                elif form == "9xx":
                    s = f"{r.randint(900, 999)}{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"
                elif form == "group00":
                    s = f"{r.randint(1, 665):03d}00{r.randint(1, 9999):04d}"
                else:
                    s = f"{r.randint(1, 665):03d}{r.randint(1, 99):02d}0000"
            else:
                raise ValueError(kind)
            if s not in self.used_ssn:
                self.used_ssn.add(s)
                return s
        raise RuntimeError("SSN space exhausted")

    def phone(self, areas: list[str]) -> str:
        r = self.r
        return f"{r.choice(areas)}{r.randint(2, 9)}{r.randint(0, 9)}{r.randint(0, 9)}{r.randint(0, 9999):04d}"

    def hexid(self, bits: int = 128) -> str:
        return f"{self.r.getrandbits(bits):0{bits // 4}x}"

    def mobile_id(self) -> str:
        h = self.hexid(128).upper()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def ua(self, kind: str) -> str:
        r = self.r
        v, m = r.randint(118, 126), r.randint(0, 6)
        if kind == "web":
            return self.wpick(WEB_UA, WEB_UA_W).format(v=v, m=m)
        if kind == "mobile":
            return self.wpick(MOBILE_UA, MOBILE_UA_W).format(v=v, m=m)
        return r.choice(BOT_UA).format(v=v, m=m)

    def ip_in(self, category: str) -> str:
        net = self.pick(self._nets[category])
        n = net.num_addresses
        if n <= 2:
            return str(net.network_address)
        off = self.r.randrange(1, n - 1) if n < 2**32 else self.r.getrandbits(64) + 1
        return str(ipaddress.ip_address(int(net.network_address) + off))

    def residential_ip(self) -> str:
        r = self.r
        if r.random() < 0.08:
            pre = r.choice(RESIDENTIAL_V6)
            groups = 8 - pre.count(":")
            return pre + ":".join(f"{r.getrandbits(16):x}" for _ in range(groups))
        a, b = r.choice(RESIDENTIAL_16).split(".")
        return f"{a}.{int(b) + r.randrange(8)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def cgnat_ip(self) -> str:
        return self.cgnat_pool[self.r.choices(range(len(self.cgnat_pool)), cum_weights=self.cgnat_cw)[0]]

    # ---------------------------------------------------------------- populations
    def _build_employers(self) -> None:
        r = self.r
        self.emp_ein: list[str] = []
        self.emp_name: list[str] = []
        self.emp_seasonal: list[bool] = []
        seen: set[str] = set()
        n = 2600
        for i in range(n):
            ind, _, seasonal = r.choices(EMP_INDUSTRY, weights=[x[1] for x in EMP_INDUSTRY])[0]
            while True:
                ein = f"{r.choice(EIN_PREFIXES):02d}{r.randint(1000000, 9999999)}"
                if ein not in seen:
                    seen.add(ein)
                    break
            style = r.random()
            if style < 0.55:
                name = f"{r.choice(EMP_WORDS_A)} {ind} {r.choice(EMP_FORMS)}"
            elif style < 0.8:
                name = f"{r.choice(NAMES['us']['l'])} {ind} {r.choice(EMP_FORMS)}"
            else:
                name = f"{r.choice(NAMES['us']['l'])} & {r.choice(NAMES['us']['l'])} {r.choice(EMP_FORMS)}"
            if i < 8:  # a few large, well-known style employers
                name = [
                    "Midwest Health System",
                    "Buckeye Staffing Solutions LLC",
                    "Great Lakes Distribution Inc",
                    "Ohio Valley Auto Parts Co",
                    "Cardinal Foods Corp",
                    "Summit Call Center Services LLC",
                    "Heartland Home Care Inc",
                    "Maumee Plastics Company",
                ][i]
            self.emp_ein.append(ein)
            self.emp_name.append(name)
            self.emp_seasonal.append(seasonal)
        ranks = np.arange(1, n + 1)
        w = 1.0 / ranks**0.9
        self.emp_cw = list(np.cumsum(w))
        self.seasonal_emps = [i for i in range(n) if self.emp_seasonal[i]]
        self.big_emps = list(range(60))

    def employer(self, seasonal: bool = False) -> int:
        if seasonal:
            return self.pick(self.seasonal_emps)
        return self.r.choices(range(len(self.emp_ein)), cum_weights=self.emp_cw)[0]

    def _build_pools(self) -> None:
        r = self.r
        pool = [f"{r.choice(CGNAT_V4)}.{r.randint(0, 255)}.{r.randint(1, 254)}" for _ in range(260)]
        pool += [
            f"{r.choice(CGNAT_V6)}{r.getrandbits(16):x}:{r.getrandbits(16):x}:{r.getrandbits(16):x}::"
            f"{r.getrandbits(16):x}"
            for _ in range(60)
        ]
        self.cgnat_pool = pool
        self.cgnat_cw = list(np.cumsum(1.0 / np.arange(1, len(pool) + 1) ** 0.7))
        self.libraries = []
        for k in range(45):
            devs = [self.hexid() for _ in range(r.randint(2, 10))]
            self.libraries.append((f"198.30.{r.randint(0, 255)}.{r.randint(2, 250)}", devs, k))
        self.job_centers = []
        for _ in range(16):
            devs = [self.hexid() for _ in range(r.randint(3, 12))]
            self.job_centers.append((f"156.63.{r.randint(0, 255)}.{r.randint(2, 250)}", devs))
        self.shelters = []
        kinds = ["homeless_shelter"] * 9 + ["group_home"] * 7 + ["dormitory"] * 5
        for kind in kinds:
            a = self.new_address(apt_prob=0.0)
            lab = (self.residential_ip(), [self.hexid() for _ in range(r.randint(1, 4))])
            self.shelters.append((kind, a, lab))

    def new_address(self, city: int | None = None, apt_prob: float = 0.33) -> Address:
        r = self.r
        ci = city if city is not None else r.choices(range(len(CITIES)), weights=CITY_W)[0]
        name, pre3, (lo, hi), _, _ = CITIES[ci]
        unit, kind = "", ""
        u = r.random()
        if u < apt_prob:
            kind = "apt" if r.random() < 0.82 else "unit"
            s = r.random()
            if s < 0.5:
                unit = str(r.randint(1, 40))
            elif s < 0.8:
                unit = f"{r.randint(1, 4)}{r.choice('ABCDEF')}"
            elif s < 0.9:
                unit = r.choice("ABCDEFGH")
            else:
                unit = str(r.randint(100, 420))
        elif u < apt_prob + 0.02:
            kind, unit = "lot", str(r.randint(1, 120))
        number = str(r.randint(100, 9999) if r.random() < 0.8 else r.randint(10, 99))
        return Address(
            number=number,
            predir=r.choice(list(PREDIR)) if r.random() < 0.15 else "",
            street=r.choice(STREETS),
            suffix=r.choices(SUFFIX_KEYS, weights=SUFFIX_W)[0],
            unit=unit,
            unit_kind=kind,
            city=name,
            zip5=f"{pre3}{r.randint(lo, hi):02d}",
            zip4=f"{r.randint(1, 9999):04d}",
        )

    def city_index(self, a: Address) -> int:
        for i, c in enumerate(CITIES):
            if c[0] == a.city:
                return i
        return 0

    def name(self, group: str, sex: str) -> tuple[str, str, str]:
        r = self.r
        t = NAMES[group]
        first = r.choice(t[sex])
        last = r.choice(t["l"])
        if group == "hispanic" and r.random() < 0.35:
            other = r.choice([x for x in t["l"] if x != last])
            last = f"{last} {other}" if r.random() < 0.7 else f"{last}-{other}"
        if group == "russian" and sex == "f" and last.endswith(("ov", "ev", "in")):
            last += "a"
        if group == "us" and r.random() < 0.03:
            other = r.choice(t["l"])
            last = f"{last}-{other}" if other != last else last
        m = r.random()
        if group in ("us", "hispanic"):
            if m < 0.45:
                middle = r.choice(NAMES["us"][sex] if group == "us" else t[sex])
            elif m < 0.7:
                middle = r.choice("ABCDEFGHJKLMNPRSTW")
            else:
                middle = ""
        elif group == "vietnamese":
            middle = ("Van" if sex == "m" else "Thi") if m < 0.6 else ""
        else:
            middle = "" if m < 0.8 else r.choice(t[sex])
        return first, middle, last

    def email_for(self, first: str, last: str, dob: date, elder: bool = False) -> str:
        r = self.r
        f = "".join(c for c in first.lower() if c.isalnum()) or "x"
        la = "".join(c for c in last.lower() if c.isalnum()) or "y"
        yy = dob.year % 100
        dom = self.wpick(*(ELDER_DOMAINS if elder else EMAIL_DOMAINS))
        for attempt in range(20):
            n = r.randint(1, 999)
            style = r.randrange(10)
            handle = [
                f"{f}.{la}",
                f"{f}{la}",
                f"{f[0]}{la}",
                f"{f}{la}{yy:02d}",
                f"{f}.{la}{n}",
                f"{la}{f[0]}{n}",
                f"{f}_{la}",
                f"{r.choice(HANDLE_WORDS)}{f}{n}",
                f"{f}{dob.year}",
                f"{f}{la[:3]}{n}",
            ][style]
            if attempt > 2:
                handle += str(r.randint(1, 99))
            e = f"{handle}@{dom}"
            if e not in self.used_email:
                self.used_email.add(e)
                return e
        return f"{f}{self.hexid(24)}@{dom}"

    def bank(self, neo_p: float) -> tuple[str, str]:
        r = self.r
        banks = NEO_BANKS if r.random() < neo_p else ORDINARY_BANKS
        pre, _, ln = r.choices(banks, weights=[b[1] for b in banks])[0]
        ln = max(6, ln + r.randint(-1, 1))
        acct = str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(ln - 1))
        return aba(pre), acct

    def new_person(
        self,
        group: str | None = None,
        language: str = "en",
        ages: tuple[int, int] | None = None,
        addr: Address | None = None,
        last: str | None = None,
        seasonal: bool = False,
        areas: list[str] | None = None,
        neo_p: float = 0.13,
        pid_prefix: str = "P",
        ssn_kind: str = "valid",
    ) -> Person:
        r = self.r
        if group is None:
            u = r.random()
            group = "us" if u < 0.82 else ("hispanic" if u < 0.91 else self.pick(list(LANG_GROUP.values())))
        sex = "m" if r.random() < 0.53 else "f"
        first, middle, lname = self.name(group, sex)
        if last is not None:
            lname = last
        if ages is None:  # the age mix of UI claimants: few teenagers, few past 65
            ages = r.choices(AGE_BANDS, weights=AGE_W)[0]
        age_days = r.randint(ages[0] * 365 + 10, ages[1] * 365 + 300)
        dob = self.start - timedelta(days=age_days)
        a = addr if addr is not None else self.new_address()
        ci = self.city_index(a)
        ph = self.phone(areas or CITIES[ci][4])
        routing, account = self.bank(neo_p)
        return Person(
            pid=self.new_pid(pid_prefix),
            ssn=self.new_ssn(ssn_kind),
            first=first,
            middle=middle,
            last=lname,
            sex=sex,
            dob=dob,
            group=group,
            language=language,
            email=self.email_for(first, lname, dob, elder=dob < self.start - timedelta(days=65 * 365)),
            phone=ph,
            addr=a,
            employer=self.employer(seasonal),
            routing=routing,
            account=account,
            home_ip=self.residential_ip(),
            web_device=self.hexid(),
            mobile_device=self.mobile_id(),
            web_ua=self.ua("web"),
            mobile_ua=self.ua("mobile"),
        )

    def add_wages(
        self, ssn: str, emp: int, file_day: date, n_q: int = 5, scale: float = 1.0, gap: int = 0
    ) -> None:
        r = self.r
        base = r.lognormvariate(math.log(9000 * scale), 0.45)
        # employers report a quarter's wages a month or so after it ends
        qs = quarters_back(file_day - timedelta(days=40), n_q + gap)[gap:]
        ein = self.emp_ein[emp] if emp >= 0 else self.fict_ein.get(emp, "")
        tenure = r.randint(1, 12)
        seasonal = emp >= 0 and self.emp_seasonal[emp]
        prev = self.employer()
        for k, q in enumerate(qs):
            w = base * r.uniform(0.75, 1.2)
            if seasonal:
                w *= {1: 0.2, 2: 1.1, 3: 1.4, 4: 0.8}[int(q[-1])]
            e = ein if k < tenure else self.emp_ein[prev]
            fmt = e if r.random() < 0.7 else f"{e[:2]}-{e[2:]}"
            s = ssn if r.random() < 0.8 else f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}"
            if w > 50:
                self.wages.append((s, fmt, q, f"{w:.2f}"))

    # ---------------------------------------------------------------- claim specs
    def base_claim(
        self, p: Person, night: int, segment: str, variant: str = "", **over: Any
    ) -> dict[str, Any]:
        """An honest claim of person p on a night; over replaces any field."""
        r = self.r
        weekend = self.days[night].weekday() >= 5
        ch = over.pop("channel", None)
        if ch is None:
            ch = self.wpick(["web", "mobile", "phone", "in_person"], over.pop("ch_w", [60, 27, 9, 4]))
        else:
            over.pop("ch_w", None)
        if ch in ("phone", "in_person") and weekend:
            ch = "web"
        emp = over.pop("emp", p.employer)
        program = over.pop("program", "UI")
        sep_days = r.randint(1, 28) if r.random() < 0.9 else r.randint(29, 120)
        pay = self.wpick(["direct_deposit", "debit_card", "check"], [72, 25, 3])
        d: dict[str, Any] = {
            "night": night,
            "hours": "business" if ch in ("phone", "in_person") else "honest",
            "tod": None,
            "program": program,
            "ssn": p.ssn,
            "first": p.first,
            "middle": p.middle,
            "last": p.last,
            "dob": p.dob,
            "email": p.email if r.random() > 0.05 else "",
            "phone": p.phone if r.random() > 0.03 else "",
            "addr": p.addr,
            "mail": None,
            "payment": pay,
            "routing": p.routing if pay == "direct_deposit" else "",
            "account": p.account if pay == "direct_deposit" else "",
            "ein": self.emp_ein[emp] if program != "PUA" else "",
            "employer_name": self.emp_name[emp] if program != "PUA" else "",
            "sep_date": self.days[night] - timedelta(days=sep_days),
            "sep_reason": self.wpick(["lack_of_work", "quit", "discharged", "other"], [74, 6, 12, 8]),
            "channel": ch,
            "ip": "",
            "device": "",
            "ua": "",
            "session": None,
            "language": p.language,
            "addr_style": "normal",
            "truth": {
                "is_fraud": 0,
                "pattern": "honest",
                "variant": variant,
                "ring": "",
                "segment": segment,
                "person": p.pid,
                "dob": p.dob,
            },
        }
        if r.random() < 0.05:
            d["mail"] = self.po_box(p.addr) if r.random() < 0.6 else self.new_address(self.city_index(p.addr))
        if ch == "web":
            d["ip"], d["device"], d["ua"] = p.home_ip, p.web_device, p.web_ua
            if r.random() < 0.12:  # from work, a friend's or a coffee shop
                d["ip"] = self.residential_ip()
        elif ch == "mobile":
            d["device"], d["ua"] = p.mobile_device, p.mobile_ua
            d["ip"] = self.cgnat_ip() if r.random() < 0.55 else p.home_ip
        if ch in ("web", "mobile"):
            mu = math.log(840 if ch == "web" else 660)
            if p.dob < self.start - timedelta(days=365 * 62):
                mu += 0.35
            if p.language != "en":
                mu += 0.2
            d["session"] = int(r.lognormvariate(mu, 0.6)) + 30
        elif r.random() < 0.3:
            d["session"] = int(r.lognormvariate(math.log(1300), 0.4))
        d.update(over)
        return d

    def po_box(self, near: Address) -> Address:
        r = self.r
        return replace(
            near,
            number="",
            predir="",
            street="",
            suffix="",
            unit="",
            unit_kind="",
            po_box=str(r.randint(1, 9999)),
        )

    def add(self, spec: dict[str, Any]) -> None:
        if 0 <= spec["night"] < self.nights:
            self.specs.append(spec)
            self.count[spec["night"]] += 1

    def honest_wages(self, p: Person, night: int, p_missing: float = 0.035) -> None:
        if self.r.random() >= p_missing:
            self.add_wages(p.ssn, p.employer, self.days[night], n_q=self.r.randint(3, 6))

    # ---------------------------------------------------------------- honest segments
    def honest_event(self, seg: str, night: int) -> None:
        r = self.r
        if seg == "ordinary":
            p = self.new_person()
            self.honest_wages(p, night)
            c = self.base_claim(p, night, seg)
            if c["channel"] in ("phone", "in_person"):
                c["truth"]["variant"] = c["channel"]
            self.add(c)
        elif seg == "household":
            self.household(night)
        elif seg == "roommates":
            a = self.new_address(apt_prob=1.0)
            wifi = r.random() < 0.6
            first_ip = None
            for _ in range(r.randint(2, 4)):
                p = self.new_person(addr=a, ages=(19, 45))
                if wifi:
                    first_ip = first_ip or p.home_ip
                    p.home_ip = first_ip
                n = night + (0 if r.random() < 0.4 else r.randint(0, 12))
                self.honest_wages(p, n)
                self.add(self.base_claim(p, n, seg))
        elif seg == "shelter":
            kind, a, (ip, devs) = self.pick(self.shelters)
            unit = "" if kind == "homeless_shelter" and r.random() < 0.7 else str(r.randint(1, 180))
            ukind = "rm" if kind != "group_home" else "unit"
            p = self.new_person(
                addr=replace(a, unit=unit, unit_kind=ukind if unit else ""), ages=(18, 64), neo_p=0.3
            )
            if kind == "dormitory":
                p.dob = self.start - timedelta(days=r.randint(18 * 365 + 10, 23 * 365))
            self.honest_wages(p, night, 0.08)
            over: dict[str, Any] = {"ch_w": [40, 30, 15, 15]}
            if r.random() < 0.5:
                over.update(payment="debit_card", routing="", account="")
            if r.random() < 0.35:
                over["email"] = ""
            c = self.base_claim(p, night, seg, kind, **over)
            if c["channel"] == "web" and r.random() < 0.6:
                c["ip"], c["device"] = ip, self.pick(devs)
            self.add(c)
        elif seg in ("library_ip", "job_center"):
            if seg == "library_ip":
                ip, devs, _ = self.libraries[min(int(r.expovariate(1 / 9)), len(self.libraries) - 1)]
            else:
                ip, devs = self.pick(self.job_centers)
            p = self.new_person(neo_p=0.2)
            self.honest_wages(p, night)
            c = self.base_claim(
                p, night, seg, channel="web", hours="business" if seg == "job_center" else "honest"
            )
            c["ip"], c["device"], c["ua"] = ip, self.pick(devs), self.ua("web")
            if seg == "job_center":
                c["session"] = int(r.lognormvariate(math.log(1500), 0.4))
            self.add(c)
        elif seg == "mobile_carrier":
            p = self.new_person(ages=(18, 55))
            self.honest_wages(p, night)
            c = self.base_claim(p, night, seg, channel="mobile")
            c["ip"] = self.cgnat_ip()
            self.add(c)
        elif seg == "mover":
            st = self.wpick([NEIGHBOR_STATES, FAR_STATES], [0.6, 0.4])
            st = self.pick(st)
            p = self.new_person(areas=STATE_AREA[st] if r.random() < 0.7 else None)
            if r.random() < 0.5:
                self.honest_wages(p, night)
            old = self.days[night] - timedelta(days=r.randint(90, 365))
            self.interstate.append((p.ssn, st, self.ts(old)))
            self.add(self.base_claim(p, night, seg, "wages_here" if r.random() < 0.5 else "combined_wage"))
        elif seg == "refiler":
            self.refiler(night)
        elif seg == "elderly":
            p = self.new_person(ages=(65, 80))
            if r.random() < 0.15:
                p.email = ""
            self.honest_wages(p, night)
            self.add(self.base_claim(p, night, seg, ch_w=[45, 12, 30, 13]))
        elif seg == "non_english":
            lang = self.wpick(*NON_EN_LANG)
            p = self.new_person(group=LANG_GROUP[lang], language=lang, neo_p=0.16)
            self.honest_wages(p, night, 0.05)
            self.add(self.base_claim(p, night, seg, lang, ch_w=[45, 25, 20, 10]))
        elif seg == "seasonal_layoff":
            p = self.new_person(seasonal=True, ages=(18, 62))
            self.honest_wages(p, night, 0.02)
            self.add(self.base_claim(p, night, seg))
        elif seg == "helper_device":
            self.helper(night)
        elif seg == "vpn_user":
            p = self.new_person(ages=(20, 55))
            self.honest_wages(p, night)
            c = self.base_claim(p, night, seg, channel="web")
            c["ip"] = self.ip_in("vpn")
            self.add(c)
        elif seg == "abroad":
            lang = "en" if r.random() < 0.6 else self.wpick(*NON_EN_LANG)
            p = self.new_person(group=LANG_GROUP.get(lang), language=lang)
            self.honest_wages(p, night)
            c = self.base_claim(p, night, seg, channel=self.pick(["web", "mobile"]), hours="evening")
            c["ip"] = self.ip_in("foreign_travel")
            self.add(c)
        elif seg == "placeholder":
            p = self.new_person()
            self.honest_wages(p, night)
            over = {"channel": self.pick(["phone", "in_person", "phone", "web"])}
            c = self.base_claim(p, night, seg, "staff_typed", **over)
            c["email"] = self.pick(PLACEHOLDER_EMAILS)
            if r.random() < 0.15:
                c["phone"] = "5555555555"
            self.add(c)
        elif seg == "released":
            p = self.new_person(ages=(22, 60))
            rel = self.days[night] - timedelta(days=r.randint(45, 900))
            adm = rel - timedelta(days=r.randint(20, 1500))
            self.incarcerated.append(
                (p.ssn, self.case(p.last), p.dob.isoformat(), adm.isoformat(), rel.isoformat())
            )
            self.honest_wages(p, night, 0.1)
            self.add(self.base_claim(p, night, seg))
        elif seg == "federal":
            p = self.new_person(ages=(20, 64))
            prog = self.pick(["UCFE", "UCX"])
            c = self.base_claim(p, night, seg, prog, program=prog)
            if prog == "UCX":
                c["ein"], c["employer_name"] = (
                    "541000000",
                    self.pick(["US Army", "U.S. Navy", "USAF", "US Marine Corps"]),
                )
            else:
                c["ein"], c["employer_name"] = self.pick(
                    [
                        ("530196960", "US Postal Service"),
                        ("526002033", "Internal Revenue Service"),
                        ("311334820", "Dept of Veterans Affairs"),
                        ("536002569", "Defense Finance and Accounting Service"),
                    ]
                )
            self.add(c)
        elif seg == "self_employed":
            p = self.new_person(ages=(25, 70))
            self.add(self.base_claim(p, night, seg, "gig_worker", program="PUA"))
        else:
            raise ValueError(seg)

    def household(self, night: int) -> None:
        r = self.r
        u = r.random()
        group = "us" if u < 0.75 else ("hispanic" if u < 0.88 else self.pick(list(LANG_GROUP.values())))
        lang = "en"
        if group != "us" and r.random() < 0.5:
            lang = next((k for k, v in LANG_GROUP.items() if v == group), "en")
        a = self.new_address(apt_prob=0.3)
        head = self.new_person(group=group, language=lang, addr=a, ages=(24, 64))
        members = [head]
        for _ in range(r.randint(1, 3)):
            last = head.last if r.random() < 0.8 else None
            m = self.new_person(group=group, language=lang, addr=a, last=last)
            m.home_ip = head.home_ip
            if r.random() < 0.3:
                m.web_device = head.web_device
                m.web_ua = head.web_ua
            if r.random() < 0.08:
                m.routing, m.account = head.routing, head.account
            if r.random() < 0.06:
                m.email = head.email
            if r.random() < 0.1:
                m.phone = head.phone
            members.append(m)
        variant = "shared_account" if any(m.account == head.account for m in members[1:]) else "family"
        for m in members:
            n = night if r.random() < 0.5 else night + r.randint(0, 14)
            self.honest_wages(m, n)
            self.add(self.base_claim(m, n, "household", variant))

    def helper(self, night: int) -> None:
        r = self.r
        helper = self.new_person(ages=(25, 50))
        lang = "en" if r.random() < 0.5 else self.wpick(*NON_EN_LANG)
        group = LANG_GROUP.get(lang, "us")
        for _ in range(r.randint(2, 4)):
            p = self.new_person(group=group, language=lang, ages=(45, 80))
            if r.random() < 0.3:
                p.email = helper.email
            if r.random() < 0.2:
                p.phone = helper.phone
            n = night + (0 if r.random() < 0.5 else r.randint(0, 10))
            self.honest_wages(p, n)
            c = self.base_claim(p, n, "helper_device", "relative", channel="web", hours="evening")
            c["ip"], c["device"], c["ua"] = helper.home_ip, helper.web_device, helper.web_ua
            self.add(c)

    def refiler(self, night: int) -> None:
        r = self.r
        p = self.new_person()
        variant = self.wpick(
            ["after_denial", "new_separation", "ssn_typo_fix", "name_variant"], [35, 35, 10, 20]
        )
        gap = r.randint(7, 42)
        n2 = night + gap
        self.honest_wages(p, night, 0.02)
        c1 = self.base_claim(p, night, "refiler", variant)
        if variant == "ssn_typo_fix":
            s = list(p.ssn)
            k = r.randrange(8)
            s[k], s[k + 1] = s[k + 1], s[k]
            c1["ssn"] = "".join(s)
        self.add(c1)
        if r.random() < 0.4:
            p.phone = self.phone(CITIES[self.city_index(p.addr)][4])
        if r.random() < 0.25:
            p.email = self.email_for(p.first, p.last, p.dob)
        if r.random() < 0.15:
            p.addr = self.new_address(self.city_index(p.addr))
        if r.random() < 0.25:
            p.mobile_device = self.mobile_id()
        if variant == "new_separation":
            p.employer = self.employer()
            self.add_wages(p.ssn, p.employer, self.days[min(n2, self.nights - 1)], n_q=1)
        c2 = self.base_claim(p, n2, "refiler", variant)
        if variant == "name_variant" or r.random() < 0.15:
            c2["first"], c2["middle"], c2["last"] = self.vary_name(p.first, p.middle, p.last)
        self.add(c2)

    def vary_name(self, first: str, middle: str, last: str) -> tuple[str, str, str]:
        r = self.r
        kind = r.randrange(6)
        if kind == 0 and first in NICK:
            first = r.choice(NICK[first])
        elif kind == 1:
            first = self.typo(first)
        elif kind == 2:
            last = self.typo(last)
        elif kind == 3:
            if " " in last:
                a, b = last.split(" ", 1)
                last = r.choice([f"{b} {a}", a, f"{a}-{b}"])
            elif "-" in last:
                last = r.choice([last.replace("-", " "), last.split("-")[0]])
            else:
                middle = middle[:1] if middle else ""
        elif kind == 4:
            middle = "" if middle else r.choice("ABCDEJLMRS")
        else:
            first, last = (first.upper(), last.upper()) if r.random() < 0.5 else (last, first)
        return first, middle, last

    def typo(self, s: str) -> str:
        r = self.r
        if len(s) < 3:
            return s
        i = r.randrange(1, len(s) - 1)
        k = r.randrange(3)
        if k == 0:
            return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
        if k == 1:
            return s[:i] + s[i + 1 :]
        return s[:i] + s[i] + s[i:]

    def mass_layoffs(self) -> None:
        r = self.r
        for night in range(self.nights):
            for _ in range(self.np.poisson(2.2 * self.args.claims_per_day / 4000)):
                emp = self.pick(self.big_emps) if r.random() < 0.6 else self.employer()
                size = int(min(300, max(15, r.lognormvariate(math.log(55), 0.7))))
                size = max(5, int(size * min(1.0, self.args.claims_per_day / 4000)))
                rapid = r.random() < 0.2
                devs = [self.hexid() for _ in range(r.randint(3, 10))]
                site_ip = self.residential_ip()
                variant = "rapid_response" if rapid else "layoff"
                for _ in range(size):
                    n = night if r.random() < 0.6 else night + r.randint(1, 4)
                    p = self.new_person()
                    p.employer = emp
                    self.honest_wages(p, n, 0.01)
                    if rapid and n == night:
                        c = self.base_claim(p, n, "mass_layoff", variant, channel="web", hours="business")
                        c["ip"], c["device"], c["ua"] = site_ip, self.pick(devs), self.ua("web")
                        c["session"] = int(r.lognormvariate(math.log(700), 0.35))
                        c["sep_date"] = self.days[n] - timedelta(days=r.randint(0, 3))
                    else:
                        c = self.base_claim(p, n, "mass_layoff", variant)
                    c["sep_reason"] = "lack_of_work"
                    self.add(c)

    def honest_fill(self, targets: list[int]) -> None:
        segs = list(HONEST_SEGMENTS)
        cw = list(np.cumsum([HONEST_SEGMENTS[s] for s in segs]))
        for night in range(self.nights):
            while self.count[night] < targets[night]:
                seg = self.r.choices(segs, cum_weights=cw)[0]
                self.honest_event(seg, night)
        # a handful of living people wrongly on the death list
        for _ in range(max(2, self.nights // 5)):
            n = self.r.randrange(self.nights)
            p = self.new_person(ages=(30, 64))
            self.honest_wages(p, n, 0.0)
            dod = self.days[n] - timedelta(days=self.r.randint(30, 2000))
            self.deceased.append((p.ssn, dod.isoformat()))
            self.add(self.base_claim(p, n, "dmf_error"))

    # ---------------------------------------------------------------- fraud building blocks
    def ts(self, d: date) -> str:
        r = self.r
        return f"{d.isoformat()}T{r.randint(7, 21):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"

    def victim(self, wages_p: float = 0.78, ages: tuple[int, int] = (21, 70)) -> Person:
        v = self.new_person(ages=ages, pid_prefix="V")
        if self.r.random() < wages_p:
            self.add_wages(
                v.ssn, v.employer, self.start + timedelta(days=self.r.randint(0, self.nights)), n_q=5
            )
        else:
            v.employer = -1
        return v

    def fraud_email(self, v: Person, style: str) -> str:
        r = self.r
        f = "".join(c for c in v.first.lower() if c.isalpha()) or "a"
        la = "".join(c for c in v.last.lower() if c.isalpha()) or "b"
        if style == "name":
            h = self.pick(
                [f"{f}{la}{r.randint(1, 9999)}", f"{f}.{la}{r.randint(10, 99)}", f"{la}{f}{v.dob.year}"]
            )
            dom = self.wpick(
                ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com"], [60, 15, 10, 8, 7]
            )
        elif style == "random":
            h = self.pick(HANDLE_WORDS) + self.pick(["", "_", "."]) + self.hexid(20)[: r.randint(4, 7)]
            dom = self.wpick(["gmail.com", "outlook.com", "protonmail.com", "yahoo.com"], [55, 20, 15, 10])
        else:
            h = f"{f}{r.randint(100, 99999)}"
            dom = self.pick(DISPOSABLE)
        return f"{h}@{dom}"

    def voip(self) -> str:
        return self.phone(OTHER_AREA if self.r.random() < 0.5 else self.pick(CITIES)[4])

    def ring_ctx(self, pattern: str) -> dict[str, Any]:
        r = self.r
        n = self.ring_n.get(pattern, 0) + 1
        self.ring_n[pattern] = n
        net = self.wpick(["residential", "mobile", "vpn", "hosting", "foreign"], [55, 16, 14, 10, 5])
        ndev = r.randint(1, 3)
        return {
            "ring": f"{pattern}-{n:03d}",
            "net": net,
            "opsec": r.random(),
            "devices": [self.hexid() if r.random() < 0.8 else self.mobile_id() for _ in range(ndev)],
            "ips": [self.net_ip(net) for _ in range(r.randint(1, 3))],
            "email_style": self.wpick(["name", "random", "disposable"], [60, 30, 10]),
            "neo_p": r.uniform(0.35, 0.8),
            "addr_style": self.wpick(["victim", "random"], [50, 50]),
            "emp_style": self.wpick(["victim", "random", "bogus"], [55, 33, 12]),
            "uas": [self.ua("web") for _ in range(3)],
            "night_p": r.uniform(0.0, 0.15),
            "burst": r.random() < 0.35,
        }

    def net_ip(self, net: str) -> str:
        if net == "residential":
            return self.residential_ip()
        if net == "mobile":
            return self.cgnat_ip()
        if net == "foreign":
            return self.ip_in("foreign_fraud")
        return self.ip_in(net)

    def fraud_claim(
        self, v: Person, night: int, pattern: str, variant: str, ctx: dict[str, Any], **over: Any
    ) -> dict[str, Any]:
        r = self.r
        ch = over.pop("channel", None) or self.wpick(["web", "mobile", "phone"], [78, 20, 2])
        if ch == "phone" and self.days[night].weekday() >= 5:
            ch = "web"
        lowsec = ctx["opsec"] < 0.5
        if ctx["emp_style"] == "victim" and v.employer >= 0:
            emp_ein, emp_name = self.emp_ein[v.employer], self.emp_name[v.employer]
        elif ctx["emp_style"] == "bogus" and r.random() < 0.7:
            emp_ein = f"{r.choice(EIN_PREFIXES):02d}{r.randint(1000000, 9999999)}"
            emp_name = f"{r.choice(EMP_WORDS_A)} {r.choice(['Services', 'Solutions', 'Enterprises'])} LLC"
        else:
            e = self.employer()
            emp_ein, emp_name = self.emp_ein[e], self.emp_name[e]
        program = "PUA" if r.random() < 0.03 else "UI"
        pay = self.wpick(["direct_deposit", "debit_card", "check"], [88, 10, 2])
        routing, account = self.bank(ctx["neo_p"]) if pay == "direct_deposit" else ("", "")
        addr = v.addr if ctx["addr_style"] == "victim" else self.new_address()
        if ch in ("web", "mobile"):
            ip = self.pick(ctx["ips"]) if lowsec and r.random() < 0.6 else self.net_ip(ctx["net"])
            dev = self.pick(ctx["devices"]) if lowsec and r.random() < 0.5 else self.hexid()
            ua = self.pick(ctx["uas"]) if ch == "web" else self.ua("mobile")
            sess = int(r.lognormvariate(math.log(560), 0.65)) + 20
        else:
            ip = dev = ua = ""
            sess = None
        d: dict[str, Any] = {
            "night": night,
            "hours": "fraud" if r.random() > ctx["night_p"] else "night",
            "tod": None,
            "program": program,
            "ssn": v.ssn,
            "first": v.first,
            "middle": v.middle if r.random() < 0.6 else "",
            "last": v.last,
            "dob": v.dob,
            "email": self.fraud_email(v, ctx["email_style"]) if r.random() > 0.02 else "",
            "phone": self.voip() if r.random() > 0.05 else "",
            "addr": addr,
            "mail": None,
            "payment": pay,
            "routing": routing,
            "account": account,
            "ein": emp_ein if program != "PUA" else "",
            "employer_name": emp_name if program != "PUA" else "",
            "sep_date": self.days[night] - timedelta(days=r.randint(3, 60)) if r.random() < 0.92 else None,
            "sep_reason": self.wpick(["lack_of_work", "quit", "discharged", "other"], [86, 3, 4, 7]),
            "channel": ch,
            "ip": ip,
            "device": dev,
            "ua": ua,
            "session": sess,
            "language": "en" if r.random() < 0.96 else "es",
            "addr_style": "normal",
            "truth": {
                "is_fraud": 1,
                "pattern": pattern,
                "variant": variant,
                "ring": ctx["ring"],
                "segment": pattern,
                "person": v.pid,
                "dob": v.dob,
            },
        }
        d.update(over)
        return d

    def ring_nights(self, pattern: str, size: int, lo: int) -> list[int]:
        r = self.r
        _, _, (s0, s1), _ = PATTERNS[pattern]
        spread = r.randint(s0, s1)
        # rings may have begun before the window (their earlier claims are not in it) and may run past
        # its end; patterns that start late begin after the labeled nights
        first = lo if pattern in LATE_PATTERNS else lo - spread
        start = r.randint(first, max(first, self.nights - 1 - spread // 3))
        return sorted(start + (r.randint(0, spread) if spread else 0) for _ in range(size))

    def burst_times(self, specs: list[dict[str, Any]], ctx: dict[str, Any]) -> None:
        """Rings that file in bursts: several claims of one night within an hour or two."""
        if not ctx["burst"]:
            return
        r = self.r
        by_night: dict[int, list[dict[str, Any]]] = {}
        for s in specs:
            by_night.setdefault(s["night"], []).append(s)
        for group in by_night.values():
            if len(group) < 2:
                continue
            t = r.randint(0, 86400 - 3600 * 3)
            for s in group:
                s["tod"] = min(86399, t)
                t += int(s["session"] or 300) + r.randint(10, 600)

    # ---------------------------------------------------------------- fraud patterns
    def make_ring(self, pattern: str, lo: int) -> list[dict[str, Any]]:
        r = self.r
        variants, (z0, z1), _, _ = PATTERNS[pattern]
        variant = r.choice(variants)
        size = round(math.exp(r.uniform(math.log(z0), math.log(z1 + 0.99))))
        size = max(z0, min(z1, size))
        nights = self.ring_nights(pattern, size, lo)
        ctx = self.ring_ctx(pattern)
        fn = getattr(self, f"ring_{pattern}")
        specs: list[dict[str, Any]] = fn(variant, nights, ctx)
        self.burst_times(specs, ctx)
        kept = [s for s in specs if 0 <= s["night"] < self.nights]
        return kept if len(kept) >= 2 else []

    def ring_mail_drop(self, variant: str, nights: list[int], ctx: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.r
        drop = self.new_address(apt_prob=1.0)
        if variant == "unit_scramble":
            drop = replace(drop, unit=f"{r.randint(1, 9)}{r.choice('ABCD')}")
        out = []
        for n in nights:
            v = self.victim()
            c = self.fraud_claim(v, n, "mail_drop", variant, ctx)
            c["addr_style"] = "heavy"
            if variant == "mailing_drop":
                c["addr"], c["mail"] = v.addr, drop
            else:
                c["addr"] = drop
            if variant == "unit_scramble":
                c["addr_style"] = "scramble"
            if r.random() < 0.45:
                c.update(payment="debit_card", routing="", account="")
            out.append(c)
        return out

    def ring_bank_drop(self, variant: str, nights: list[int], ctx: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.r
        neo = {"neobank_mules": 0.9, "bank_mules": 0.1, "padded_accounts": 0.6}[variant]
        mules = [self.bank(neo) for _ in range(r.randint(1, max(1, min(4, len(nights) // 3))))]
        out = []
        for n in nights:
            v = self.victim()
            c = self.fraud_claim(
                v, n, "bank_drop", variant, ctx, addr=self.new_address() if r.random() < 0.6 else v.addr
            )
            rt, ac = self.pick(mules)
            if variant == "padded_accounts" and r.random() < 0.6:
                ac = "0" * r.randint(1, 4) + ac if r.random() < 0.7 else f"{ac[:4]}-{ac[4:]}"
            c.update(payment="direct_deposit", routing=rt, account=ac)
            out.append(c)
        return out

    def ring_device_farm(self, variant: str, nights: list[int], ctx: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.r
        devs = [self.hexid() for _ in range(r.randint(2, 6))]
        uas = [self.ua("web") for _ in devs]
        bot = variant != "residential_proxy" and r.random() < 0.5
        if bot:
            uas = [self.ua("bot") if r.random() < 0.7 else u for u in uas]
        ips = [self.ip_in(variant) for _ in range(r.randint(1, 4))] if variant != "residential_proxy" else []
        if variant == "vpn" and r.random() < 0.3:
            ips.append(self.ip_in("tor"))
        out = []
        for n in nights:
            v = self.victim()
            k = r.randrange(len(devs))
            c = self.fraud_claim(v, n, "device_farm", variant, ctx, channel="web")
            c["device"], c["ua"] = devs[k], uas[k]
            if variant == "residential_proxy":
                c["ip"] = self.residential_ip()
                c["session"] = int(r.lognormvariate(math.log(700), 0.5)) + 60
                c["hours"] = "honest"
            else:
                c["ip"] = self.pick(ips) if r.random() < 0.8 else self.ip_in(variant)
                c["session"] = int(r.lognormvariate(math.log(110 if bot else 360), 0.5)) + 15
            out.append(c)
        if variant != "residential_proxy":
            ctx["burst"] = r.random() < 0.7
        return out

    def ring_refiled_identity(
        self, variant: str, nights: list[int], ctx: dict[str, Any]
    ) -> list[dict[str, Any]]:
        r = self.r
        v = self.victim()
        if variant == "dob_swap" and v.dob.day > 12:
            v.dob = v.dob.replace(day=r.randint(1, 12))
        out = []
        for i, n in enumerate(nights):
            c = self.fraud_claim(v, n, "refiled_identity", variant, ctx)
            if i > 0:
                if variant in ("name_variants", "mixed_edits"):
                    c["first"], c["middle"], c["last"] = self.vary_name(v.first, v.middle, v.last)
                if variant in ("dob_swap", "mixed_edits") and r.random() < 0.6 and v.dob.day <= 12:
                    c["dob"] = date(v.dob.year, v.dob.day, v.dob.month)
                if r.random() < 0.5:
                    c["addr"] = self.new_address()
            c["payment"], (c["routing"], c["account"]) = "direct_deposit", self.bank(ctx["neo_p"])
            out.append(c)
        return out

    def ring_stealth_chain(
        self, variant: str, nights: list[int], ctx: dict[str, Any]
    ) -> list[dict[str, Any]]:
        r = self.r
        ctx["opsec"] = 1.0
        kinds = {
            "mixed_links": ["account", "phone", "email", "device", "address"],
            "financial_links": ["account", "phone", "address"],
            "digital_links": ["device", "email", "ip", "phone"],
        }[variant]
        out = []
        for n in nights:
            v = self.victim()
            c = self.fraud_claim(v, n, "stealth_chain", variant, ctx, channel=self.pick(["web", "mobile"]))
            c["ip"] = self.residential_ip()
            c["device"] = self.hexid()
            c["addr"] = self.new_address()
            c["payment"], (c["routing"], c["account"]) = "direct_deposit", self.bank(ctx["neo_p"])
            c["email"] = self.fraud_email(v, ctx["email_style"])
            c["phone"] = self.voip()
            c["hours"] = "honest" if r.random() < 0.6 else "fraud"
            c["session"] = int(r.lognormvariate(math.log(720), 0.55)) + 40
            out.append(c)
        prev = ""
        for a, b in itertools.pairwise(out):
            k = self.pick([x for x in kinds if x != prev])
            prev = k
            if k == "account":
                b["routing"], b["account"] = a["routing"], a["account"]
            elif k == "phone":
                b["phone"] = a["phone"]
            elif k == "email":
                b["email"] = a["email"]
            elif k == "device":
                b["device"] = a["device"]
            elif k == "ip":
                b["ip"] = a["ip"]
            else:
                b["addr"] = a["addr"]
        return out

    def ring_synthetic_identity(
        self, variant: str, nights: list[int], ctx: dict[str, Any]
    ) -> list[dict[str, Any]]:
        r = self.r
        fict = None
        if variant == "fictitious_employer":
            fict = -1 - len(self.fict_ein)
            ein = f"{r.choice([82, 83, 84, 85, 86, 87, 88, 92, 93])}{r.randint(1000000, 9999999)}"
            self.fict_ein[fict] = ein
            self.fict_name[fict] = (
                f"{r.choice(EMP_WORDS_A)} {r.choice(['Consulting', 'Logistics', 'Staffing'])} LLC"
            )
        seq_base = r.randint(1, 665) if r.random() < 0.4 else None
        out = []
        for i, n in enumerate(nights):
            kind = "impossible" if variant == "impossible_ssn" else "valid"
            ages = (18, 26) if r.random() < 0.7 else (26, 40)
            v = self.new_person(ages=ages, pid_prefix="S", ssn_kind=kind, neo_p=0.7)
            if seq_base is not None and variant != "impossible_ssn":
                s = f"{seq_base:03d}{r.randint(1, 99):02d}{(1000 + 7 * i) % 10000:04d}"
                if s not in self.used_ssn:
                    self.used_ssn.add(s)
                    v.ssn = s
            v.employer = -1
            c = self.fraud_claim(v, n, "synthetic_identity", variant, ctx)
            c["email"] = self.fraud_email(v, self.pick(["random", "disposable", "name"]))
            c["middle"] = ""
            c["addr"] = self.new_address()
            if fict is not None:
                self.add_wages(v.ssn, fict, self.days[n], n_q=r.randint(2, 4), scale=2.2)
                c["ein"], c["employer_name"] = self.fict_ein[fict], self.fict_name[fict]
            out.append(c)
        return out

    def listed(self, kind: str, value: str, day: date) -> None:
        src = self.pick(["investigation", "NASWA-IDH", "DOL-OIG", "bank-return", "law-enforcement"])
        self.suspicious.append((kind, value, day.isoformat(), src))

    def ring_known_bad_actor(
        self, variant: str, nights: list[int], ctx: dict[str, Any]
    ) -> list[dict[str, Any]]:
        r = self.r
        added = self.start - timedelta(days=r.randint(20, 700))
        kinds = {
            "listed_account": ["bank_account"],
            "listed_contact": ["email", "phone"],
            "listed_network": ["ip_address", "device_id"],
            "listed_address": ["address"],
        }[variant]
        vals: dict[str, Any] = {}
        for k in kinds:
            if k == "bank_account":
                rt, ac = self.bank(ctx["neo_p"])
                vals[k] = (rt, ac)
                self.listed(k, f"{rt}:{ac}", added)
            elif k == "email":
                e = self.fraud_email(self.victim(0.0), "random")
                vals[k] = e
                self.listed(k, e.upper() if r.random() < 0.2 else e, added)
            elif k == "phone":
                ph = self.voip()
                vals[k] = ph
                self.listed(k, ph if r.random() < 0.5 else f"({ph[:3]}) {ph[3:6]}-{ph[6:]}", added)
            elif k == "ip_address":
                ip = self.net_ip(self.pick(["residential", "hosting", "vpn"]))
                vals[k] = ip
                self.listed(k, ip, added)
            elif k == "device_id":
                dv = self.hexid()
                vals[k] = dv
                self.listed(k, dv, added)
            else:
                a = self.new_address(apt_prob=0.6)
                vals[k] = a
                self.listed(k, a.plain(), added)
        out = []
        for n in nights:
            v = self.victim()
            c = self.fraud_claim(v, n, "known_bad_actor", variant, ctx)
            use = [k for k in kinds if r.random() < 0.8] or kinds[:1]
            for k in use:
                if k == "bank_account":
                    c["payment"], (c["routing"], c["account"]) = "direct_deposit", vals[k]
                elif k == "email":
                    c["email"] = vals[k]
                elif k == "phone":
                    c["phone"] = vals[k]
                elif k == "ip_address":
                    c["channel"] = "web"
                    c["ip"] = vals[k]
                    c["device"] = c["device"] or self.hexid()
                    c["ua"] = c["ua"] or self.ua("web")
                    c["session"] = c["session"] or 300
                elif k == "device_id":
                    c["channel"] = "web"
                    c["device"] = vals[k]
                    c["ip"] = c["ip"] or self.residential_ip()
                    c["ua"] = c["ua"] or self.ua("web")
                    c["session"] = c["session"] or 300
                else:
                    c["addr"] = vals[k]
            out.append(c)
        return out

    def ring_email_alias(self, variant: str, nights: list[int], ctx: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.r
        base = self.pick(
            [
                f"{self.pick(NAMES['us']['m']).lower()}{self.pick(NAMES['us']['l']).lower()}",
                f"{self.pick(HANDLE_WORDS)}{r.randint(10, 9999)}",
                f"{self.pick(NAMES['us']['f']).lower()}{r.randint(1970, 2004)}",
            ]
        )
        base = "".join(c for c in base if c.isalnum())
        out = []
        for i, n in enumerate(nights):
            v = self.victim()
            h = base
            if variant in ("dots", "dots_and_tags") and len(h) > 3:
                cuts = sorted(r.sample(range(1, len(h)), k=min(len(h) - 1, r.randint(1, 3))))
                parts, last = [], 0
                for cpos in cuts:
                    parts.append(h[last:cpos])
                    last = cpos
                parts.append(h[last:])
                h = ".".join(parts)
            if variant in ("plus_tags", "dots_and_tags") and (variant == "plus_tags" or r.random() < 0.6):
                h += "+" + self.pick(["ui", "oh", "claim", "c", "x", "", "job"]) + str(i + r.randint(0, 50))
            if r.random() < 0.15:
                h = h.upper() if r.random() < 0.5 else h.capitalize()
            dom = "googlemail.com" if r.random() < 0.08 else "gmail.com"
            out.append(self.fraud_claim(v, n, "email_alias", variant, ctx, email=f"{h}@{dom}"))
        return out

    def ring_multi_state(self, variant: str, nights: list[int], ctx: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.r
        states = {
            "neighbor_states": NEIGHBOR_STATES,
            "far_states": FAR_STATES,
            "wave": NEIGHBOR_STATES + FAR_STATES,
        }[variant]
        out = []
        wave_day = None
        for n in nights:
            v = self.victim()
            c = self.fraud_claim(v, n, "multi_state", variant, ctx)
            k = r.randint(1, 4) if variant != "wave" else r.randint(3, 6)
            for st in r.sample(states, k=min(k, len(states))):
                if variant == "wave":
                    wave_day = wave_day if wave_day is not None else r.randint(-3, 1)
                    off = wave_day + r.randint(0, 1)
                else:
                    off = r.randint(-10, 6)
                d = self.days[n] + timedelta(days=off)
                self.interstate.append((v.ssn, st, self.ts(d)))
            out.append(c)
        return out

    def ring_deceased(self, variant: str, nights: list[int], ctx: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.r
        accts = [self.bank(ctx["neo_p"]) for _ in range(r.randint(1, 3))]
        out = []
        for n in nights:
            if variant == "long_dead":
                v = self.victim(0.0, ages=(35, 75))
                dod = self.days[n] - timedelta(days=r.randint(400, 4000))
            else:
                v = self.victim(0.85 if variant == "recent_death" else 0.5, ages=(28, 70))
                dod = self.days[n] - timedelta(days=r.randint(20, 200 if variant == "recent_death" else 900))
            self.deceased.append((v.ssn, dod.isoformat()))
            c = self.fraud_claim(v, n, "deceased", variant, ctx)
            if variant == "shared_account" or r.random() < 0.3:
                c["payment"], (c["routing"], c["account"]) = "direct_deposit", self.pick(accts)
            out.append(c)
        return out

    def ring_incarcerated(self, variant: str, nights: list[int], ctx: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.r
        accomplice_addr = self.new_address(apt_prob=0.5)
        accomplice_phone = self.voip()
        accomplice_acct = self.bank(ctx["neo_p"])
        out = []
        for n in nights:
            v = self.victim(0.55, ages=(20, 55))
            day = self.days[n]
            if variant == "jail_recent":
                adm = day - timedelta(days=r.randint(2, 60))
            else:
                adm = day - timedelta(days=r.randint(120, 3000))
            rel = ""
            if variant == "release_pending":
                rel = (day + timedelta(days=r.randint(5, 200))).isoformat()
            last = v.last.upper() if r.random() < 0.5 else v.last
            if r.random() < 0.1:
                last = self.typo(last)
            self.incarcerated.append((v.ssn, last, v.dob.isoformat(), adm.isoformat(), rel))
            c = self.fraud_claim(v, n, "incarcerated", variant, ctx)
            share = r.random()
            if variant == "prison_ring" or share < 0.3:
                k = r.randrange(3)
                if k == 0:
                    c["addr"] = accomplice_addr
                elif k == 1:
                    c["phone"] = accomplice_phone
                else:
                    c["payment"], (c["routing"], c["account"]) = "direct_deposit", accomplice_acct
            out.append(c)
        return out

    def fraud(self, targets: list[float]) -> None:
        active = [
            [p for p in PATTERNS if p not in LATE_PATTERNS or i >= self.labeled] for i in range(self.nights)
        ]
        budget = {p: 0.0 for p in PATTERNS}
        for i in range(self.nights):
            tot_w = sum(PATTERNS[p][3] for p in active[i])
            for p in active[i]:
                budget[p] += targets[i] * PATTERNS[p][3] / tot_w
        victims_used: list[tuple[dict[str, Any], int]] = []
        for pattern in PATTERNS:
            lo = self.labeled if pattern in LATE_PATTERNS else 0
            if lo >= self.nights:
                continue
            made = 0
            while made < budget[pattern] - 1:
                specs = self.make_ring(pattern, lo)
                for s in specs:
                    self.add(s)
                    self.first_night[pattern] = min(self.first_night.get(pattern, 10**6), s["night"])
                    victims_used.append((s, s["night"]))
                made += len(specs)
        # some victims of identity theft file their own, honest claim after the fraudster did
        r = self.r
        seen: set[str] = set()
        for s, n in victims_used:
            pid = s["truth"]["person"]
            if not pid.startswith("V") or pid in seen or n > self.nights - 3 or r.random() > 0.03:
                continue
            seen.add(pid)
            p = self.new_person()
            p.pid, p.first, p.middle, p.last, p.dob = (
                pid,
                s["first"],
                s["middle"],
                s["last"],
                s["truth"]["dob"],
            )
            self.used_ssn.discard(p.ssn)
            p.ssn = s["ssn"]
            self.add(self.base_claim(p, n + r.randint(1, 14), "theft_victim"))

    # ---------------------------------------------------------------- reference background
    def background(self) -> None:
        r = self.r
        for _ in range(max(2000, self.nights * 600)):
            s = self.new_ssn()
            dod = self.start - timedelta(days=r.randint(1, 365 * 30))
            self.deceased.append((s, dod.isoformat()))
        for _ in range(max(800, self.nights * 150)):
            s = self.new_ssn()
            g = self.pick(["us", "us", "us", "hispanic"])
            last = self.pick(NAMES[g]["l"])
            dob = self.start - timedelta(days=r.randint(18 * 365, 70 * 365))
            adm = self.start - timedelta(days=r.randint(1, 4000))
            rel = ""
            if r.random() < 0.55:
                rel_d = adm + timedelta(days=r.randint(2, 2500))
                rel = rel_d.isoformat() if rel_d < self.start + timedelta(days=self.nights) else ""
            self.incarcerated.append(
                (s, last.upper() if r.random() < 0.6 else last, dob.isoformat(), adm.isoformat(), rel)
            )
        for _ in range(max(2000, self.nights * 400)):
            s = self.new_ssn()
            emp = self.employer()
            self.add_wages(s, emp, self.start, n_q=r.randint(1, 6))
        for _ in range(max(1000, self.nights * 150)):
            s = self.new_ssn()
            st = self.pick(NEIGHBOR_STATES + FAR_STATES)
            self.interstate.append((s, st, self.ts(self.start - timedelta(days=r.randint(30, 1500)))))
        # honest claimants with an old claim elsewhere years ago (border workers)
        honest = [s for s in self.specs if not s["truth"]["is_fraud"]]
        for s in r.sample(honest, k=min(len(honest), max(20, len(honest) // 150))):
            st = self.pick(NEIGHBOR_STATES)
            self.interstate.append((s["ssn"], st, self.ts(self.start - timedelta(days=r.randint(400, 2500)))))
        # background known-bad identifiers, plus a few that honest claimants collide with
        for _ in range(max(300, self.nights * 40)):
            added = self.start - timedelta(days=r.randint(1, 900))
            k = self.wpick(
                ["bank_account", "email", "phone", "ip_address", "device_id", "address"],
                [30, 25, 15, 10, 10, 10],
            )
            if k == "bank_account":
                rt, ac = self.bank(0.6)
                self.listed(k, f"{rt}:{ac}", added)
            elif k == "email":
                self.listed(
                    k, self.fraud_email(self.victim(0.0), self.pick(["name", "random", "disposable"])), added
                )
            elif k == "phone":
                self.listed(k, self.voip(), added)
            elif k == "ip_address":
                self.listed(k, self.net_ip(self.pick(["hosting", "vpn", "foreign", "residential"])), added)
            elif k == "device_id":
                self.listed(k, self.hexid(), added)
            else:
                self.listed(k, self.new_address(apt_prob=0.6).plain(), added)
        old = self.start - timedelta(days=400)
        self.listed("ip_address", self.cgnat_pool[40], old)
        self.listed("address", self.shelters[0][1].plain(), old)
        self.listed("ip_address", self.libraries[5][0], old)

    # ---------------------------------------------------------------- rendering
    def render_addr(self, a: Address, style: str) -> tuple[str, str]:
        r = self.r
        if a.po_box:
            return self.pick(["PO Box", "P.O. Box", "Po Box", "POB", "P O Box"]) + f" {a.po_box}", ""
        heavy = style in ("heavy", "scramble")
        sp = SUFFIXES[a.suffix][1]
        suffix = sp[0] if (not heavy and r.random() < 0.75) else self.pick(sp)
        parts = [a.number]
        if a.predir:
            parts.append(PREDIR[a.predir][0] if r.random() < 0.7 else self.pick(PREDIR[a.predir]))
        parts += [a.street, suffix]
        line1 = " ".join(parts)
        line2 = ""
        if a.unit:
            unit = a.unit
            if style == "scramble":
                unit = self.pick(
                    [unit, f"{unit[:-1]}-{unit[-1]}", f"{unit[:-1]} {unit[-1]}", unit.lower(), unit]
                )
            forms = UNIT_FORMS[a.unit_kind]
            fmt = (
                self.pick([f for f, _ in forms])
                if heavy
                else r.choices(forms, weights=[w for _, w in forms])[0][0]
            )
            ut = fmt.format(u=unit)
            if style == "scramble" and r.random() < 0.15:
                ut = ""
            place = r.random()
            if place < (0.5 if heavy else 0.62):
                line2 = ut
            elif place < 0.85:
                line1 = f"{line1} {ut}"
            else:
                line1 = f"{line1}, {ut}"
        c = r.random()
        if c < 0.1:
            line1, line2 = line1.upper(), line2.upper()
        elif c < 0.13:
            line1, line2 = line1.lower(), line2.lower()
        if r.random() < 0.04:
            line1 = line1.replace(" ", "  ", 1)
        if r.random() < 0.03:
            line1 = line1 + " "
        return line1, line2

    def render_zip(self, a: Address) -> str:
        u = self.r.random()
        if u < 0.8:
            return a.zip5
        if u < 0.98:
            return f"{a.zip5}-{a.zip4}"
        return a.zip5 + a.zip4

    def render_phone(self, ph: str) -> str:
        if not ph:
            return ""
        k = self.r.random()
        if k < 0.35:
            return f"({ph[:3]}) {ph[3:6]}-{ph[6:]}"
        if k < 0.6:
            return f"{ph[:3]}-{ph[3:6]}-{ph[6:]}"
        if k < 0.72:
            return f"{ph[:3]}.{ph[3:6]}.{ph[6:]}"
        if k < 0.8:
            return f"+1 {ph[:3]} {ph[3:6]} {ph[6:]}"
        if k < 0.85:
            return f"1-{ph[:3]}-{ph[3:6]}-{ph[6:]}"
        return ph

    def render_ssn(self, s: str) -> str:
        k = self.r.random()
        if k < 0.55:
            return f"{s[:3]}-{s[3:5]}-{s[5:]}"
        if k < 0.97:
            return s
        return f"{s[:3]} {s[3:5]} {s[5:]}"

    def case(self, s: str) -> str:
        k = self.r.random()
        if k < 0.86:
            return s
        if k < 0.96:
            return s.upper()
        if k < 0.98:
            return s.lower()
        return f" {s}" if self.r.random() < 0.5 else f"{s} "

    def filed_at(self, spec: dict[str, Any]) -> tuple[str, datetime]:
        r = self.r
        day = self.days[spec["night"]]
        dst_start = day == second_sunday_march(day.year)
        for _ in range(50):
            if spec["tod"] is not None:
                sec = spec["tod"]
                spec["tod"] = None
            else:
                prof = spec["hours"]
                if prof == "night":
                    hour = r.choice([0, 1, 2, 3, 4, 5, 23])
                else:
                    hour = r.choices(range(24), weights=self._hour_w[prof])[0]
                sec = hour * 3600 + r.randrange(3600)
            if dst_start and 7200 <= sec < 10800:
                continue
            break
        local = datetime.combine(day, datetime.min.time()) + timedelta(seconds=sec)
        k = r.random()
        base = local.strftime("%Y-%m-%dT%H:%M:%S")
        if k < 0.9:
            return base, local
        if k < 0.96:
            off = eastern_offset(local)
            return f"{base}{off:+03d}:00", local
        if k < 0.98:
            return f"{base}.{r.randint(0, 999):03d}", local
        utc = local - timedelta(hours=eastern_offset(local))
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ"), local

    def render(self, spec: dict[str, Any]) -> dict[str, str]:
        r = self.r
        line1, line2 = self.render_addr(spec["addr"], spec["addr_style"])
        a = spec["addr"]
        row = {
            "program": spec["program"] if (spec["program"] != "UI" or r.random() < 0.7) else "",
            "ssn": self.render_ssn(spec["ssn"]),
            "first_name": self.case(spec["first"]),
            "middle_name": spec["middle"],
            "last_name": self.case(spec["last"]),
            "date_of_birth": spec["dob"].isoformat(),
            "email": spec["email"] if r.random() < 0.95 else spec["email"].capitalize(),
            "phone": self.render_phone(spec["phone"]),
            "address_line1": line1,
            "address_line2": line2,
            "city": a.city.upper() if r.random() < 0.1 else a.city,
            "state": a.state if r.random() < 0.97 else a.state.lower(),
            "zip": self.render_zip(a),
            "payment_method": spec["payment"],
            "bank_routing": spec["routing"],
            "bank_account": spec["account"],
            "employer_ein": spec["ein"]
            if (not spec["ein"] or r.random() < 0.6)
            else f"{spec['ein'][:2]}-{spec['ein'][2:]}",
            "employer_name": spec["employer_name"] if r.random() < 0.9 else spec["employer_name"].upper(),
            "separation_date": spec["sep_date"].isoformat() if spec["sep_date"] else "",
            "separation_reason": spec["sep_reason"] if r.random() < 0.97 else "",
            "channel": spec["channel"],
            "ip_address": spec["ip"],
            "device_id": spec["device"],
            "user_agent": spec["ua"] if r.random() < 0.97 else "",
            "session_seconds": "" if spec["session"] is None else str(spec["session"]),
            "language": spec["language"] if (spec["language"] != "en" or r.random() < 0.8) else "",
        }
        m = spec["mail"]
        if m is not None:
            ml1, ml2 = self.render_addr(m, spec["addr_style"])
            row.update(
                mailing_address_line1=ml1,
                mailing_address_line2=ml2,
                mailing_city=m.city,
                mailing_state=m.state,
                mailing_zip=self.render_zip(m),
            )
        else:
            row.update(
                mailing_address_line1="",
                mailing_address_line2="",
                mailing_city="",
                mailing_state="",
                mailing_zip="",
            )
        return row

    def corrupt(self, row: dict[str, str]) -> str:
        r = self.r
        kind = self.pick(
            [
                "ssn_length",
                "ssn_length",
                "missing_last_name",
                "bad_dob",
                "bad_dob",
                "missing_address",
                "missing_account",
                "missing_ip",
                "bad_zip",
                "bad_filed_at",
                "missing_employer",
            ]
        )
        digits = "".join(c for c in row["ssn"] if c.isdigit())
        if kind == "ssn_length":
            row["ssn"] = digits[:-1] if r.random() < 0.6 else digits + str(r.randint(0, 9))
        elif kind == "missing_last_name":
            row["last_name"] = ""
        elif kind == "bad_dob":
            y, m, d = row["date_of_birth"].split("-")
            row["date_of_birth"] = self.pick(
                [f"{m}/{d}/{y}", f"{y}-{m}-{int(d) + 31}", f"{y}-13-{d}", "unknown"]
            )
        elif kind == "missing_address":
            row["address_line1"] = ""
        elif kind == "missing_account":
            row["payment_method"] = "direct_deposit"
            row["bank_routing"] = row["bank_routing"] or aba("04400002")
            row["bank_account"] = ""
        elif kind == "missing_ip":
            row["channel"] = "web"
            row["ip_address"] = ""
            row["device_id"] = row["device_id"] or self.hexid()
        elif kind == "bad_zip":
            row["zip"] = row["zip"][:4]
        elif kind == "bad_filed_at":
            row["filed_at"] = row["filed_at"][:10].replace("-", "/") + " 25:61"
        else:
            row["program"] = "UI"
            row["employer_ein"] = ""
            row["employer_name"] = ""
        return kind

    # ---------------------------------------------------------------- run
    def build(self) -> None:
        a = self.args
        wk = [1.25, 1.12, 1.05, 1.0, 0.95, 0.45, 0.4]
        mean_wk = sum(wk) / 7
        totals = [
            max(50, round(a.claims_per_day * wk[d.weekday()] / mean_wk * self.r.uniform(0.92, 1.08)))
            for d in self.days[: self.nights]
        ]
        fraud_t = [t * FRAUD_SHARE for t in totals]
        self.fraud(fraud_t)
        fraud_counts = list(self.count)
        self.mass_layoffs()
        honest_t = [totals[i] - fraud_counts[i] for i in range(self.nights)]
        self.honest_fill(honest_t)
        self.background()

    def write(self, out: Path) -> dict[str, Any]:
        r = self.r
        (out / "batches").mkdir(parents=True, exist_ok=True)
        (out / "reference").mkdir(parents=True, exist_ok=True)
        by_night: list[list[dict[str, Any]]] = [[] for _ in range(self.nights)]
        for s in self.specs:
            by_night[s["night"]].append(s)
        truth_rows: list[dict[str, Any]] = []
        labels_pool: list[tuple[dict[str, Any], dict[str, Any], datetime]] = []
        for i, specs in enumerate(by_night):
            rendered = []
            for s in specs:
                row = self.render(s)
                row["filed_at"], local = self.filed_at(s)
                rendered.append((local, row, s))
            rendered.sort(key=lambda x: (x[0], x[1]["ssn"]))
            day = self.days[i]
            rows = []
            for k, (local, row, s) in enumerate(rendered, start=1):
                cid = f"OH{day:%y%m%d}{k:06d}"
                row["claim_id"] = cid
                t = s["truth"]
                tr = {
                    "claim_id": cid,
                    "night": day.isoformat(),
                    "is_fraud": t["is_fraud"],
                    "pattern": t["pattern"],
                    "variant": t["variant"],
                    "ring": t["ring"],
                    "segment": t["segment"],
                    "person": t["person"],
                    "language": s["language"],
                    "age_band": age_band(age_on(t["dob"], day)),
                }
                if not t["is_fraud"] and r.random() < INVALID_RATE:
                    tr["variant"] = self.corrupt(row)
                    tr["pattern"] = "invalid"
                elif i < self.labeled:
                    labels_pool.append((tr, s, local))
                truth_rows.append(tr)
                rows.append(row)
            with open(
                out / "batches" / f"claims_{day.isoformat()}.csv", "w", newline="", encoding="utf-8"
            ) as fh:
                w = csv.DictWriter(fh, fieldnames=COLUMNS)
                w.writeheader()
                w.writerows(rows)
        pd.DataFrame(truth_rows).to_csv(out / "truth.csv", index=False)
        labels = self.labels(labels_pool)
        pd.DataFrame(labels, columns=["claim_id", "outcome", "decided_at", "source"]).to_csv(
            out / "labels.csv", index=False
        )
        ref = out / "reference"
        for lst in (self.deceased, self.incarcerated, self.wages, self.suspicious, self.interstate):
            r.shuffle(lst)  # the order of a reference list says nothing about how an entry arose
        self._csv(
            ref / "deceased.csv", ["ssn", "date_of_death"], [(self.fmt_ssn(s), d) for s, d in self.deceased]
        )
        self._csv(
            ref / "incarcerated.csv",
            ["ssn", "last_name", "date_of_birth", "admitted_on", "released_on"],
            [(self.fmt_ssn(x[0]), *x[1:]) for x in self.incarcerated],
        )
        self._csv(ref / "wage_records.csv", ["ssn", "employer_ein", "quarter", "wages"], self.wages)
        self._csv(ref / "suspicious_actors.csv", ["kind", "value", "added_on", "source"], self.suspicious)
        ranges = [(c, "hosting") for c in IP_RANGES["hosting"]] + [(c, "vpn") for c in IP_RANGES["vpn"]]
        ranges += [(c, "tor") for c in TOR_EXITS]
        ranges += [(c, "foreign") for c in IP_RANGES["foreign_fraud"] + IP_RANGES["foreign_travel"]]
        self._csv(ref / "ip_ranges.csv", ["cidr", "category"], ranges)
        self._csv(
            ref / "interstate_claims.csv",
            ["ssn", "state", "filed_at"],
            [(self.fmt_ssn(s), st, t) for s, st, t in self.interstate],
        )
        return {"truth": truth_rows, "labels": labels}

    def fmt_ssn(self, s: str) -> str:
        return s if self.r.random() < 0.6 else f"{s[:3]}-{s[3:5]}-{s[5:]}"

    @staticmethod
    def _csv(path: Path, header: list[str], rows: list[tuple[Any, ...]]) -> None:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)

    def labels(
        self, pool: list[tuple[dict[str, Any], dict[str, Any], datetime]]
    ) -> list[tuple[str, str, str, str]]:
        """Investigations of a biased sample (what a simple rule flags, plus a few at random); a 1% audit."""
        r = self.r
        acct: dict[str, set[str]] = {}
        addr: dict[str, set[str]] = {}
        for _, s, _ in pool:
            if s["account"]:
                acct.setdefault(f"{s['routing']}:{s['account'].lstrip('0')}", set()).add(s["ssn"])
            addr.setdefault(s["addr"].key(), set()).add(s["ssn"])
        dead = {s for s, _ in self.deceased}
        held = {x[0] for x in self.incarcerated if not x[4]}
        listed = {v.lower() for _, v, _, _ in self.suspicious}
        risky = [ipaddress.ip_network(c) for c in IP_RANGES["hosting"] + TOR_EXITS]
        out: list[tuple[str, str, str, str]] = []
        investigated: set[str] = set()
        for tr, s, local in pool:
            flags = 0
            if s["account"] and len(acct[f"{s['routing']}:{s['account'].lstrip('0')}"]) >= 3:
                flags += 1
            if len(addr[s["addr"].key()]) >= 4:
                flags += 1
            if s["ssn"] in dead or s["ssn"] in held:
                flags += 1
            if s["email"].lower() in listed or s["addr"].plain().lower() in listed or s["ip"] in listed:
                flags += 1
            if s["account"] and f"{s['routing']}:{s['account']}" in listed:
                flags += 1
            if s["ip"] and ":" not in s["ip"]:
                ip = ipaddress.ip_address(s["ip"])
                if any(ip in n for n in risky if n.version == 4):
                    flags += 1
            p = 0.55 if flags else 0.003
            if r.random() < p:
                truth = "fraud" if tr["is_fraud"] else "legitimate"
                if r.random() < 0.03:
                    truth = "legitimate" if truth == "fraud" else "fraud"
                dec = local + timedelta(days=r.randint(2, 9), hours=r.randint(0, 8))
                out.append((tr["claim_id"], truth, dec.strftime("%Y-%m-%dT%H:%M:%S"), "investigation"))
                investigated.add(tr["claim_id"])
        for tr, _, local in pool:
            if tr["claim_id"] in investigated or r.random() >= 0.01:
                continue
            dec = local + timedelta(days=r.randint(3, 12), hours=r.randint(0, 8))
            out.append(
                (
                    tr["claim_id"],
                    "fraud" if tr["is_fraud"] else "legitimate",
                    dec.strftime("%Y-%m-%dT%H:%M:%S"),
                    "audit",
                )
            )
        out.sort(key=lambda x: (x[2], x[0]))
        return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--nights", type=int, default=35)
    ap.add_argument("--claims-per-day", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--labeled-nights", type=int, default=18)
    ap.add_argument("--start", default="2026-03-02")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    world = World(args)
    world.build()
    res = world.write(args.out)
    meta = {
        "generator": "bench/other_world.py",
        "arguments": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "quiet"
        },
        "home_state": HOME,
        "nights": [d.isoformat() for d in world.days[: world.nights]],
        "labeled_nights": [d.isoformat() for d in world.days[: world.labeled]],
        "late_patterns": LATE_PATTERNS,
        "late_patterns_start": world.days[world.labeled].isoformat()
        if world.labeled < world.nights
        else None,
        "pattern_first_night": {p: world.days[n].isoformat() for p, n in sorted(world.first_night.items())},
        "variants": {p: v[0] for p, v in PATTERNS.items()},
        "fraud_share_target": FRAUD_SHARE,
        "invalid_rate_target": INVALID_RATE,
        "honest_segments": [*HONEST_SEGMENTS, "mass_layoff", "dmf_error", "theft_victim"],
    }
    (args.out / "world.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    if not args.quiet:
        tr = pd.DataFrame(res["truth"])
        lb = pd.DataFrame(res["labels"], columns=["claim_id", "outcome", "decided_at", "source"])
        n_invalid = int((tr.pattern == "invalid").sum())
        print(f"claims {len(tr)}  fraud share {tr.is_fraud.mean():.4f}  invalid {n_invalid}")
        print(tr.groupby(["pattern", "variant"]).size().to_string())
        print(tr[tr.is_fraud == 0].segment.value_counts().to_string())
        print(tr[tr.is_fraud == 1].groupby("pattern").ring.nunique().rename("rings").to_string())
        print(lb.groupby(["source", "outcome"]).size().to_string())
        print(f"written to {args.out} in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
