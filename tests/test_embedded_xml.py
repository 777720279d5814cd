"""E-invoices: values come from the attached Factur-X / XRechnung XML, quotes from the page."""

# ruff: noqa: E501  (the XML fixtures are kept as the standards print them)

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from extract.backends.embedded import embedded_extraction
from extract.backends.rules import RulesBackend
from extract.documents import Document
from extract.embedded import attached_einvoice
from extract.grounding import grounded_values
from extract.pdf import parsed_document
from schemas.base import field_values
from schemas.invoice import Invoice
from schemas.vocabulary import Source

VISIBLE = [
    "Rheinblick Software GmbH",
    "Rechnung",
    "Rechnungsnummer: RB-2026-0815",
    "Rechnungsdatum: 05.03.2026",
    "Fällig am: 04.04.2026",
    "Rechnungsempfänger: Hafen Logistik AG",
    "Beschreibung Menge Einzelpreis Betrag",
    "Wartungsvertrag 2 150,00 300,00",
    "Schulung vor Ort 1 450,50 450,50",
    "Nettobetrag 750,50 EUR",
    "MwSt. 19 % 142,60 EUR",
    "Gesamtbetrag 893,10 EUR",
]

CII = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext>
  <ram:GuidelineSpecifiedDocumentContextParameter>
   <ram:ID>urn:cen.eu:en16931:2017</ram:ID>
  </ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument>
  <ram:ID>RB-2026-0815</ram:ID>
  <ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20260305</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  {lines}
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty>
    <ram:Name>Rheinblick Software GmbH</ram:Name>
    <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty>
    <ram:Name>Hafen Logistik AG</ram:Name>
    <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
   </ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:ApplicableTradeTax>
    <ram:CalculatedAmount>142.60</ram:CalculatedAmount>
    <ram:TypeCode>VAT</ram:TypeCode>
    <ram:BasisAmount>750.50</ram:BasisAmount>
    <ram:CategoryCode>S</ram:CategoryCode>
    <ram:RateApplicablePercent>19.00</ram:RateApplicablePercent>
   </ram:ApplicableTradeTax>
   <ram:SpecifiedTradePaymentTerms>
    <ram:DueDateDateTime><udt:DateTimeString format="102">20260404</udt:DateTimeString></ram:DueDateDateTime>
   </ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:LineTotalAmount>750.50</ram:LineTotalAmount>
    <ram:TaxBasisTotalAmount>750.50</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">142.60</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>893.10</ram:GrandTotalAmount>
    <ram:DuePayableAmount>893.10</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""

CII_LINE = """<ram:IncludedSupplyChainTradeLineItem>
   <ram:AssociatedDocumentLineDocument><ram:LineID>{n}</ram:LineID></ram:AssociatedDocumentLineDocument>
   <ram:SpecifiedTradeProduct><ram:Name>{name}</ram:Name></ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeAgreement>
    <ram:NetPriceProductTradePrice><ram:ChargeAmount>{price}</ram:ChargeAmount></ram:NetPriceProductTradePrice>
   </ram:SpecifiedLineTradeAgreement>
   <ram:SpecifiedLineTradeDelivery>
    <ram:BilledQuantity unitCode="C62">{qty}</ram:BilledQuantity>
   </ram:SpecifiedLineTradeDelivery>
   <ram:SpecifiedLineTradeSettlement>
    <ram:ApplicableTradeTax>
     <ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
     <ram:RateApplicablePercent>19.00</ram:RateApplicablePercent>
    </ram:ApplicableTradeTax>
    <ram:SpecifiedTradeSettlementLineMonetarySummation>
     <ram:LineTotalAmount>{total}</ram:LineTotalAmount>
    </ram:SpecifiedTradeSettlementLineMonetarySummation>
   </ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>"""

LINES = [
    ("Wartungsvertrag", "2", "150.00", "300.00"),
    ("Schulung vor Ort", "1", "450.50", "450.50"),
]

UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ID>RB-2026-0815</cbc:ID>
 <cbc:IssueDate>2026-03-05</cbc:IssueDate>
 <cbc:DueDate>2026-04-04</cbc:DueDate>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PartyLegalEntity><cbc:RegistrationName>Rheinblick Software GmbH</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cac:PartyLegalEntity><cbc:RegistrationName>Hafen Logistik AG</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">142.60</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="EUR">750.50</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">750.50</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">893.10</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">893.10</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">2</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">300.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Wartungsvertrag</cbc:Name></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">150.00</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
 <cac:InvoiceLine><cbc:ID>2</cbc:ID><cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">450.50</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Schulung vor Ort</cbc:Name></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">450.50</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
</Invoice>
"""

EXPECTED = {
    ("invoice_number", None): "RB-2026-0815",
    ("issue_date", None): "2026-03-05",
    ("due_date", None): "2026-04-04",
    ("seller", None): "Rheinblick Software GmbH",
    ("buyer", None): "Hafen Logistik AG",
    ("currency", None): "EUR",
    ("subtotal", None): "750.50",
    ("tax", None): "142.60",
    ("total", None): "893.10",
    ("line_items.description", 1): "Wartungsvertrag",
    ("line_items.quantity", 1): "2",
    ("line_items.unit_price", 1): "150.00",
    ("line_items.amount", 1): "300.00",
    ("line_items.description", 2): "Schulung vor Ort",
    ("line_items.quantity", 2): "1",
    ("line_items.unit_price", 2): "450.50",
    ("line_items.amount", 2): "450.50",
}


def visible_pdf(lines: list[str] = VISIBLE) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    y = 800
    for line in lines:
        pdf.drawString(60, y, line)
        y -= 22
    pdf.save()
    return buffer.getvalue()


def cii_xml() -> bytes:
    lines = "\n  ".join(
        CII_LINE.format(n=n, name=name, qty=qty, price=price, total=total)
        for n, (name, qty, price, total) in enumerate(LINES, start=1)
    )
    return CII.format(lines=lines).encode()


def document_at(path: Path) -> Document:
    import hashlib

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return Document(path=path, sha256=sha)


@pytest.fixture
def facturx_pdf(tmp_path: Path) -> Path:
    from facturx import generate_from_binary

    path = tmp_path / "factur-x.pdf"
    path.write_bytes(generate_from_binary(visible_pdf(), cii_xml(), flavor="factur-x"))
    return path


def ubl_pdf(tmp_path: Path) -> Path:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(visible_pdf())))
    writer.add_attachment("xrechnung.xml", UBL.encode())
    path = tmp_path / "xrechnung.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def test_a_factur_x_pdf_is_read_from_its_xml_exactly(facturx_pdf: Path) -> None:
    parsed = parsed_document(document_at(facturx_pdf))
    extraction = RulesBackend().extract(parsed, Invoice)
    assert extraction.source == Source.EMBEDDED_XML
    values = {(v.field, v.item): v.value for v in field_values(extraction.result)}
    assert {key: value for key, value in values.items() if value is not None} == EXPECTED


def test_embedded_values_quote_the_visible_text_and_are_grounded(facturx_pdf: Path) -> None:
    parsed = parsed_document(document_at(facturx_pdf))
    result = RulesBackend().extract(parsed, Invoice).result
    checked = [v for v in grounded_values(parsed, field_values(result)) if v.grounded is not None]
    assert len(checked) == len(EXPECTED)
    assert all(v.grounded for v in checked), [v.value for v in checked if not v.grounded]
    quotes = {v.value.field: v.value.quote for v in checked if v.value.item is None}
    assert quotes["total"] == "Gesamtbetrag 893,10 EUR"
    assert quotes["issue_date"] == "Rechnungsdatum: 05.03.2026"


def test_an_xrechnung_ubl_attachment_is_read_too(tmp_path: Path) -> None:
    parsed = parsed_document(document_at(ubl_pdf(tmp_path)))
    extraction = embedded_extraction(parsed, Invoice, "rules", "rules-v2")
    assert extraction is not None and extraction.source == Source.EMBEDDED_XML
    values = {(v.field, v.item): v.value for v in field_values(extraction.result)}
    assert {key: value for key, value in values.items() if value is not None} == EXPECTED


def test_a_value_the_page_does_not_print_keeps_no_quote(tmp_path: Path) -> None:
    path = tmp_path / "hidden.pdf"
    from facturx import generate_from_binary

    path.write_bytes(generate_from_binary(visible_pdf(VISIBLE[:3]), cii_xml(), flavor="factur-x"))
    result = RulesBackend().extract(parsed_document(document_at(path)), Invoice).result
    total = result.total  # type: ignore[attr-defined]
    assert total.value == Decimal("893.10") and total.quote is None
    assert result.invoice_number.quote == "Rechnungsnummer: RB-2026-0815"  # type: ignore[attr-defined]


def test_a_plain_pdf_has_no_einvoice(tmp_path: Path) -> None:
    assert attached_einvoice(visible_pdf()) is None
    other = PdfWriter(clone_from=PdfReader(io.BytesIO(visible_pdf())))
    other.add_attachment("notes.xml", b"<notes><a>1</a></notes>")
    buffer = io.BytesIO()
    other.write(buffer)
    assert attached_einvoice(buffer.getvalue()) is None
    path = tmp_path / "plain.pdf"
    path.write_bytes(visible_pdf())
    extraction = RulesBackend().extract(parsed_document(document_at(path)), Invoice)
    assert extraction.source == Source.MODEL  # read from the page by the rules
    issue_date = extraction.result.issue_date  # type: ignore[attr-defined]
    assert (issue_date.value, issue_date.quote) == (date(2026, 3, 5), "Rechnungsdatum: 05.03.2026")


def test_a_corrupt_attachment_falls_back_to_the_visible_text(tmp_path: Path) -> None:
    """pypdf decodes an attachment only when it is read: that must not fail the document."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(visible_pdf())))
    writer.add_attachment("factur-x.xml", cii_xml())
    for stream in writer._objects:  # the file stream claims a filter its bytes do not fit
        if isinstance(stream, DictionaryObject) and stream.get("/Type") == "/EmbeddedFile":
            stream[NameObject("/Filter")] = NameObject("/LZWDecode")
    path = tmp_path / "corrupt-attachment.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert attached_einvoice(path.read_bytes()) is None
    extraction = RulesBackend().extract(parsed_document(document_at(path)), Invoice)
    assert extraction.source == Source.MODEL
    values = {(v.field, v.item): v.value for v in field_values(extraction.result)}
    assert values[("invoice_number", None)] == "RB-2026-0815"
    assert values[("total", None)] == "893.10"


def test_a_value_only_the_xml_has_is_kept_ungrounded_for_review(tmp_path: Path) -> None:
    """The XML is the legally binding part: its value stays, shown as not on the page, and
    final does not accept it unseen (nobody has seen it printed); the printed ones it does."""
    from click.testing import CliRunner
    from facturx import generate_from_binary
    from openpyxl import load_workbook

    from extract.cli import cli

    folder = tmp_path / "pdfs"
    folder.mkdir()
    hidden = generate_from_binary(visible_pdf(VISIBLE[:3]), cii_xml(), flavor="factur-x")
    (folder / "hidden.pdf").write_bytes(hidden)
    workbook = tmp_path / "contract.xlsx"
    args = ["run", str(folder), "--workbook", str(workbook), "--backend", "rules"]
    result = CliRunner().invoke(cli, [*args, "--accept-above", "0.9"])
    assert result.exit_code == 0, result.output
    book = load_workbook(workbook)
    rows = book["extractions"].iter_rows(values_only=True)
    header = next(rows)
    extractions = {(row[2], row[3]): dict(zip(header, row, strict=True)) for row in rows}
    total = extractions[("total", None)]
    assert total["quote"] is None and total["grounded"] in (False, 0, "FALSE")  # not grounded
    final = {(row[2], row[3]): row for row in book["final"].iter_rows(min_row=2, values_only=True)}
    assert final[("total", None)][4] == 893.1 and final[("total", None)][5] == Source.NEEDS_REVIEW
    assert final[("invoice_number", None)][5] == Source.EMBEDDED_XML
