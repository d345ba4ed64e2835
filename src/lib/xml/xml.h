/*
 * xml.h — the face of the xml module: a safe, streaming reader of the XML files
 * relais imports (SIECLE BEE exports, STS-Web STS_EDT / EDT_STS, AAF, ELEGROUPE),
 * plain or inside the ministry's zips.
 *
 * Three layers, usable separately:
 *   - sources (xml_source): the bytes of one XML document, read from a plain
 *     file or from the single XML entry of a zip (libarchive, never extracted,
 *     inflated size bounded);
 *   - the reader (xml_reader): expat behind our own interface. The caller
 *     registers element paths ("/BEE_ELEVES/DONNEES/ELEVES/ELEVE") and receives
 *     each matching element as a small tree (xml_node) built in an arena that
 *     is reset after the callback, so memory is bounded by the largest record,
 *     not by the file;
 *   - helpers: list the importable files of a directory, peek the root element.
 *
 * Encodings (BOM > XML declaration > UTF-8), the refusal of DTDs and entities,
 * and the size and depth limits are described in docs/internals/xml.md. Every
 * error is a negative RELAIS_E* code with a French message (relais_error_last)
 * naming the file ("Eleves.xml" or "ExportXML_Eleves.zip:Eleves.xml"), the line
 * and the element. Nothing here prints.
 */
#ifndef RELAIS_XML_H
#define RELAIS_XML_H

#include "util/util.h"

/* ------------------------------------------------------------- options */

/**
 * Limits and switches of sources and readers. Start from XML_OPTIONS_INIT; a zero
 * field takes its default, except max_inflated_size and max_ratio, where 0 turns
 * the check off. Defaults are in docs/internals/xml.md.
 */
typedef struct xml_options {
    /** zip entry: most bytes it may inflate to (zip bomb); 0 = no limit. */
    uint64_t max_inflated_size;
    /** zip entry: most inflated/compressed ratio, checked once 16 MiB are inflated; 0 = off. */
    uint32_t max_ratio;
    /** most bytes of text directly inside one element (CDATA included). */
    size_t max_text_size;
    /** most bytes of one attribute value. */
    size_t max_attr_size;
    /** most arena bytes one record tree may use. */
    size_t max_record_size;
    /** most element nesting depth (the root is at depth 1); at most 256. */
    unsigned max_depth;
    /** bytes read from the source at a time. */
    size_t buffer_size;
    /**
     * Accept a document type declaration without internal subset, such as AAF's
     * `<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">`: it is ignored, the DTD
     * never read. Internal subsets and entity declarations are refused regardless.
     */
    bool allow_doctype;
} xml_options;

#define XML_OPTIONS_INIT                                                                           \
    {                                                                                              \
        (uint64_t)2 << 30, 200, (size_t)1 << 20, (size_t)1 << 20, (size_t)64 << 20, 64,           \
            (size_t)128 << 10, false                                                               \
    }

/* ------------------------------------------------------------- sources */

/** The bytes of one XML document: a plain file, or the XML entry of a zip. */
typedef struct xml_source xml_source;

/**
 * Open `path`, an XML file or a zip (recognised by its content, not its name).
 * For a zip, the archive must hold exactly one `*.xml` entry outside
 * `__MACOSX/` whose name does not start with '.'; an entry name with ".." or
 * an absolute path, an encrypted entry, a truncated or corrupt archive are
 * refused. `opts` may be NULL (defaults). Returns 0, RELAIS_ENOTFOUND,
 * RELAIS_EIO, RELAIS_EINVALID (bad archive) or RELAIS_ENOMEM.
 */
int xml_source_open(xml_source **out, const char *path, const xml_options *opts);

/**
 * Same as xml_source_open on bytes in memory (tests, fuzzing). `name` is used
 * in messages. `data` is borrowed and must outlive the source.
 */
int xml_source_open_memory(xml_source **out, const char *name, const void *data, size_t len,
                           const xml_options *opts);

/** Close the source (NULL accepted). */
void xml_source_free(xml_source *src);

/** Name for messages: "Eleves.xml", or "ExportXML_Eleves.zip:Eleves.xml". Borrowed. */
const char *xml_source_name(const xml_source *src);

/** Was the source a zip? */
bool xml_source_is_zip(const xml_source *src);

/**
 * Read up to `cap` bytes of the (inflated) document into `buf`; *n_read is 0 at
 * the end. Returns 0, or RELAIS_EIO / RELAIS_EINVALID (corrupt archive, size or
 * ratio limit reached).
 */
int xml_source_read(size_t *n_read, xml_source *src, void *buf, size_t cap);

/** Bytes of the document read so far and its size (0 when unknown), for progress. */
void xml_source_progress(const xml_source *src, uint64_t *done, uint64_t *total);

/* --------------------------------------------------------------- nodes */

/** One attribute of a node. Strings are UTF-8, NUL-terminated. */
typedef struct xml_attr {
    const char *name;
    const char *value;
    size_t value_len;
} xml_attr;

/**
 * An element of a record tree. Every pointer obtained from a node (names,
 * texts, children) is borrowed and valid only during the callback that
 * received the record.
 */
typedef struct xml_node xml_node;

const char *xml_node_name(const xml_node *n);
/** Text directly inside the element, concatenated, trimmed of ASCII whitespace; "" if none. */
const char *xml_node_text(const xml_node *n);
size_t xml_node_text_len(const xml_node *n);
/** Line of the element's start tag in the source (1-based). */
unsigned long xml_node_line(const xml_node *n);
/** The parent inside the record, NULL for the record itself. */
const xml_node *xml_node_parent(const xml_node *n);

size_t xml_node_attr_count(const xml_node *n);
/** The i-th attribute in document order (i < xml_node_attr_count). */
const xml_attr *xml_node_attr_at(const xml_node *n, size_t i);
/** Value of attribute `name`, NULL when absent. */
const char *xml_node_attr(const xml_node *n, const char *name);

size_t xml_node_child_count(const xml_node *n);
const xml_node *xml_node_first_child(const xml_node *n);
const xml_node *xml_node_next_sibling(const xml_node *n);
/** First child named `name`, NULL when none. Constant time for wide records. */
const xml_node *xml_node_child(const xml_node *n, const char *name);
/** Next sibling with the same name as `n` (iterate with xml_node_child first). */
const xml_node *xml_node_next_named(const xml_node *n);
/** Text of the first child named `name`; NULL when there is no such child. */
const char *xml_node_child_text(const xml_node *n, const char *name);
/** Descendant by a relative path of child names, "SCOLARITE_AN_DERNIER/CODE_MEF"; NULL if absent. */
const xml_node *xml_node_find(const xml_node *n, const char *path);

/* -------------------------------------------------------------- reader */

/**
 * Called with each record (or with the root element, children not yet known).
 * Return 0 to go on; any other value stops the parse and is returned by
 * xml_reader_parse (set a message with relais_error_set when it is an error).
 */
typedef int (*xml_record_fn)(const xml_node *node, void *payload);

typedef struct xml_reader xml_reader;

/** A reader with the given limits (`opts` NULL: defaults). Reusable for several documents. */
int xml_reader_new(xml_reader **out, const xml_options *opts);
void xml_reader_free(xml_reader *r);

/**
 * Call `fn` when the root element starts, with a node holding its name,
 * attributes and line (no text, no children): the place to check the root and
 * refuse a file early.
 */
int xml_reader_on_root(xml_reader *r, xml_record_fn fn, void *payload);

/**
 * Deliver every element at `path` — absolute, "/ROOT/A/B"; a segment "*" matches
 * any name — as a tree to `fn`. Up to 64 paths. An element inside a record
 * being delivered is part of that record, never delivered on its own.
 * Returns 0 or RELAIS_EINVALID (malformed path, too many paths).
 */
int xml_reader_on_record(xml_reader *r, const char *path, xml_record_fn fn, void *payload);

/**
 * Parse the whole document of `src`, calling the registered functions. Returns
 * 0; a callback's non-zero value; RELAIS_EINVALID for bad input (malformed or
 * truncated XML, encoding contradicting the declaration, DOCTYPE, a limit
 * exceeded, corrupt archive); RELAIS_EIO; RELAIS_ENOMEM. An error found late
 * (truncation, a UTF-8 file declared ISO-8859-15 detected at the end) comes
 * after records were delivered: a caller must discard everything on error.
 */
int xml_reader_parse(xml_reader *r, xml_source *src);

/** xml_source_open(path) with the reader's options, then xml_reader_parse. */
int xml_reader_parse_file(xml_reader *r, const char *path);

/** Name of the document being (or last) parsed, for the caller's own messages. Borrowed. */
const char *xml_reader_file(const xml_reader *r);

/** Encoding of the document being (or last) parsed: "UTF-8", "ISO-8859-15"... */
const char *xml_reader_encoding(const xml_reader *r);

/* ------------------------------------------------------------- helpers */

/**
 * The importable files of directory `dir`: regular files named *.xml or *.zip
 * (any case), not starting with '.', not recursive, as "dir/name" paths sorted
 * by byte order. Caller frees with xml_dir_list_free.
 */
int xml_dir_list(char ***out, size_t *n_out, const char *dir);
void xml_dir_list_free(char **list, size_t n);

/**
 * Name of the root element of `path` (XML or zip), reading only up to it.
 * Caller frees *out with util_free. Same errors as xml_reader_parse.
 */
int xml_peek_root(char **out, const char *path, const xml_options *opts);

#endif
