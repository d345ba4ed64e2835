#!/bin/sh
# po-merge.sh OUT.po IN.po... — merge per-module catalogues into one, keeping
# only translated entries of each (an untranslated copy of a message in one
# module must not hide its translation in another).
set -eu
out=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
for po in "$@"; do
    i=$((i + 1))
    msgattrib --translated --no-fuzzy -o "$tmp/$i.po" "$po"
done
msgcat --use-first -o "$out" "$tmp"/*.po
