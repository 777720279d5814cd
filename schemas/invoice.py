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
            "invoice number", "invoice no", "invoice #", "invoice nr", "invoice id",
            "invoice ref", "invoice reference", "inv no", "inv #", "bill no", "bill number",
            "receipt number", "receipt no", "receipt #", "rechnungsnummer", "rechnungsnr",
            "rechnung nr", "rechnungs-nr", "belegnummer", "beleg-nr", "facture n°",
            "facture no", "facture numéro", "numéro de facture", "n° de facture", "n° facture",
            "référence facture", "réf. facture", "número de factura", "factura n°",
            "factura no", "nº factura", "numero fattura", "numero della fattura", "fattura n°",
            "fattura n", "n. fattura", "factuurnummer", "factuurnr", "factuur nr",
        ],
        # a document's title names it when a number follows ("Rechnung RE-1", "Facture n° 7")
        weak_labels=[
            "invoice", "tax invoice", "rechnung", "facture", "factura", "fattura", "factuur",
            "receipt", "bill",
        ],
        not_cues=[
            "order", "purchase", "po", "customer", "client", "kunden", "kunde", "klant",
            "account", "konto", "contract", "vertrag", "contrat", "delivery", "liefer",
            "lieferschein", "livraison", "bestell", "auftrag", "commande", "pedido", "ordine",
            "bestel", "dossier", "tax", "vat", "ust", "tva", "steuer", "refers", "previous",
            "original", "page", "seite", "tracking", "shipment", "iban", "siret", "phone",
            "period",
        ],
        title=True,
        bt="BT-1",
    )  # fmt: skip
    issue_date: CitedDate = cited(
        "The date the invoice was issued.",
        [
            "invoice date", "date of issue", "issue date", "issued on", "date issued",
            "bill date", "billing date", "receipt date", "date of invoice", "invoice dated",
            "rechnungsdatum", "belegdatum", "ausstellungsdatum", "date de facture",
            "date de la facture", "date de facturation", "date d'émission", "émise le",
            "fecha de factura", "fecha factura", "fecha de emisión", "data fattura",
            "data della fattura", "data documento", "data di emissione", "factuurdatum",
            "factuur datum", "datum factuur",
        ],
        weak_labels=["date", "dated", "created", "issued", "datum", "fecha", "data"],
        not_cues=[
            "delivery", "delivered", "liefer", "lieferung", "livraison", "leistung",
            "leistungs", "prestation", "service", "order", "bestell", "auftrag", "commande",
            "pedido", "ordine", "bestel", "due", "fällig", "fälligkeit", "échéance",
            "vencimiento", "scadenza", "verval", "payment", "zahlung", "zahlbar",
            "paiement", "règlement", "pago", "pagamento", "betaling", "period", "zeitraum",
            "période", "periodo", "start", "end", "birth", "geburt", "naissance", "print",
            "printed", "druck", "generated", "impression", "ship", "shipping", "shipment",
            "versand", "expédition", "envío", "spedizione", "transaction", "check", "valid",
            "gültig", "validité", "entrega", "consegna", "levering", "expiry", "expiration",
            "despatch", "dispatch", "billing period", "contract", "vertrag",
        ],
        after_field="invoice_number",
        document_date=True,
        bt="BT-2",
    )  # fmt: skip
    due_date: CitedDate = cited(
        "The date payment is due.",
        [
            "due date", "date due", "payment due date", "payment due", "due by", "due on",
            "pay by", "payable by", "please pay by", "payment term", "fällig am",
            "fälligkeitsdatum", "fällig bis", "fällig", "zahlbar bis", "zahlungsziel",
            "date d'échéance", "échéance", "date limite de paiement",
            "date limite de règlement", "date limite", "à régler le", "fecha de vencimiento",
            "vencimiento", "data di scadenza", "data scadenza", "scadenza", "vervaldatum",
            "vervaldag", "uiterste betaaldatum",
        ],
        weak_labels=["due"],
        not_cues=["overdue", "delivery", "liefer", "livraison", "period", "service"],
        not_before="issue_date",
        bt="BT-9",
    )  # fmt: skip
    seller: CitedText = cited(
        "The company that issued the invoice (name only).",
        [
            "seller", "supplier", "vendor", "sold by", "issued by", "from", "bill from",
            "billed from", "invoice from", "pay to", "payable to", "make checks payable to",
            "remit to", "service provider", "provider", "verkäufer", "lieferant",
            "rechnungssteller", "leistungserbringer", "auftragnehmer", "fournisseur",
            "vendeur", "émetteur", "prestataire", "proveedor", "emisor", "vendedor",
            "fornitore", "cedente", "prestatore", "leverancier", "verkoper",
        ],
        # words after a party's label that make it the label of something else
        not_cues=[
            "number", "no", "nr", "nummer", "numéro", "numero", "id", "ref", "reference",
            "référence", "code", "ean", "vat", "tax", "account", "konto", "compte", "care",
            "support", "portal", "type", "group", "order", "since", "status", "identifier",
            "article", "artikel", "product", "part", "item",
        ],
        # a name holding the other party's role word is that party's ("Demo Customer")
        names_exclude=["customer", "client", "buyer", "kunde", "käufer", "acheteur", "cliente"],
        # headings of someone else's address block: the letterhead ends where one stands
        other_blocks=[
            "ship to", "deliver to", "delivery address", "shipping address", "consignee",
            "lieferadresse", "lieferanschrift", "liefern an", "warenempfänger",
            "adresse de livraison", "livrer à", "livré à", "dirección de envío",
            "dirección de entrega", "enviar a", "indirizzo di consegna",
            "indirizzo di spedizione", "destinazione merce", "afleveradres", "leveringsadres",
            "verzendadres",
        ],
        role="party",
        where="letterhead",
        bt="BT-27",
    )  # fmt: skip
    buyer: CitedText = cited(
        "The customer billed (name only).",
        [
            "bill to", "billed to", "invoice to", "invoiced to", "billing address", "sold to",
            "customer", "buyer", "client", "recipient", "to", "rechnungsempfänger",
            "rechnungsadresse", "empfänger", "kunde", "käufer", "auftraggeber", "an",
            "destinataire", "adresse de facturation", "facturé à", "acheteur", "cliente",
            "facturar a", "comprador", "destinatario", "committente", "cessionario",
            "factuuradres", "klant", "koper", "customer name", "client name", "kundenname",
            "nom du client", "nombre del cliente", "nome cliente", "klantnaam",
        ],
        not_cues=[
            "number", "no", "nr", "nummer", "numéro", "numero", "id", "ref", "reference",
            "référence", "code", "ean", "vat", "tax", "account", "konto", "compte", "care",
            "support", "portal", "type", "group", "order", "since", "status", "identifier",
            "article", "artikel", "product", "part", "item",
        ],
        names_exclude=["seller", "vendor", "supplier", "verkäufer", "vendeur", "fournisseur"],
        role="party",
        where="window",
        issuer_field="seller",
        bt="BT-44",
    )  # fmt: skip
    currency: CitedCode = cited(
        "ISO 4217 code of the invoice currency, e.g. EUR.",
        [
            "currency", "währung", "devise", "monnaie", "moneda", "divisa", "valuta",
            "amounts in", "all amounts in", "beträge in", "montants en", "devise de la facture",
        ],
        role="currency",
        bt="BT-5",
    )  # fmt: skip
    subtotal: CitedMoney = cited(
        "Total before tax.",
        [
            "subtotal", "sub-total", "sub total", "net amount", "net total", "total net",
            "net total amount", "total net amount", "total excl. vat", "total excl. tax",
            "total excl", "total before tax", "amount before tax", "total without vat",
            "total without tax", "untaxed amount", "taxable amount", "tax basis",
            "zwischensumme", "nettobetrag", "nettosumme", "summe netto", "gesamt netto",
            "gesamtbetrag netto", "rechnungssumme netto", "warenwert", "total ht",
            "montant ht", "montant total ht", "total hors taxes", "sous-total", "total net ht",
            "base imponible", "imponibile", "totale imponibile", "subtotaal",
            "exclusief btw", "totaal excl. btw",
        ],
        cues=[
            "net", "netto", "nett", "ht", "excl", "exkl", "excluding", "exclusive",
            "exclusief", "without", "ohne", "hors", "sans", "before", "vor", "avant", "base",
            "basis", "bemessungsgrundlage", "grondslag", "imponible", "imponibile",
            "untaxed", "taxable", "sin", "senza", "zonder",
        ],
        not_cues=[
            "gross", "brutto", "brut", "bruto", "ttc", "incl", "inkl", "including",
            "inclusive", "inclusief", "with", "mit", "avec", "con", "met", "due", "payable",
            "discount", "discounts", "rabatt", "nachlass", "remise", "skonto", "allowance",
            "allowances", "prepaid", "paid", "vorausbezahlt", "credit", "rounding",
            "rundung", "arrondi", "previous", "pcs", "pieces", "points", "qty", "quantity",
            "items", "hours",
        ],
        position="last",
        bt="BT-109",
    )  # fmt: skip
    tax: CitedMoney = cited(
        "Total tax (VAT, GST, sales tax).",
        [
            "total tax", "total vat", "total tva", "total mwst", "total iva", "total btw",
            "total gst", "total tax amount", "tax amount", "vat amount", "gst amount",
            "sales tax", "value added tax", "tax", "taxes", "vat", "gst", "hst", "pst",
            "qst", "mwst", "ust", "umsatzsteuer", "mehrwertsteuer", "steuer", "steuerbetrag",
            "gesamtbetrag steuer", "montant tva", "montant de tva", "montant de la tva", "tva",
            "taxe sur la valeur ajoutée", "cuota iva", "importe iva", "iva", "imposta",
            "btw bedrag", "btw",
        ],
        not_cues=[
            "incl", "inkl", "including", "inclusive", "inclusief", "excl", "exkl",
            "excluding", "exclusive", "exclusief", "with", "without", "ohne", "mit", "base",
            "basis", "bemessungsgrundlage", "grondslag", "imponible", "imponibile",
            "taxable", "rate", "taux", "satz", "steuersatz", "tasa", "aliquota", "tarief",
            "id", "no", "nr", "number", "nummer", "numéro", "identifier", "identification",
            "reg", "registration", "intracom", "code", "category", "kategorie", "catégorie",
            "type", "exempt", "befreit", "exonéré", "ttc", "ht", "brutto", "netto", "net",
            "gross", "discount", "rabatt", "remise", "allowance", "prepaid", "paid amount",
        ],
        position="last",
        bt="BT-110",
    )  # fmt: skip
    total: CitedMoney = cited(
        "The grand total payable, tax included.",
        [
            "grand total", "total amount due", "total amount", "invoice total",
            "total invoice", "total payable", "total to pay", "total incl. vat",
            "total incl. tax", "total including vat", "total with tax", "total with vat",
            "gross total", "total gross", "gross amount", "gesamtbetrag",
            "gesamtbetrag brutto", "bruttobetrag", "rechnungsbetrag", "rechnungssumme",
            "rechnungssumme brutto", "endbetrag", "endsumme", "gesamtsumme", "summe gesamt",
            "total ttc", "montant ttc", "montant total ttc", "total facture", "montant total",
            "importe total", "total factura", "total a pagar", "totale fattura",
            "totale documento", "totale da pagare", "factuur totaal", "totaalbedrag",
            "total", "totale", "totaal", "gesamt",
        ],
        # what is left to pay: the total only where no other total is printed
        weak_labels=[
            "total due", "amount due", "balance due", "balance", "amount payable",
            "zu zahlen", "zahlbetrag", "offener betrag", "fälliger betrag", "net à payer",
            "reste à payer", "somme à payer", "montant à payer", "total à payer",
            "te betalen", "saldo", "open amount", "outstanding",
        ],
        cues=[
            "gross", "brutto", "brut", "bruto", "ttc", "incl", "inkl", "including",
            "inclusive", "inclusief", "with", "mit", "avec", "con", "met",
        ],
        not_cues=[
            "net", "netto", "nett", "ht", "excl", "exkl", "excluding", "exclusive",
            "exclusief", "without", "ohne", "hors", "sans", "before", "base", "basis",
            "untaxed", "taxable", "subtotal", "discount", "discounts", "discounted",
            "rabatt", "nachlass", "nachlässe", "abschläge", "abschlag", "skonto", "remise",
            "réduction", "descuento", "sconto", "korting", "allowance", "allowances",
            "charges", "zuschläge", "prepaid", "paid amount", "amount paid", "already paid",
            "paid to date", "vorausbezahlt", "vorausbezahlter", "bereits bezahlt",
            "anzahlung", "acompte", "déjà versé", "déjà payé", "credit", "credits",
            "gutschrift", "avoir", "rounding", "rundung", "arrondi", "previous",
            "vorheriger", "précédent", "anterior", "brought forward", "übertrag", "pcs",
            "pieces", "stück", "points", "punkte", "qty", "quantity", "menge", "items",
            "articles", "hours", "stunden", "heures", "weight", "gewicht", "poids", "kg",
            "line", "lines", "zeile", "ligne", "page", "seite", "pièces",
        ],
        position="last",
        ends_list=True,
        bt="BT-112",
    )  # fmt: skip
    line_items: list[LineItem] = Field(
        default_factory=list, description="Every row of the line-item table, in order."
    )
    checks: InvoiceChecks = Field(default_factory=InvoiceChecks)
