"""E-invoices: a PDF that carries Factur-X / ZUGFeRD (CII) or XRechnung (CII or UBL) XML.

The XML is the seller's own data, exact and free, so it wins over reading the page. Fields
are matched by their EN 16931 business term (``bt="BT-1"`` in the schema's metadata, or a
list tried in order), so a user's schema can ask for them too. Quotes still come from the
visible text: each value cites the first line of the page that prints it (a line with one
of its labels first); a value the page does not print keeps no quote, shown ungrounded.
"""

from __future__ import annotations

import io
import logging
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError

from extract.pdf import ParsedDocument
from schemas.base import FieldSpec, Kind, field_specs
from schemas.values import (
    amount_spans,
    currency_readings,
    date_spans,
    normalized_text,
    squeezed,
)

logging.getLogger("pypdf").setLevel(logging.ERROR)

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
_TRADE = "rsm:SupplyChainTradeTransaction"
_SETTLEMENT = f"{_TRADE}/ram:ApplicableHeaderTradeSettlement"
_AGREEMENT = f"{_TRADE}/ram:ApplicableHeaderTradeAgreement"
_SUMS = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"

# business term -> XPaths tried in order, per syntax; line terms are relative to a line
CII_TERMS: dict[str, tuple[str, ...]] = {
    "BT-1": ("rsm:ExchangedDocument/ram:ID",),
    "BT-2": ("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",),
    "BT-9": (
        f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
    ),
    "BT-5": (f"{_SETTLEMENT}/ram:InvoiceCurrencyCode",),
    "BT-27": (f"{_AGREEMENT}/ram:SellerTradeParty/ram:Name",),
    "BT-44": (f"{_AGREEMENT}/ram:BuyerTradeParty/ram:Name",),
    "BT-106": (f"{_SUMS}/ram:LineTotalAmount",),
    "BT-109": (f"{_SUMS}/ram:TaxBasisTotalAmount",),
    "BT-110": (f"{_SUMS}/ram:TaxTotalAmount",),
    "BT-112": (f"{_SUMS}/ram:GrandTotalAmount",),
    "BT-115": (f"{_SUMS}/ram:DuePayableAmount",),
    "BT-153": ("ram:SpecifiedTradeProduct/ram:Name",),
    "BT-129": ("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",),
    "BT-146": ("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",),
    "BT-148": ("ram:SpecifiedLineTradeAgreement/ram:GrossPriceProductTradePrice/ram:ChargeAmount",),
    "BT-131": (
        "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
        "/ram:LineTotalAmount",
    ),
}
CII_LINES = f"{_TRADE}/ram:IncludedSupplyChainTradeLineItem"
UBL_TERMS: dict[str, tuple[str, ...]] = {
    "BT-1": ("cbc:ID",),
    "BT-2": ("cbc:IssueDate",),
    "BT-9": ("cbc:DueDate", "cac:PaymentMeans/cbc:PaymentDueDate"),
    "BT-5": ("cbc:DocumentCurrencyCode",),
    "BT-27": (
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name",
    ),
    "BT-44": (
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name",
    ),
    "BT-106": ("cac:LegalMonetaryTotal/cbc:LineExtensionAmount",),
    "BT-109": ("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",),
    "BT-110": ("cac:TaxTotal/cbc:TaxAmount",),
    "BT-112": ("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",),
    "BT-115": ("cac:LegalMonetaryTotal/cbc:PayableAmount",),
    "BT-153": ("cac:Item/cbc:Name",),
    "BT-129": ("cbc:InvoicedQuantity", "cbc:CreditedQuantity"),
    "BT-146": ("cac:Price/cbc:PriceAmount",),
    "BT-148": ("cac:Price/cac:AllowanceCharge/cbc:BaseAmount",),
    "BT-131": ("cbc:LineExtensionAmount",),
}
UBL_LINES = ("cac:InvoiceLine", "cac:CreditNoteLine")


@dataclass(frozen=True)
class EInvoice:
    """The parsed XML and which syntax it is in."""

    root: ElementTree.Element
    syntax: str  # "cii" or "ubl"

    def terms(self) -> dict[str, tuple[str, ...]]:
        return CII_TERMS if self.syntax == "cii" else UBL_TERMS

    def value(self, terms: Any, node: ElementTree.Element | None = None) -> str | None:
        """The first of the business terms (one, or a list in order of preference) present."""
        names = [terms] if isinstance(terms, str) else list(terms)
        paths = [path for name in names for path in self.terms().get(str(name), ())]
        for path in paths:
            found = (self.root if node is None else node).find(path, NS)
            if found is not None and found.text and found.text.strip():
                return found.text.strip()
        return None

    def lines(self) -> list[ElementTree.Element]:
        if self.syntax == "cii":
            return self.root.findall(CII_LINES, NS)
        return [line for path in UBL_LINES for line in self.root.findall(path, NS)]


def attached_einvoice(data: bytes) -> EInvoice | None:
    """The e-invoice XML attached to a PDF's bytes, if any."""
    if b"EmbeddedFile" not in data:  # file streams are never compressed away: a cheap gate
        return None
    from pypdf import PdfReader

    try:  # pypdf decodes lazily: a corrupt file stream raises only when it is read, below
        attachments = PdfReader(io.BytesIO(data)).attachments
        for name in sorted(attachments, key=lambda n: not n.lower().endswith(".xml")):
            for content in attachments[name]:
                parsed = einvoice_of(content)
                if parsed is not None:
                    return parsed
    except Exception:  # an attachment pypdf cannot read: the visible text is read instead
        return None
    return None


def einvoice_of(content: bytes) -> EInvoice | None:
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError:
        return None
    local = root.tag.rsplit("}", 1)[-1]
    if local == "CrossIndustryInvoice":
        return EInvoice(root, "cii")
    if local in ("Invoice", "CreditNote") and root.tag.startswith("{urn:oasis:names"):
        return EInvoice(root, "ubl")
    return None


def typed(kind: Kind, text: str) -> Any:
    """An XML value as the schema's type: CII dates are YYYYMMDD, amounts plain decimals."""
    if kind == "date":
        digits = text.replace("-", "")
        if len(digits) == 8 and digits.isdigit():
            try:
                return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            except ValueError:
                return None
        return None
    if kind in ("money", "number"):
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    return text


@dataclass(frozen=True)
class PrintedLine:
    """One visible line, read once in every way a value may be printed in it."""

    page: int
    text: str
    amounts: frozenset[Decimal]
    dates: frozenset[date]
    squeezed: str
    normalized: str
    currencies: frozenset[str]  # "$" may be USD, CAD...: the XML says which

    @classmethod
    def of(cls, page: int, text: str) -> PrintedLine:
        return cls(
            page=page,
            text=text,
            amounts=frozenset(abs(found) for found, _, _ in amount_spans(text)),
            dates=frozenset(
                d for day_first in (True, False) for d, _, _ in date_spans(text, day_first)
            ),
            squeezed=squeezed(text),
            normalized=normalized_text(text),
            currencies=currency_readings(text),
        )

    def prints(self, kind: Kind, value: Any) -> bool:
        """The same test grounding applies: the value is in this line."""
        if kind == "date":
            return value in self.dates
        if kind in ("money", "number"):
            target = abs(value)
            return target in self.amounts or any(
                abs(found - target) <= Decimal("0.01") for found in self.amounts
            )
        if kind == "code":
            return squeezed(str(value)) in self.squeezed or value in self.currencies
        return normalized_text(str(value)) in self.normalized


class VisibleText:
    """The document's lines, to find where a value from the XML is printed."""

    def __init__(self, document: ParsedDocument) -> None:
        self.lines = [
            PrintedLine.of(page.number, line.strip())
            for page in document.pages
            for line in page.text.splitlines()
            if line.strip()
        ]

    def cited(self, spec: FieldSpec, value: Any, near: PrintedLine | None = None) -> dict[str, Any]:
        """{value, page, quote}: a line with a label and the value, else any line printing it."""
        if near is not None and near.prints(spec.kind, value):
            return {"value": value, "page": near.page, "quote": near.text}
        chosen = self.line_printing(spec, value)
        if chosen is None:
            return {"value": value}
        return {"value": value, "page": chosen.page, "quote": chosen.text}

    def line_printing(self, spec: FieldSpec, value: Any) -> PrintedLine | None:
        labels = [label.casefold() for label in spec.labels]
        printing = [line for line in self.lines if line.prints(spec.kind, value)]
        for line in printing:
            if any(label in line.text.casefold() for label in labels):
                return line
        return printing[0] if printing else None


def embedded_values(
    einvoice: EInvoice, document: ParsedDocument, schema: type[BaseModel]
) -> dict[str, Any]:
    """The schema's fields that name a business term, read from the XML and cited."""
    visible = VisibleText(document)
    data: dict[str, Any] = {}
    lists: dict[str, list[FieldSpec]] = {}
    for spec in field_specs(schema):
        term = spec.extra.get("bt")
        if not term:
            continue
        if spec.list_field is not None:
            lists.setdefault(spec.list_field, []).append(spec)
            continue
        text = einvoice.value(term)
        value = typed(spec.kind, text) if text is not None else None
        if value is not None:
            data[spec.path] = visible.cited(spec, value)
    for list_field, item_specs in lists.items():
        rows = [_row(einvoice, node, item_specs, visible) for node in einvoice.lines()]
        data[list_field] = [row for row in rows if _is_item(row)]
    return data


def _is_item(row: dict[str, Any]) -> bool:
    """A line that sells something: not a section title or note (nothing, for nothing)."""
    numbers = [cited["value"] for cited in row.values() if isinstance(cited["value"], Decimal)]
    return bool(row) and (not numbers or any(number != 0 for number in numbers))


def _row(
    einvoice: EInvoice, node: ElementTree.Element, specs: list[FieldSpec], visible: VisibleText
) -> dict[str, Any]:
    """One invoice line; its values cite the line that prints the first of them."""
    row: dict[str, Any] = {}
    near: PrintedLine | None = None
    for spec in specs:
        text = einvoice.value(spec.extra["bt"], node)
        value = typed(spec.kind, text) if text is not None else None
        if value is None:
            continue
        row[spec.name] = visible.cited(spec, value, near)
        if near is None:
            near = visible.line_printing(spec, value)
    return row


def embedded_result(document: ParsedDocument, schema: type[BaseModel]) -> BaseModel | None:
    """The document read from its attached e-invoice, or None when it carries none.

    extract.backends.embedded makes it an extraction: reading a PDF knows no backend.
    """
    if not any(spec.extra.get("bt") for spec in field_specs(schema)):
        return None
    try:
        data = document.path.read_bytes()
    except OSError:
        return None
    einvoice = attached_einvoice(data)
    if einvoice is None:
        return None
    values = embedded_values(einvoice, document, schema)
    if not values:
        return None
    try:
        result = schema.model_validate(values)
    except ValidationError:
        return None
    return result
