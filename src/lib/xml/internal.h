/*
 * internal.h — what the files of the xml module share and nobody else sees:
 * option defaults, size formatting for messages, and the encoding stage
 * (encoding.c) that sits between a source and expat.
 */
#ifndef RELAIS_XML_INTERNAL_H
#define RELAIS_XML_INTERNAL_H

#include "xml.h"

/** Copy *opts (or the defaults when NULL) into *dst, with zero fields replaced by defaults. */
void xml_options_resolve(xml_options *dst, const xml_options *opts);

/** "1 Mio", "64 Kio", "200 octets" (translated) into out. */
void xml_format_size(char *out, size_t out_size, uint64_t bytes);

/* ------------------------------------------------------------ encoding */

typedef enum xml_encoding {
    XML_ENC_UTF8,
    XML_ENC_LATIN9, /* ISO-8859-15 */
    XML_ENC_CP1252, /* windows-1252, also used for the ISO-8859-1 label */
    XML_ENC_ASCII,
} xml_encoding;

/*
 * The encoding stage: decides the document's encoding from its first bytes,
 * then validates (UTF-8) or transcodes to UTF-8 (Latin encodings) each chunk,
 * counting lines so that its errors name one. Expat is always told the input is
 * UTF-8; transcoding keeps every newline, so expat's line numbers stay those
 * of the file.
 */
typedef struct xml_decoder {
    xml_encoding enc;
    const char *label;   /* canonical name of the encoding, for messages */
    const char *file;    /* document name, for messages */
    bool from_bom;       /* chosen by a byte order mark */
    unsigned long line;  /* line of the first byte of the next chunk */
    /* UTF-8 automaton (in UTF-8 mode: validation; in Latin modes: detection) */
    unsigned need;       /* continuation bytes still expected */
    unsigned char lo, hi; /* range of the next continuation byte */
    unsigned char seq[4]; /* bytes of the sequence in progress */
    unsigned seq_len;
    unsigned long seq_line;
    /* Latin modes: evidence for and against a UTF-8 re-save */
    uint64_t n_latin;        /* bytes >= 0x80 that are not part of a UTF-8 sequence */
    uint64_t n_utf8_weak;    /* well-formed UTF-8 pairs that may also be Latin text */
    unsigned long weak_line; /* line of the first such pair */
    unsigned char weak_seq[4];
    unsigned weak_len;
} xml_decoder;

/**
 * Choose the encoding from the first `len` bytes of the document (at least
 * 1 KiB unless the document is shorter). *skip is the length of a BOM to drop.
 * Returns 0 or RELAIS_EINVALID (UTF-16/32, unknown or unsupported label, not
 * XML at all).
 */
int xml_decoder_init(xml_decoder *d, size_t *skip, const char *file, const unsigned char *head,
                     size_t len);

/** Most output bytes xml_decoder_feed writes for `len` input bytes. */
size_t xml_decoder_max_output(const xml_decoder *d, size_t len);

/**
 * Check (UTF-8) or transcode (other encodings) one chunk. When *out_ptr comes
 * back equal to `in`, the chunk is already UTF-8 and was not copied; otherwise
 * the UTF-8 text is in `out` (capacity xml_decoder_max_output). Returns 0 or
 * RELAIS_EINVALID with a message naming the file and the line.
 */
int xml_decoder_feed(xml_decoder *d, const unsigned char **out_ptr, size_t *out_len,
                     const unsigned char *in, size_t len, unsigned char *out);

/** End of document: an unfinished sequence, or a UTF-8 file under a Latin label. */
int xml_decoder_finish(xml_decoder *d);

#endif
