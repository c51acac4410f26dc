/// A C interface to RE2 (a C++ library, which Swift does not call directly): compile a pattern with the options that
/// give Go's `regexp` semantics, match it unanchored, free it. The handle is opaque; one compiled pattern may be
/// matched from any number of threads at once (RE2 objects are thread-safe after construction).
#ifndef SENSOR_GATEWAY_CRE2_H
#define SENSOR_GATEWAY_CRE2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A compiled RE2 pattern.
typedef struct cre2_regex cre2_regex;

/// Compiles `pattern` (`length` bytes of UTF-8, NUL bytes allowed) with Go's `regexp` options: UTF-8, Perl syntax
/// with ASCII-only `\d \w \s \b`, leftmost-first matching, no error logging, and at most `max_memory` bytes for the
/// compiled programs. Returns the handle, or NULL with RE2's reason written to `error` (NUL-terminated, truncated
/// to `error_capacity`) when the pattern does not compile (syntax RE2 refuses, such as look-around and
/// backreferences, or a program larger than `max_memory`).
cre2_regex *cre2_compile(const char *pattern, size_t length, int64_t max_memory, char *error, size_t error_capacity);

/// Whether `regex` matches anywhere in `text` (`length` bytes), as Go's `regexp.Match`: unanchored, partial.
bool cre2_match(const cre2_regex *regex, const char *text, size_t length);

/// Frees a handle from `cre2_compile`; NULL is ignored.
/// The leftmost-first match at or after byte `start` (Go's semantics: `^` still means the start of the text):
/// true with its byte range in `match_start` and `match_end`, or false when there is none.
bool cre2_find(const cre2_regex *regex, const char *text, size_t length, size_t start, size_t *match_start,
    size_t *match_end);

void cre2_free(cre2_regex *regex);

#ifdef __cplusplus
}
#endif

#endif
