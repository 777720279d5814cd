"""Generate the sample corpus: invoices in four layouts, their truth files, and bad inputs.

The extractor and the evals need PDFs whose right answers are known exactly, so the
invoices are built from data here and the truth is written from the same data.
A fixed seed and reportlab's invariant mode make every re-run byte-identical.

    python samples/make_samples.py
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # make_scans.py, beside this script (also when loaded by path)
from make_scans import SCANS, scanned_pdfs  # noqa: E402

SEED = 20260305
CENT = Decimal("0.01")

Lang = Literal["en", "de"]
Layout = Literal["left-labels", "labels-above", "two-column-header", "boxed-totals"]
DateStyle = Literal["iso", "dots", "long_en", "long_us", "us", "uk", "long_de"]
MoneyStyle = Literal["sign", "code", "de"]

SIGNS = {"EUR": "€", "USD": "$", "GBP": "£"}
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_DE = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
US_LETTER: tuple[float, float] = LETTER
ISO_A4: tuple[float, float] = A4

LABELS: dict[Lang, dict[str, str]] = {
    "en": {
        "title": "INVOICE",
        "number": "Invoice No",
        "issue": "Invoice Date",
        "due": "Due Date",
        "bill_to": "Bill To",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit Price",
        "amount": "Amount",
        "subtotal": "Subtotal",
        "total": "Total",
        "currency": "Currency",
        "page": "Page",
        "terms": "Please pay by bank transfer quoting the invoice number. Thank you!",
    },
    "de": {
        "title": "RECHNUNG",
        "number": "Rechnungsnummer",
        "issue": "Rechnungsdatum",
        "due": "Fällig am",
        "bill_to": "Rechnungsempfänger",
        "description": "Beschreibung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis",
        "amount": "Betrag",
        "subtotal": "Zwischensumme",
        "total": "Gesamtbetrag",
        "currency": "Währung",
        "page": "Seite",
        "terms": "Bitte überweisen Sie den Betrag unter Angabe der Rechnungsnummer. Vielen Dank!",
    },
}


@dataclass(frozen=True)
class Party:
    """A seller or buyer block: the name is the first printed line, as the truth expects."""

    name: str
    address: tuple[str, ...]


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Invoice:
    """Everything one sample shows; the PDF and its truth file are both drawn from it."""

    stem: str
    layout: Layout
    lang: Lang
    currency: str
    number: str
    issue: date
    due: date | None
    date_style: DateStyle
    money_style: MoneyStyle
    seller: Party
    buyer: Party
    items: tuple[LineItem, ...]
    tax_rate: Decimal
    tax_name: str

    @property
    def subtotal(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return (self.subtotal * self.tax_rate / 100).quantize(CENT, ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    @property
    def pagesize(self) -> tuple[float, float]:
        return US_LETTER if self.currency == "USD" else ISO_A4

    def label(self, key: str) -> str:
        return LABELS[self.lang][key]

    def tax_label(self) -> str:
        rate = decimal_text(self.tax_rate)
        return f"{self.tax_name} ({rate} %)" if self.lang == "de" else f"{self.tax_name} ({rate}%)"


# --- formatting: the strings exactly as the documents print them ---------------------------


def decimal_text(value: Decimal) -> str:
    """'2', '1.5', '10': the truth's quantity form (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def number_text(value: Decimal, lang: Lang) -> str:
    english = f"{value:,.2f}"
    if lang == "en":
        return english
    return english.replace(",", "_").replace(".", ",").replace("_", ".")


def quantity_text(value: Decimal, lang: Lang) -> str:
    text = decimal_text(value)
    return text.replace(".", ",") if lang == "de" else text


def money_text(value: Decimal, inv: Invoice) -> str:
    number = number_text(value, inv.lang)
    if inv.money_style == "sign":
        return f"{SIGNS[inv.currency]}{number}"
    if inv.money_style == "code":
        return f"{inv.currency} {number}"
    return f"{number} {SIGNS[inv.currency]}"


def date_text(day: date, style: DateStyle) -> str:
    month_en = MONTHS_EN[day.month - 1]
    match style:
        case "iso":
            return day.isoformat()
        case "dots":
            return f"{day:%d.%m.%Y}"
        case "long_en":
            return f"{day.day} {month_en} {day.year}"
        case "long_us":
            return f"{month_en} {day.day}, {day.year}"
        case "us":
            return f"{day:%m/%d/%Y}"
        case "uk":
            return f"{day:%d/%m/%Y}"
        case "long_de":
            return f"{day.day}. {MONTHS_DE[day.month - 1]} {day.year}"


# --- the data --------------------------------------------------------------------------------

SELLERS = {
    "de": Party("Müller & Söhne GmbH", ("Hauptstraße 12", "10115 Berlin", "USt-IdNr. DE123456789")),
    "de2": Party("Brandt Elektrotechnik KG", ("Industriestraße 4", "70565 Stuttgart")),
    "eu": Party("Nordlicht Software B.V.", ("Keizersgracht 221", "1016 DV Amsterdam", "NL")),
    "eu2": Party("Atelier Rive Gauche SARL", ("14 rue de Seine", "75006 Paris", "France")),
    "us": Party("Acme Analytics Inc.", ("500 Market Street, Suite 300", "San Francisco, CA 94105")),
    "us2": Party("Lakeside Print Co.", ("88 W Lake St", "Chicago, IL 60601")),
    "uk": Party("Thames Office Supplies Ltd", ("27 Borough High Street", "London SE1 1LB")),
    "uk2": Party("Pennine Web Studio Ltd", ("3 Mill Lane", "Leeds LS1 4AB")),
}
BUYERS = {
    "de": Party("Bäckerei Schulz e.K.", ("Lindenweg 7", "04109 Leipzig")),
    "de2": Party("Kanzlei Weber & Partner", ("Königsallee 60", "40212 Düsseldorf")),
    "eu": Party("Fjord Logistics AS", ("Strandgaten 15", "5013 Bergen", "Norway")),
    "eu2": Party("Helios Energy S.p.A.", ("Via Torino 40", "20123 Milano", "Italy")),
    "us": Party("Blue Ridge Outfitters LLC", ("1200 Peachtree St NE", "Atlanta, GA 30309")),
    "us2": Party("Cascade Dental Group", ("410 Pine St", "Seattle, WA 98101")),
    "uk": Party("Harbour View Hotel Ltd", ("1 Quay Street", "Bristol BS1 4DJ")),
    "uk2": Party("Oakfield Primary School", ("Oakfield Road", "Manchester M20 6RQ")),
}
# (description, lowest unit price, highest unit price, billed in half hours/days)
SERVICES_EN = [
    ("Consulting services", 90, 180, True),
    ("Data pipeline development", 110, 160, True),
    ("On-site workshop (day rate)", 800, 1400, True),
    ("Monthly hosting plan", 29, 249, False),
    ("Software licence, annual", 120, 900, False),
    ("Support retainer", 300, 750, False),
    ("Printed brochures (box of 250)", 45, 95, False),
    ("Office chair, ergonomic", 150, 420, False),
    ("A4 copy paper (box of 5 reams)", 18, 32, False),
    ("Travel expenses", 40, 260, False),
]
SERVICES_DE = [
    ("Beratungsleistung", 90, 150, True),
    ("Installation Schaltschrank", 75, 110, True),
    ("Wartungsvertrag, monatlich", 49, 199, False),
    ("LED-Panel 60x60 cm", 35, 80, False),
    ("Kabel NYM-J 3x1,5 (50 m)", 38, 65, False),
    ("Anfahrtspauschale", 25, 60, False),
    ("Software-Lizenz, jährlich", 120, 600, False),
]
PARTS = ["Cable CAT6", "Patch panel", "Wall plate", "RJ45 connector pack", "Cable tray", "Switch"]


def line_items(
    rng: random.Random, catalogue: list[tuple[str, int, int, bool]], count: int
) -> tuple[LineItem, ...]:
    """Random items whose amounts are exact: half-unit quantities only with whole prices."""
    items = []
    for description, low, high, fractional in rng.sample(catalogue, count):
        if fractional:
            quantity = Decimal(rng.randint(2, 16)) / 2
            price = Decimal(rng.randint(low, high))
        else:
            quantity = Decimal(rng.randint(1, 12))
            price = Decimal(rng.randint(low * 100, high * 100)) / 100
        items.append(LineItem(description, quantity, price))
    return tuple(items)


def part_items(rng: random.Random, count: int) -> tuple[LineItem, ...]:
    """Many distinct hardware lines: enough to push the table onto a second page."""
    items = []
    for n in range(count):
        name = PARTS[n % len(PARTS)]
        sku = f"SKU-{4100 + n * 7}"
        quantity = Decimal(rng.randint(1, 40))
        price = Decimal(rng.randint(150, 9900)) / 100
        items.append(LineItem(f"{name} ({sku})", quantity, price))
    return tuple(items)


def invoices() -> list[Invoice]:
    """The corpus: each entry varies layout, language, currency, date and money styles."""
    rng = random.Random(SEED)

    def items(lang: Lang, count: int) -> tuple[LineItem, ...]:
        return line_items(rng, SERVICES_DE if lang == "de" else SERVICES_EN, count)

    def inv(
        stem: str,
        layout: Layout,
        lang: Lang,
        currency: str,
        number: str,
        issue: date,
        due_days: int | None,
        date_style: DateStyle,
        money_style: MoneyStyle,
        parties: tuple[str, str],
        tax: tuple[str, str],
        lines: tuple[LineItem, ...] | int,
    ) -> Invoice:
        due = issue + timedelta(days=due_days) if due_days is not None else None
        rows = items(lang, lines) if isinstance(lines, int) else lines
        seller, buyer = SELLERS[parties[0]], BUYERS[parties[1]]
        return Invoice(
            stem, layout, lang, currency, number, issue, due, date_style, money_style,
            seller, buyer, rows, Decimal(tax[1]), tax[0],
        )  # fmt: skip

    vat, vat20, mwst, sales = ("VAT", "19"), ("VAT", "20"), ("MwSt.", "19"), ("Sales tax", "8.25")
    return [
        inv("invoice-01-left-labels", "left-labels", "en", "EUR", "INV-1001",
            date(2026, 3, 5), 30, "iso", "code", ("eu", "eu"), ("VAT", "21"), 4),
        inv("invoice-02-left-labels-usd", "left-labels", "en", "USD", "US-55812",
            date(2026, 1, 14), 30, "us", "sign", ("us", "us"), sales, 3),
        inv("invoice-03-labels-above-gbp", "labels-above", "en", "GBP", "TOS-2026-031",
            date(2026, 2, 9), 14, "long_en", "sign", ("uk", "uk"), vat20, 5),
        inv("invoice-04-labels-above-no-due", "labels-above", "en", "EUR", "AR-000217",
            date(2026, 4, 1), None, "dots", "sign", ("eu2", "eu2"), ("VAT", "20"), 3),
        inv("invoice-05-two-column-header", "two-column-header", "en", "USD", "2026-0042",
            date(2026, 3, 5), 15, "long_us", "sign", ("us2", "us2"), sales, 4),
        inv("invoice-06-two-column-header-eur", "two-column-header", "en", "EUR", "NLS/26/0193",
            date(2025, 12, 30), 30, "iso", "code", ("eu", "eu2"), vat, 6),
        inv("invoice-07-de-rechnung", "boxed-totals", "de", "EUR", "RE-2026-117",
            date(2026, 3, 5), 14, "dots", "de", ("de", "de"), mwst, 5),
        inv("invoice-08-boxed-totals-gbp", "boxed-totals", "en", "GBP", "PWS-0588",
            date(2026, 2, 27), 30, "long_en", "sign", ("uk2", "uk2"), vat20, 4),
        inv("invoice-09-boxed-totals-usd", "boxed-totals", "en", "USD", "AA-7731",
            date(2026, 5, 19), 45, "us", "code", ("us", "us2"), sales, 6),
        inv("invoice-10-two-pages", "two-column-header", "en", "EUR", "INV-2026-0450",
            date(2026, 6, 2), 30, "iso", "code", ("eu", "eu"), vat, part_items(rng, 45)),
        inv("invoice-11-de-left-labels", "left-labels", "de", "EUR", "2026/0815",
            date(2026, 3, 12), 30, "long_de", "de", ("de2", "de2"), mwst, 4),
        inv("invoice-12-left-labels-gbp-no-due", "left-labels", "en", "GBP", "TOS-2026-044",
            date(2026, 3, 23), None, "uk", "code", ("uk", "uk2"), vat20, 3),
        inv("invoice-13-labels-above-usd", "labels-above", "en", "USD", "LPC-10293",
            date(2026, 7, 8), 30, "long_us", "sign", ("us2", "us"), sales, 5),
        inv("invoice-14-boxed-totals-eur", "boxed-totals", "en", "EUR", "F-2026-00371",
            date(2026, 1, 31), 30, "iso", "code", ("eu2", "eu"), ("VAT", "20"), 4),
    ]  # fmt: skip


def truth(inv: Invoice) -> dict[str, object]:
    """The truth file: DESIGN.md's field names, ISO dates, dot decimals, absent fields left out."""
    record: dict[str, object] = {
        "invoice_number": inv.number,
        "issue_date": inv.issue.isoformat(),
    }
    if inv.due is not None:
        record["due_date"] = inv.due.isoformat()
    record |= {
        "seller": inv.seller.name,
        "buyer": inv.buyer.name,
        "currency": inv.currency,
        "subtotal": f"{inv.subtotal:.2f}",
        "tax": f"{inv.tax:.2f}",
        "total": f"{inv.total:.2f}",
        "line_items": [
            {
                "description": item.description,
                "quantity": decimal_text(item.quantity),
                "unit_price": f"{item.unit_price:.2f}",
                "amount": f"{item.amount:.2f}",
            }
            for item in inv.items
        ],
    }
    return record


# --- canvas layouts: text placed by hand, columns aligned without a table grid --------------


def new_canvas(inv: Invoice) -> tuple[Canvas, io.BytesIO]:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=inv.pagesize, invariant=1)
    canvas.setTitle(f"{inv.label('title').title()} {inv.number}")
    canvas.setAuthor(inv.seller.name)
    return canvas, out


def draw_item_rows(canvas: Canvas, inv: Invoice, y: float, gray_header: bool) -> float:
    """Items as plain text columns (description left, numbers right-aligned); returns new y."""
    width = inv.pagesize[0]
    columns = [
        (20 * mm, "l"),
        (width - 85 * mm, "r"),
        (width - 55 * mm, "r"),
        (width - 20 * mm, "r"),
    ]
    header = [inv.label(key) for key in ("description", "quantity", "unit_price", "amount")]
    rows = [
        [
            item.description,
            quantity_text(item.quantity, inv.lang),
            number_text(item.unit_price, inv.lang),
            number_text(item.amount, inv.lang),
        ]
        for item in inv.items
    ]
    if gray_header:
        header = [text.upper() for text in header]
        canvas.setFillColor(colors.gray)
    canvas.setFont("Helvetica-Bold", 9 if gray_header else 10)
    for (x, align), text in zip(columns, header, strict=True):
        (canvas.drawString if align == "l" else canvas.drawRightString)(x, y, text)
    canvas.setFillColor(colors.black)
    canvas.setLineWidth(0.5)
    canvas.line(20 * mm, y - 4, width - 20 * mm, y - 4)
    y -= 18
    canvas.setFont("Helvetica", 10)
    for row in rows:
        for (x, align), text in zip(columns, row, strict=True):
            (canvas.drawString if align == "l" else canvas.drawRightString)(x, y, text)
        if gray_header:
            canvas.setStrokeColor(colors.lightgrey)
            canvas.line(20 * mm, y - 5, width - 20 * mm, y - 5)
            canvas.setStrokeColor(colors.black)
        y -= 17
    return y


def draw_footer(canvas: Canvas, inv: Invoice, page: int) -> None:
    width = inv.pagesize[0]
    canvas.setFont("Helvetica", 8)
    canvas.setFillColor(colors.gray)
    canvas.drawString(20 * mm, 15 * mm, inv.label("terms"))
    canvas.drawRightString(width - 20 * mm, 15 * mm, f"{inv.label('page')} {page}")
    canvas.setFillColor(colors.black)


def render_left_labels(inv: Invoice) -> bytes:
    """Layout 1: 'Invoice No: INV-1001' label and value on one line, plain text columns."""
    canvas, out = new_canvas(inv)
    width, height = inv.pagesize
    x, y = 20 * mm, height - 25 * mm
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(x, y, inv.seller.name)
    canvas.setFont("Helvetica", 9)
    for line in inv.seller.address:
        y -= 12
        canvas.drawString(x, y, line)
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawRightString(width - 20 * mm, height - 25 * mm, inv.label("title"))

    y -= 30
    meta = [
        (inv.label("number"), inv.number),
        (inv.label("issue"), date_text(inv.issue, inv.date_style)),
    ]
    if inv.due is not None:
        meta.append((inv.label("due"), date_text(inv.due, inv.date_style)))
    meta.append((inv.label("currency"), inv.currency))
    for label, value in meta:
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawString(x, y, f"{label}:")
        canvas.setFont("Helvetica", 10)
        canvas.drawString(x + 38 * mm, y, value)
        y -= 15

    y -= 12
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(x, y, f"{inv.label('bill_to')}:")
    canvas.setFont("Helvetica", 10)
    for line in (inv.buyer.name, *inv.buyer.address):
        y -= 14
        canvas.drawString(x, y, line)

    y = draw_item_rows(canvas, inv, y - 36, gray_header=False)
    canvas.line(width - 85 * mm, y + 8, width - 20 * mm, y + 8)
    y -= 6
    totals = [
        (f"{inv.label('subtotal')}:", money_text(inv.subtotal, inv), "Helvetica"),
        (f"{inv.tax_label()}:", money_text(inv.tax, inv), "Helvetica"),
        (f"{inv.label('total')}:", money_text(inv.total, inv), "Helvetica-Bold"),
    ]
    for label, value, font in totals:
        canvas.setFont(font, 10)
        canvas.drawRightString(width - 55 * mm, y, label)
        canvas.drawRightString(width - 20 * mm, y, value)
        y -= 16
    draw_footer(canvas, inv, 1)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def render_labels_above(inv: Invoice) -> bytes:
    """Layout 2: small grey labels on one line, their values on the line below."""
    canvas, out = new_canvas(inv)
    width, height = inv.pagesize
    x, y = 20 * mm, height - 28 * mm
    canvas.setFont("Helvetica", 26)
    canvas.drawString(x, y, inv.label("title").title())
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawRightString(width - 20 * mm, y + 8, inv.seller.name)
    canvas.setFont("Helvetica", 9)
    for n, line in enumerate(inv.seller.address):
        canvas.drawRightString(width - 20 * mm, y - 6 - 11 * n, line)

    fields = [
        ("Invoice Number", inv.number),
        ("Date of Issue", date_text(inv.issue, inv.date_style)),
    ]
    if inv.due is not None:
        fields.append(("Date Due", date_text(inv.due, inv.date_style)))
    fields.append(("Amount Due", money_text(inv.total, inv)))
    y -= 55
    step = (width - 40 * mm) / 4
    for n, (label, value) in enumerate(fields):
        canvas.setFillColor(colors.gray)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(x + n * step, y, label.upper())
        canvas.setFillColor(colors.black)
        canvas.setFont("Helvetica-Bold" if label == "Amount Due" else "Helvetica", 11)
        canvas.drawString(x + n * step, y - 14, value)

    y -= 45
    canvas.setFillColor(colors.gray)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(x, y, "BILLED TO")
    canvas.setFillColor(colors.black)
    canvas.setFont("Helvetica", 10)
    for line in (inv.buyer.name, *inv.buyer.address):
        y -= 13
        canvas.drawString(x, y, line)

    y = draw_item_rows(canvas, inv, y - 40, gray_header=True) - 8
    for label, value in [
        ("Subtotal", money_text(inv.subtotal, inv)),
        (inv.tax_label(), money_text(inv.tax, inv)),
    ]:
        canvas.setFillColor(colors.gray)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(width - 75 * mm, y, label.upper())
        canvas.setFillColor(colors.black)
        canvas.setFont("Helvetica", 10)
        canvas.drawString(width - 75 * mm, y - 12, value)
        y -= 32
    canvas.setFillColor(colors.gray)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(width - 75 * mm, y, "TOTAL")
    canvas.setFillColor(colors.black)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(width - 75 * mm, y - 16, money_text(inv.total, inv))
    draw_footer(canvas, inv, 1)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- platypus layouts: real tables with grid lines -------------------------------------------

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=colors.gray)
RETURN_ADDRESS = ParagraphStyle("return", parent=SMALL, fontSize=7, leading=11)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=20, leading=24)


def party_paragraph(party: Party, heading: str | None = None, size: int = 10) -> Paragraph:
    lines = [f"<b>{escape(party.name)}</b>", *(escape(line) for line in party.address)]
    if heading:
        lines.insert(0, f'<font size="8" color="gray">{escape(heading)}</font>')
    style = ParagraphStyle("party", parent=BODY, fontSize=size, leading=size + 3)
    return Paragraph("<br/>".join(lines), style)


def items_table(inv: Invoice, grid: bool) -> Table:
    """The line items as a platypus Table; the header repeats when it splits across pages."""
    rows = [[inv.label(key) for key in ("description", "quantity", "unit_price", "amount")]]
    rows += [
        [
            item.description,
            quantity_text(item.quantity, inv.lang),
            number_text(item.unit_price, inv.lang),
            number_text(item.amount, inv.lang),
        ]
        for item in inv.items
    ]
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
    ]
    if grid:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.gray))
    else:
        commands += [
            ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
        ]
    width = inv.pagesize[0] - 40 * mm
    table = Table(rows, colWidths=[width - 95 * mm, 20 * mm, 35 * mm, 40 * mm], repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def totals_rows(inv: Invoice) -> list[list[str]]:
    return [
        [inv.label("subtotal"), money_text(inv.subtotal, inv)],
        [inv.tax_label(), money_text(inv.tax, inv)],
        [inv.label("total"), money_text(inv.total, inv)],
    ]


def build(inv: Invoice, story: list[Flowable]) -> bytes:
    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        draw_footer(canvas, inv, doc.page)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=inv.pagesize,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=25 * mm,
        title=f"{inv.label('title').title()} {inv.number}",
        author=inv.seller.name,
        invariant=True,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def render_two_column_header(inv: Invoice) -> bytes:
    """Layout 3: seller block left, a label/value meta table right, items in a full grid."""
    meta = [["Invoice number", inv.number], ["Date", date_text(inv.issue, inv.date_style)]]
    if inv.due is not None:
        meta.append(["Due date", date_text(inv.due, inv.date_style)])
    meta.append(["Currency", inv.currency])
    meta_table = Table(meta, colWidths=[32 * mm, 40 * mm])
    meta_table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 9),
                ("FONT", (1, 0), (1, -1), "Helvetica", 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.gray),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
            ]
        )
    )
    width = inv.pagesize[0] - 40 * mm
    header = Table(
        [[party_paragraph(inv.seller, size=11), [Paragraph("INVOICE", TITLE), meta_table]]],
        colWidths=[width - 75 * mm, 75 * mm],
    )
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    totals = Table(totals_rows(inv), colWidths=[40 * mm, 40 * mm], hAlign="RIGHT")
    totals.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 10),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 11),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
            ]
        )
    )
    story: list[Flowable] = [
        header,
        Spacer(1, 10 * mm),
        party_paragraph(inv.buyer, heading="BILL TO"),
        Spacer(1, 8 * mm),
        items_table(inv, grid=True),
        Spacer(1, 5 * mm),
        totals,
    ]
    return build(inv, story)


def render_boxed_totals(inv: Invoice) -> bytes:
    """Layout 4: letterhead, address window, meta lines, and Subtotal/Tax/Total in a ruled box."""
    letterhead = ParagraphStyle("letterhead", parent=TITLE, fontSize=18, leading=22)
    sender = " · ".join((inv.seller.name, *inv.seller.address[:2]))
    meta = [f"{inv.label('number')}: {inv.number}"]
    meta.append(f"{inv.label('issue')}: {date_text(inv.issue, inv.date_style)}")
    if inv.due is not None:
        meta.append(f"{inv.label('due')}: {date_text(inv.due, inv.date_style)}")
    width = inv.pagesize[0] - 40 * mm
    window = Table(
        [
            [
                [Paragraph(f"<u>{escape(sender)}</u>", RETURN_ADDRESS), party_paragraph(inv.buyer)],
                Paragraph("<br/>".join(escape(line) for line in meta), BODY),
            ]
        ],
        colWidths=[width - 65 * mm, 65 * mm],
    )
    window.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    totals = Table(totals_rows(inv), colWidths=[45 * mm, 40 * mm], hAlign="RIGHT")
    totals.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 10),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 11),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.gray),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#e8e8e8")),
            ]
        )
    )
    story: list[Flowable] = [
        Paragraph(escape(inv.seller.name), letterhead),
        Paragraph(escape(" | ".join(inv.seller.address)), SMALL),
        Spacer(1, 12 * mm),
        window,
        Spacer(1, 10 * mm),
        Paragraph(inv.label("title"), TITLE),
        Spacer(1, 4 * mm),
        items_table(inv, grid=False),
        Spacer(1, 6 * mm),
        totals,
    ]
    return build(inv, story)


RENDERERS: dict[Layout, Callable[[Invoice], bytes]] = {
    "left-labels": render_left_labels,
    "labels-above": render_labels_above,
    "two-column-header": render_two_column_header,
    "boxed-totals": render_boxed_totals,
}


# --- bad inputs: what a real folder also holds ----------------------------------------------


def corrupt(good: bytes) -> bytes:
    """A PDF cut off mid-file with a bogus xref: the header says PDF, nothing else holds."""
    cut = good[: int(len(good) * 0.4)]
    return cut + b"\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n999999\n"


def encrypted(good: bytes) -> bytes:
    """The same invoice locked with a user password ('secret'): unreadable without it."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
    writer.encrypt("secret", algorithm="RC4-128")
    # pypdf gives the second file identifier random bytes; the first (which the key is built
    # from) comes from reportlab's invariant output, so reusing it keeps the file reproducible.
    assert writer._ID is not None
    writer._ID = ArrayObject([writer._ID[0], writer._ID[0]])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


NOT_A_PDF = b"""<!DOCTYPE html>
<html><head><title>Download failed</title></head>
<body><h1>Session expired</h1><p>Please log in again to download invoice INV-1001.</p></body>
</html>
"""


def write_corpus(root: Path) -> None:
    """Write pdfs/ and truth/ under root; the tests regenerate into a temp dir and compare."""
    pdf_dir, truth_dir = root / "pdfs", root / "truth"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    rendered: dict[str, bytes] = {}
    for inv in invoices():
        rendered[inv.stem] = RENDERERS[inv.layout](inv)
        (pdf_dir / f"{inv.stem}.pdf").write_bytes(rendered[inv.stem])
        text = json.dumps(truth(inv), indent=2, ensure_ascii=False) + "\n"
        (truth_dir / f"{inv.stem}.json").write_text(text, encoding="utf-8")

    bad = {
        "bad-corrupt.pdf": corrupt(rendered["invoice-01-left-labels"]),
        "bad-encrypted.pdf": encrypted(rendered["invoice-03-labels-above-gbp"]),
        "bad-empty.pdf": b"",
        "bad-not-a-pdf.pdf": NOT_A_PDF,
    }
    for name, data in bad.items():
        (pdf_dir / name).write_bytes(data)
    scans = scanned_pdfs(rendered)
    for name, data in scans.items():
        (pdf_dir / name).write_bytes(data)
    truths = {inv.stem: truth(inv) for inv in invoices()}
    for scan in SCANS:
        text = json.dumps(truths[scan.source], indent=2, ensure_ascii=False) + "\n"
        (truth_dir / f"{scan.name}.json").write_text(text, encoding="utf-8")
    print(
        f"wrote {len(rendered)} invoices, {len(scans)} scans and {len(bad)} bad inputs to {pdf_dir}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for pdfs/ and truth/")
    write_corpus(parser.parse_args().out)


if __name__ == "__main__":
    main()
