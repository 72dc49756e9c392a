"""The shop-info route: ``GET /api/eshop`` (``include=imageCuts`` for image URLs)."""

from __future__ import annotations

from typing import Any

from .exchange import Call, Result, includes


def eshop(call: Call) -> Result:
    """``GET /api/eshop``: contact, settings, currencies, languages (several), image cuts."""
    request, options = call.request, call.options
    base = request.base
    several = len(options.languages) > 1
    settings: dict[str, Any] = {
        "vatPayer": True,
        "cashDeskOnly": False,
        "trackStockClaims": False,
        "maxProductAmount": 9999,
        "maxEmailAmount": 1000,
        "defaultPricelist": {"id": 1, "name": "Základní"},
        "timezone": "Europe/Prague",
        "dateFormat": "j.n.Y",
        "timeFormat": "H:i",
        "internals": "cz",
        "exchangeRateFlip": False,
        "negativeStockAmount": "allowed",
        "oss": False,
        "stockControlDisabled": False,
        "wholesaleSplitActive": False,
    }
    if not several:
        settings["eshopLanguage"] = options.default_language
    data: dict[str, Any] = {
        "contactInformation": {
            "eshopId": 100000 + call.app.store.seed % 900000,
            "eshopName": "Pískoviště shoptet_nb",
            "eshopCategory": None,
            "url": f"{base}/",
            "eshopTitle": "Pískoviště – testovací obchod",
            "eshopSubtitle": None,
            "contactPerson": "Jana Nováková",
            "email": "info@sandbox.shoptet-nb.test",
            "phone": None,
            "mobilePhone": None,
            "skypeAccount": None,
            "contactPhotoUrl": None,
        },
        "settings": settings,
        "currencies": [_CZK],
        "taxClasses": [
            {
                "title": "Základní",
                "rates": [{"zone": "CZ", "vatRate": "21.00"}],
                "isDefault": True,
            }
        ],
        "activeModules": (
            [{"title": "Cizí jazyky", "name": "foreignLanguages"}] if several else []
        ),
        "urls": [{"ident": "eshop", "url": f"{base}/"}],
    }
    if several:
        data["languages"] = [
            {
                "code": code,
                "currencyCode": "CZK",
                "dateFormat": "j.n.Y",
                "timeFormat": "H:i",
                "isVisible": True,
                "isDefault": code == options.default_language,
                "priority": n + 1,
            }
            for n, code in enumerate(options.languages)
        ]
    if "imageCuts" in includes(request):
        data["imageCuts"] = [
            {
                "name": cut,
                "width": width,
                "height": height,
                "urlPath": f"{base}/user/shop/{cut}/",
                "cdnPath": f"{base}/cdn/shop/{cut}/",
            }
            for cut, width, height in options.image_cuts
        ]
    return Result(200, data)


_CZK: dict[str, Any] = {
    "code": "CZK",
    "title": "Koruna česká",
    "isDefault": True,
    "isDefaultAdmin": True,
    "isDefaultDocuments": True,
    "isVisible": True,
    "exchangeRate": "1.00000000",
    "priority": 1,
    "display": {
        "text": "Kč",
        "location": "right",
        "decimalsSeparator": ",",
        "thousandsSeparator": " ",
    },
    "priceDecimalPlaces": 2,
    "documentPriceDecimalPlaces": 2,
    "rounding": "none",
    "minimalOrderValue": None,
    "bankAccount": {"accountNumber": None, "iban": None, "bic": None, "ownerName": None},
}
