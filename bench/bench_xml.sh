#!/bin/sh
# bench_xml.sh — the xml module on a generated ISO-8859-15 BEE_ELEVES export of
# $RELAIS_BENCH_XML_MB megabytes (default 200), plain and zipped: MB/s, records/s and peak
# RSS of the record API, and of a bare scan (no record registered) for comparison.
# Run by bench/run.sh: $RELAIS_BUILD_DIR holds bench_xml, data goes to $RELAIS_BENCH_DIR.
set -eu
bin="$RELAIS_BUILD_DIR/bench_xml"
size=${RELAIS_BENCH_XML_MB:-200}
data="$RELAIS_BENCH_DIR/xml"
mkdir -p "$data"
xml="$data/ElevesAvecAdresses_${size}MB.xml"
zip="$data/ExportXML_ElevesAvecAdresses_${size}MB.zip"
if [ ! -s "$xml" ]; then
    "$bin" generate "$xml.tmp" "$size"
    mv "$xml.tmp" "$xml"
fi
if [ ! -s "$zip" ] && command -v bsdtar >/dev/null 2>&1; then
    (cd "$data" && bsdtar --format zip -cf "$zip.tmp" "$(basename "$xml")" && mv "$zip.tmp" "$zip")
fi
"$bin" parse "$xml" scan
"$bin" parse "$xml"
if [ -s "$zip" ]; then
    "$bin" parse "$zip"
fi
