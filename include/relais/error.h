/*
 * error.h — error codes and the thread-local error message of librelais.
 *
 * Every fallible function of the library returns 0 on success or one of the
 * negative RELAIS_E* codes below; the human-readable detail (in the user's
 * language, naming file, line and element for input errors) is kept in a
 * thread-local buffer that the caller reads with relais_error_last().
 */
#ifndef RELAIS_ERROR_H
#define RELAIS_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    RELAIS_OK = 0,
    RELAIS_ENOTFOUND = -1, /**< the requested object does not exist */
    RELAIS_EINVALID = -2,  /**< bad input: file, argument or data */
    RELAIS_ECONFLICT = -3, /**< the request contradicts the stored state */
    RELAIS_EIO = -4,       /**< reading or writing a file failed */
    RELAIS_EDB = -5,       /**< the database refused an operation */
    RELAIS_ENET = -6,      /**< network error */
    RELAIS_ENOMEM = -7,    /**< out of memory */
    RELAIS_EREFUSED = -8,  /**< a safety rule refused the operation (wrong year, UAI, ...) */
};

/** Short English name of an error code ("EINVALID"), for logs and JSON. */
const char *relais_error_name(int code);

/**
 * Set the thread-local error message (printf format). Returns nothing; the
 * caller returns its own code. A message longer than the buffer is cut.
 */
void relais_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Prefix the current message with "<prefix>: " (adds context on the way up). */
void relais_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** The last message set on this thread ("" when none). Borrowed; valid until the next set. */
const char *relais_error_last(void);

/** Clear the thread-local message. */
void relais_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif
