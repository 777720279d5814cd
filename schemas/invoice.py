"""The invoice schema: the order of its fields is the order the model reasons in.

First what the document is and where the evidence lies, then each value with its page and
quote, then the checks the model must state. Labels in ``cited(...)`` drive the rules backend.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import CitedCode, CitedDate, CitedMoney, CitedNumber, CitedText, cited


class Evidence(BaseModel):
    """Where the model found things, before it reads any value."""

    model_config = ConfigDict(extra="forbid")
    header_page: int | None = Field(
        default=None, description="Page with the invoice number, dates, seller and buyer."
    )
    totals_page: int | None = Field(default=None, description="Page with the totals block.")
    line_item_pages: list[int] = Field(
        default_factory=list, description="Pages that hold rows of the line-item table."
    )
    language: str | None = Field(default=None, description="Language of the document, e.g. en.")


class LineItem(BaseModel):
    """One row of the line-item table."""

    model_config = ConfigDict(extra="forbid")
    description: CitedText = cited(
        "What was sold.", ["description", "item", "beschreibung", "bezeichnung", "désignation"]
    )
    quantity: CitedNumber = cited("How many.", ["qty", "quantity", "menge", "anzahl", "quantité"])
    unit_price: CitedMoney = cited(
        "Price of one unit.", ["unit price", "price", "einzelpreis", "prix unitaire", "rate"]
    )
    amount: CitedMoney = cited(
        "Line total.", ["amount", "total", "betrag", "gesamt", "montant", "line total"]
    )


class InvoiceChecks(BaseModel):
    """Arithmetic the model must state; the pipeline recomputes it in code too."""

    model_config = ConfigDict(extra="forbid")
    line_items_sum_to_subtotal: bool | None = Field(
        default=None, description="Do the line amounts add up to the subtotal?"
    )
    subtotal_plus_tax_equals_total: bool | None = Field(
        default=None, description="Does subtotal plus tax equal the total?"
    )
    notes: str | None = Field(default=None, description="Anything that did not add up, and why.")


class Invoice(BaseModel):
    """An invoice, credit note or bill, with every value cited to a page and quote."""

    model_config = ConfigDict(extra="forbid")
    # (parts, target): the parts must add up to the target; checked in code after extraction
    sum_rules: ClassVar[tuple[tuple[tuple[str, ...], str], ...]] = (
        (("line_items.amount",), "subtotal"),
        (("subtotal", "tax"), "total"),
    )

    document_kind: Literal["invoice", "credit_note", "receipt", "other"] = Field(
        default="invoice", description="What kind of document this is."
    )
    evidence: Evidence = Field(default_factory=Evidence)
    invoice_number: CitedCode = cited(
        "The invoice's own number or identifier.",
        [
            "invoice number", "invoice no", "invoice #", "invoice", "inv no",
            "rechnungsnummer", "rechnung nr", "rechnungs-nr", "facture n°", "numéro de facture",
            "factura", "número de factura", "fattura", "numero fattura", "factuurnummer",
        ],
    )  # fmt: skip
    issue_date: CitedDate = cited(
        "The date the invoice was issued.",
        [
            "invoice date", "date of issue", "issue date", "date", "dated",
            "rechnungsdatum", "datum", "date de facture", "fecha", "data", "factuurdatum",
        ],
    )  # fmt: skip
    due_date: CitedDate = cited(
        "The date payment is due.",
        [
            "due date", "payment due", "due", "pay by", "fällig am", "fälligkeitsdatum",
            "zahlbar bis", "échéance", "vencimiento", "scadenza", "vervaldatum",
        ],
    )  # fmt: skip
    seller: CitedText = cited(
        "The company that issued the invoice (name only).",
        ["from", "seller", "supplier", "vendor", "verkäufer", "lieferant", "fournisseur"],
        role="party",
    )
    buyer: CitedText = cited(
        "The customer billed (name only).",
        [
            "bill to", "billed to", "invoice to", "customer", "sold to", "buyer",
            "rechnungsempfänger", "kunde", "an", "client", "cliente", "klant",
        ],
        role="party",
    )  # fmt: skip
    currency: CitedCode = cited(
        "ISO 4217 code of the invoice currency, e.g. EUR.",
        ["currency", "währung", "devise", "moneda", "valuta"],
        role="currency",
    )
    subtotal: CitedMoney = cited(
        "Total before tax.",
        [
            "subtotal", "sub-total", "net amount", "net total", "total excl", "zwischensumme",
            "nettobetrag", "summe netto", "total ht", "base imponible", "imponibile",
            "subtotaal",
        ],
    )  # fmt: skip
    tax: CitedMoney = cited(
        "Total tax (VAT, GST, sales tax).",
        ["tax", "vat", "gst", "sales tax", "mwst", "ust", "umsatzsteuer", "tva", "iva", "btw"],
    )
    total: CitedMoney = cited(
        "The grand total payable, tax included.",
        [
            "total due", "amount due", "grand total", "total amount", "balance due", "total",
            "gesamtbetrag", "bruttobetrag", "rechnungsbetrag", "endbetrag", "gesamt",
            "total ttc", "net à payer", "importe total", "totale", "totaal",
        ],
    )  # fmt: skip
    line_items: list[LineItem] = Field(
        default_factory=list, description="Every row of the line-item table, in order."
    )
    checks: InvoiceChecks = Field(default_factory=InvoiceChecks)
