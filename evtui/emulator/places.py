"""Real places for the synthetic network: European cities and how addresses read there.

A small shipped list, so the emulator downloads nothing. Coordinates are city centres, the
weights roughly the population in thousands (times the country's charger density: more
people, more chargers), the postal codes real ones of each city, the streets common names of
the country.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CITIES", "LOCALES", "City", "Locale", "address_label"]


@dataclass(frozen=True, slots=True)
class Locale:
    """How one country writes addresses, and its time zone."""

    alpha3: str
    time_zone: str
    density: float
    """Public chargers per inhabitant, roughly, relative to France's."""
    streets: tuple[str, ...]
    number_first: bool = False
    """"12 Rue de la Gare" rather than "Hauptstraße 12"."""
    postcode_after_city: bool = False
    """"London SW1A 2AA" rather than "10115 Berlin"."""


@dataclass(frozen=True, slots=True)
class City:
    name: str
    alpha3: str
    lat: float
    lng: float
    weight: int
    postal_codes: tuple[str, ...]


LOCALES: dict[str, Locale] = {
    locale.alpha3: locale
    for locale in (
        Locale(
            "DEU",
            "Europe/Berlin",
            1.2,
            ("Hauptstraße", "Bahnhofstraße", "Friedrichstraße", "Industriestraße",
             "Schillerstraße", "Goethestraße", "Am Markt", "Lindenallee", "Invalidenstraße"),
        ),
        Locale(
            "FRA",
            "Europe/Paris",
            1.0,
            ("Rue de la République", "Avenue Jean Jaurès", "Rue Victor Hugo",
             "Boulevard Gambetta", "Rue de la Gare", "Place de la Mairie", "Rue Pasteur"),
            number_first=True,
        ),
        Locale(
            "NLD",
            "Europe/Amsterdam",
            4.0,
            ("Stationsweg", "Kerkstraat", "Dorpsstraat", "Molenweg", "Industrieweg",
             "Marktplein", "Julianastraat"),
        ),
        Locale(
            "BEL",
            "Europe/Brussels",
            2.0,
            ("Kerkstraat", "Stationsstraat", "Rue de la Station", "Chaussée de Louvain",
             "Grote Markt", "Avenue Louise", "Rue du Commerce"),
        ),
        Locale(
            "AUT",
            "Europe/Vienna",
            1.2,
            ("Hauptstraße", "Bahnhofstraße", "Kirchengasse", "Wiener Straße", "Linzer Straße",
             "Hauptplatz", "Schulgasse"),
        ),
        Locale(
            "CHE",
            "Europe/Zurich",
            1.3,
            ("Bahnhofstrasse", "Hauptstrasse", "Dorfstrasse", "Seestrasse", "Kirchgasse",
             "Rue du Rhône"),
        ),
        Locale(
            "ITA",
            "Europe/Rome",
            0.6,
            ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Mazzini", "Via Dante",
             "Piazza della Repubblica", "Via Cavour"),
        ),
        Locale(
            "ESP",
            "Europe/Madrid",
            0.5,
            ("Calle Mayor", "Avenida de la Constitución", "Calle Real", "Gran Vía",
             "Calle San Juan", "Avenida de Andalucía"),
        ),
        Locale(
            "NOR",
            "Europe/Oslo",
            2.5,
            ("Storgata", "Kirkegata", "Strandgata", "Skolegata", "Industriveien",
             "Stasjonsveien"),
        ),
        Locale(
            "SWE",
            "Europe/Stockholm",
            1.6,
            ("Storgatan", "Drottninggatan", "Kungsgatan", "Järnvägsgatan", "Skolgatan",
             "Industrivägen"),
        ),
        Locale(
            "DNK",
            "Europe/Copenhagen",
            2.2,
            ("Vestergade", "Østergade", "Nørregade", "Stationsvej", "Industrivej", "Skolevej"),
        ),
        Locale(
            "FIN",
            "Europe/Helsinki",
            1.0,
            ("Hämeenkatu", "Mannerheimintie", "Asemakatu", "Kauppakatu", "Teollisuuskatu",
             "Koulukatu"),
        ),
        Locale(
            "POL",
            "Europe/Warsaw",
            0.3,
            ("ul. Długa", "ul. Kościuszki", "ul. Mickiewicza", "ul. Słowackiego",
             "ul. Kolejowa", "ul. Przemysłowa"),
        ),
        Locale(
            "GBR",
            "Europe/London",
            1.0,
            ("High Street", "Station Road", "Church Lane", "London Road", "Victoria Road",
             "Park Road"),
            number_first=True,
            postcode_after_city=True,
        ),
    )
}

CITIES: tuple[City, ...] = (
    City("Berlin", "DEU", 52.5200, 13.4050, 3700,
         ("10115", "10117", "10178", "10435", "10551", "10961", "12043", "13353")),
    City("Hamburg", "DEU", 53.5511, 9.9937, 1850, ("20095", "20144", "20354", "22041", "22765")),
    City("München", "DEU", 48.1372, 11.5756, 1500, ("80331", "80469", "80636", "81241")),
    City("Köln", "DEU", 50.9375, 6.9603, 1080, ("50667", "50674", "50823", "51063")),
    City("Frankfurt am Main", "DEU", 50.1109, 8.6821, 760, ("60311", "60313", "60486")),
    City("Stuttgart", "DEU", 48.7758, 9.1829, 630, ("70173", "70178", "70372")),
    City("Leipzig", "DEU", 51.3397, 12.3731, 600, ("04103", "04109", "04275")),
    City("Nürnberg", "DEU", 49.4521, 11.0767, 520, ("90402", "90403", "90429")),
    City("Paris", "FRA", 48.8566, 2.3522, 2100,
         ("75001", "75004", "75011", "75015", "75017", "75019")),
    City("Lyon", "FRA", 45.7640, 4.8357, 520, ("69001", "69003", "69007")),
    City("Marseille", "FRA", 43.2965, 5.3698, 870, ("13001", "13006", "13008")),
    City("Toulouse", "FRA", 43.6047, 1.4442, 490, ("31000", "31200", "31400")),
    City("Lille", "FRA", 50.6292, 3.0573, 235, ("59000", "59800")),
    City("Bordeaux", "FRA", 44.8378, -0.5792, 260, ("33000", "33300", "33800")),
    City("Amsterdam", "NLD", 52.3676, 4.9041, 900,
         ("1011 AB", "1012 JS", "1017 CT", "1053 BJ", "1091 GH")),
    City("Rotterdam", "NLD", 51.9244, 4.4777, 650, ("3011 AD", "3012 CL", "3072 AP")),
    City("Utrecht", "NLD", 52.0907, 5.1214, 360, ("3511 AX", "3521 AZ", "3581 KP")),
    City("Den Haag", "NLD", 52.0705, 4.3007, 550, ("2511 BT", "2514 EA", "2595 AA")),
    City("Eindhoven", "NLD", 51.4416, 5.4697, 235, ("5611 AZ", "5612 AJ", "5652 AB")),
    City("Bruxelles", "BEL", 50.8503, 4.3517, 1200,
         ("1000", "1040", "1050", "1060", "1070", "1180")),
    City("Antwerpen", "BEL", 51.2194, 4.4025, 530, ("2000", "2018", "2060", "2100")),
    City("Gent", "BEL", 51.0543, 3.7174, 265, ("9000", "9030", "9050")),
    City("Liège", "BEL", 50.6326, 5.5797, 195, ("4000", "4020", "4030")),
    City("Wien", "AUT", 48.2082, 16.3738, 1950, ("1010", "1030", "1070", "1100", "1210")),
    City("Graz", "AUT", 47.0707, 15.4395, 290, ("8010", "8020", "8051")),
    City("Linz", "AUT", 48.3069, 14.2858, 205, ("4020", "4030")),
    City("Salzburg", "AUT", 47.8095, 13.0550, 155, ("5020",)),
    City("Zürich", "CHE", 47.3769, 8.5417, 420, ("8001", "8004", "8005", "8050")),
    City("Genève", "CHE", 46.2044, 6.1432, 200, ("1201", "1202", "1205")),
    City("Basel", "CHE", 47.5596, 7.5886, 175, ("4051", "4056", "4058")),
    City("Bern", "CHE", 46.9480, 7.4474, 135, ("3011", "3013")),
    City("Milano", "ITA", 45.4642, 9.1900, 1400, ("20121", "20122", "20135", "20154")),
    City("Roma", "ITA", 41.9028, 12.4964, 2800, ("00184", "00185", "00153", "00197")),
    City("Torino", "ITA", 45.0703, 7.6869, 850, ("10121", "10128", "10138")),
    City("Bologna", "ITA", 44.4949, 11.3426, 390, ("40121", "40126")),
    City("Madrid", "ESP", 40.4168, -3.7038, 3300, ("28001", "28013", "28020", "28045")),
    City("Barcelona", "ESP", 41.3874, 2.1686, 1600, ("08001", "08007", "08015", "08029")),
    City("Valencia", "ESP", 39.4699, -0.3763, 790, ("46001", "46004", "46021")),
    City("Sevilla", "ESP", 37.3891, -5.9845, 680, ("41001", "41004")),
    City("Oslo", "NOR", 59.9139, 10.7522, 700, ("0150", "0155", "0250", "0458", "0560")),
    City("Bergen", "NOR", 60.3913, 5.3221, 285, ("5003", "5014", "5058")),
    City("Trondheim", "NOR", 63.4305, 10.3951, 210, ("7010", "7030")),
    City("Stavanger", "NOR", 58.9700, 5.7331, 145, ("4005", "4010")),
    City("Stockholm", "SWE", 59.3293, 18.0686, 980, ("111 22", "113 30", "114 35", "116 46")),
    City("Göteborg", "SWE", 57.7089, 11.9746, 590, ("411 05", "411 36", "416 64")),
    City("Malmö", "SWE", 55.6050, 13.0038, 350, ("211 22", "211 43", "214 20")),
    City("København", "DNK", 55.6761, 12.5683, 660, ("1050", "1620", "2100", "2200", "2300")),
    City("Aarhus", "DNK", 56.1629, 10.2039, 285, ("8000", "8200")),
    City("Helsinki", "FIN", 60.1699, 24.9384, 660, ("00100", "00120", "00150", "00500")),
    City("Tampere", "FIN", 61.4978, 23.7610, 245, ("33100", "33200", "33500")),
    City("Turku", "FIN", 60.4518, 22.2666, 195, ("20100", "20500")),
    City("Warszawa", "POL", 52.2297, 21.0122, 1800, ("00-001", "00-624", "02-495", "03-734")),
    City("Kraków", "POL", 50.0647, 19.9450, 780, ("30-001", "31-042", "31-526")),
    City("Wrocław", "POL", 51.1079, 17.0385, 640, ("50-001", "50-077", "53-611")),
    City("London", "GBR", 51.5074, -0.1278, 2000,
         ("SW1A 2AA", "EC1A 1BB", "N1 9GU", "SE1 9SG", "W1D 3QF")),
    City("Manchester", "GBR", 53.4808, -2.2426, 550, ("M1 1AE", "M2 5DB", "M4 6WX")),
)


def address_label(
    locale: Locale, street: str, number: str, postal_code: str, city: str, country: str
) -> str:
    """One line as the country writes it: "Invalidenstraße 116, 10115 Berlin, Germany",
    "12 Rue de la Gare, 75001 Paris, France", "3 High Street, London SW1A 2AA, United Kingdom".
    """
    line = f"{number} {street}" if locale.number_first else f"{street} {number}"
    town = f"{city} {postal_code}" if locale.postcode_after_city else f"{postal_code} {city}"
    return f"{line}, {town}, {country}"
