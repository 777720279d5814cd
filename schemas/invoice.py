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
        "What was sold.",
        [
            "description", "item description", "product description", "item", "items",
            "product title", "product", "service", "services", "details", "particulars",
            "beschreibung", "bezeichnung", "artikelbezeichnung", "leistung", "produkt",
            "désignation", "libellé", "descripción", "concepto", "descrizione", "articolo",
            "omschrijving", "artikel", "article",
        ],
        bt="BT-153",
    )  # fmt: skip
    quantity: CitedNumber = cited(
        "How many.",
        [
            "quantity", "qty", "menge", "anzahl", "stück", "quantité", "qté", "nombre",
            "cantidad", "cant.", "quantità", "qtà", "aantal", "hoeveelheid", "units", "hours",
            "hrs",
        ],
        bt="BT-129",
    )  # fmt: skip
    unit_price: CitedMoney = cited(
        "Price of one unit.",
        [
            "unit price", "price per unit", "unit cost", "rate", "price", "einzelpreis",
            "stückpreis", "e-preis", "vk-preis", "preis", "prix unitaire", "p.u. ht", "p.u.",
            "pu ht", "prix", "precio unitario", "precio", "prezzo unitario", "prezzo",
            "prijs per stuk", "stukprijs", "prijs",
        ],
        bt=["BT-148", "BT-146"],  # the price as printed, before discounts
    )  # fmt: skip
    amount: CitedMoney = cited(
        "Line total.",
        [
            "amount", "line total", "total", "net amount", "betrag", "gesamtpreis", "gesamt",
            "zeilenbetrag", "summe", "montant ht", "montant", "total ht", "importe", "importo",
            "totale", "bedrag", "prijs incl. btw", "totaal", "subtotal",
        ],
        bt="BT-131",
    )  # fmt: skip


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
            "invoice number", "invoice no", "invoice #", "invoice nr", "invoice id", "inv no",
            "inv #", "bill no", "bill number", "receipt number", "receipt no",
            "rechnungsnummer", "rechnungsnr", "rechnung nr", "rechnungs-nr", "belegnummer",
            "facture n°", "facture no", "numéro de facture", "n° de facture", "n° facture",
            "número de factura", "factura n°", "factura no", "nº factura", "numero fattura",
            "fattura n°", "fattura n", "factuurnummer", "factuurnr", "factuur nr",
            "invoice", "rechnung", "facture", "factura", "fattura", "factuur",
        ],
        bt="BT-1",
    )  # fmt: skip
    issue_date: CitedDate = cited(
        "The date the invoice was issued.",
        [
            "invoice date", "date of issue", "issue date", "issued on", "date issued",
            "bill date", "billing date", "receipt date", "rechnungsdatum", "belegdatum",
            "ausstellungsdatum", "date de facture", "date de facturation", "date d'émission",
            "fecha de factura", "fecha de emisión", "fecha", "data fattura", "data documento",
            "data di emissione", "factuurdatum", "factuur datum", "date", "dated", "datum", "data",
        ],
        after_field="invoice_number",
        bt="BT-2",
    )  # fmt: skip
    due_date: CitedDate = cited(
        "The date payment is due.",
        [
            "due date", "date due", "payment due date", "payment due", "due by", "due on",
            "pay by", "payable by", "fällig am", "fälligkeitsdatum", "fällig", "zahlbar bis",
            "zahlungsziel", "date d'échéance", "échéance", "date limite de paiement",
            "date limite", "fecha de vencimiento", "vencimiento", "data di scadenza",
            "scadenza", "vervaldatum", "vervaldag", "uiterste betaaldatum", "due",
        ],
        bt="BT-9",
    )  # fmt: skip
    seller: CitedText = cited(
        "The company that issued the invoice (name only).",
        [
            "seller", "supplier", "vendor", "sold by", "issued by", "from", "verkäufer",
            "lieferant", "rechnungssteller", "fournisseur", "vendeur", "proveedor", "emisor",
            "fornitore", "cedente", "leverancier",
        ],
        role="party",
        where="letterhead",
        bt="BT-27",
    )  # fmt: skip
    buyer: CitedText = cited(
        "The customer billed (name only).",
        [
            "bill to", "billed to", "invoice to", "invoiced to", "billing address", "sold to",
            "customer", "buyer", "client", "rechnungsempfänger", "rechnungsadresse", "kunde",
            "an", "adresse de facturation", "facturé à", "cliente", "facturar a",
            "destinatario", "committente", "factuuradres", "klant",
        ],
        role="party",
        where="window",
        issuer_field="seller",
        bt="BT-44",
    )  # fmt: skip
    currency: CitedCode = cited(
        "ISO 4217 code of the invoice currency, e.g. EUR.",
        ["currency", "währung", "devise", "monnaie", "moneda", "divisa", "valuta"],
        role="currency",
        bt="BT-5",
    )
    subtotal: CitedMoney = cited(
        "Total before tax.",
        [
            "subtotal", "sub-total", "sub total", "net amount", "net total", "total net",
            "total excl. vat", "total excl", "total before tax", "amount before tax",
            "zwischensumme", "nettobetrag", "summe netto", "gesamt netto", "nettosumme",
            "total ht", "montant ht", "sous-total", "base imponible", "totale imponibile",
            "imponibile", "subtotaal", "exclusief btw", "totaal excl. btw",
        ],
        position="last",
        bt="BT-109",
    )  # fmt: skip
    tax: CitedMoney = cited(
        "Total tax (VAT, GST, sales tax).",
        [
            "total tax", "tax amount", "vat amount", "sales tax", "tax", "vat", "gst", "hst",
            "mwst", "ust", "umsatzsteuer", "mehrwertsteuer", "montant tva", "tva", "cuota iva",
            "iva", "btw bedrag", "btw", "imposta",
        ],
        position="last",
        bt="BT-110",
    )  # fmt: skip
    total: CitedMoney = cited(
        "The grand total payable, tax included.",
        [
            "grand total", "total amount due", "total amount", "invoice total", "total due",
            "amount due", "total payable", "amount payable", "total to pay", "total incl. vat",
            "gesamtbetrag", "bruttobetrag", "rechnungsbetrag", "endbetrag", "gesamtsumme",
            "zu zahlen", "total ttc", "montant ttc", "net à payer", "somme à payer",
            "montant à payer", "total à payer", "total facture", "importe total",
            "total factura", "totale fattura", "totale da pagare", "factuur totaal",
            "totaalbedrag", "te betalen", "totale", "totaal", "total", "gesamt",
            "balance due",
        ],
        position="last",
        ends_list=True,
        bt="BT-112",
    )  # fmt: skip
    line_items: list[LineItem] = Field(
        default_factory=list, description="Every row of the line-item table, in order."
    )
    checks: InvoiceChecks = Field(default_factory=InvoiceChecks)
